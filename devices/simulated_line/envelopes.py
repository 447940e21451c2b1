"""IPC-CFX envelopes the simulated machines send, in the SDK's JSON shape (see tests/cfx_support.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID


def envelope(name: str, source: str, at: datetime, body: dict[str, Any], unique_id: UUID) -> dict:
    return {
        "MessageName": f"CFX.{name}",
        "Version": "2.1",
        "TimeStamp": at.isoformat(),
        "UniqueID": str(unique_id),
        "Source": source,
        "Target": None,
        "RequestID": None,
        "MessageBody": body,
    }


def positions(panel: str, boards: list[str]) -> list[dict]:
    return [
        {
            "UnitIdentifier": b,
            "PositionNumber": i,
            "PositionName": f"CIRCUIT{i}",
            "X": 0.0,
            "Y": 0.0,
            "Rotation": 0.0,
            "FlipX": False,
            "FlipY": False,
        }
        for i, b in enumerate(boards, 1)
    ]


def work_started(tx: str, work_order: str, primary: str | None, units: list[dict]) -> tuple[str, dict]:
    return "Production.WorkStarted", {
        "PrimaryIdentifier": primary,
        "HermesIdentifier": None,
        "TransactionID": tx,
        "Lane": 1,
        "UnitCount": len(units),
        "Units": units,
        "RecipeName": None,
        "Revision": None,
        "WorkOrderIdentifier": {"WorkOrderId": work_order, "Batch": None},
    }


def work_completed(tx: str, primary: str | None, result: str = "Completed") -> tuple[str, dict]:
    return "Production.WorkCompleted", {
        "TransactionID": tx,
        "Result": result,
        "PrimaryIdentifier": primary,
        "UnitCount": 0,
        "Units": [],
    }


def location(slot: str, lot: str, part: str) -> dict:
    return {
        "LocationIdentifier": slot,
        "LocationName": f"SLOT-{slot}",
        "MaterialPackage": {"UniqueIdentifier": lot, "InternalPartNumber": part, "Quantity": 0.0},
        "CarrierInformation": {
            "$type": "CFX.Structures.SMTPlacement.SMDTapeFeeder, CFX",
            "UniqueIdentifier": f"FDR-{slot}",
            "Name": f"8mm {slot}",
        },
    }


def loaded(slots: list[tuple[str, str, str]]) -> tuple[str, dict]:
    return "Materials.Storage.MaterialsLoaded", {"Materials": [location(*s) for s in slots]}


def spliced(slot: str, old: str, new: str, part: str) -> tuple[str, dict]:
    return "Materials.Storage.SplicePointDetected", {
        "DepletedMaterial": location(slot, old, part),
        "NewlyActiveMaterial": location(slot, new, part),
    }


def placed(tx: str, panel: str, placements: list[tuple[int, str, str, str, datetime]]) -> tuple[str, dict]:
    """placements: (panel position, feeder slot, part, reference designator, time)."""
    return "Production.Assembly.MaterialsInstalled", {
        "TransactionId": tx,
        "InstalledMaterials": [
            {
                "UnitIdentifier": panel,
                "UnitPositionNumber": pos,
                "QuantityInstalled": 1,
                "QuantityNonInstalled": 0,
                "Material": {"InternalPartNumber": part},
                "CarrierLocation": {"LocationIdentifier": slot, "LocationName": f"SLOT-{slot}"},
                "InstalledComponents": [{"ReferenceDesignator": ref, "InstallationTime": at.isoformat()}],
            }
            for pos, slot, part, ref, at in placements
        ],
    }


def processed(tx: str, readings: dict[str, float]) -> tuple[str, dict]:
    return "Production.Processing.UnitsProcessed", {
        "TransactionId": tx,
        "OverallResult": "Succeeded",
        "CommonProcessData": {
            "ZoneReadings": [
                {"MeasurementName": k, "MeasuredValue": {"Value": round(v, 2)}} for k, v in readings.items()
            ]
        },
    }


def inspected(tx: str, panel: str, defects: dict[int, str]) -> tuple[str, dict]:
    """defects: panel position -> reference designator found tombstoned."""

    def unit(pos: int) -> dict:
        ref = defects.get(pos)
        return {
            "UnitIdentifier": panel,
            "UnitPositionNumber": pos,
            "OverallResult": "Failed" if ref else "Passed",
            "Inspections": [
                {
                    "InspectionName": "SOLDER_JOINTS",
                    "Result": "Failed" if ref else "Passed",
                    "DefectsFound": [
                        {
                            "DefectCode": "TMBSTN211",
                            "DefectCategory": "Solder",
                            "Description": f"Tombstone on {ref}",
                            "ComponentOfInterest": {"ReferenceDesignator": ref},
                        }
                    ]
                    if ref
                    else [],
                    "Measurements": [],
                }
            ],
        }

    return "Production.TestAndInspection.UnitsInspected", {
        "TransactionId": tx,
        "InspectionMethod": "AOI",
        "SamplingInformation": {"SamplingMethod": "NoSampling"},
        "Inspector": {"OperatorIdentifier": "AOI-1", "ActorType": "Machine"},
        "InspectedUnits": [unit(p) for p in range(1, 5)],
    }


def rework(board: str, ref: str, old_lot: str, new_lot: str, at: datetime) -> list[tuple[str, dict]]:
    return [
        (
            "Production.Assembly.MaterialsUninstalled",
            {
                "TransactionId": None,
                "UninstalledMaterials": [
                    {
                        "UnitIdentifier": board,
                        "UnitPositionNumber": None,
                        "QuantityUninstalled": 1,
                        "Reason": "DefectiveMaterial",
                        "Material": {"UniqueIdentifier": old_lot},
                        "UninstalledComponents": [{"ReferenceDesignator": ref}],
                    }
                ],
            },
        ),
        (
            "Production.Assembly.MaterialsInstalled",
            {
                "TransactionId": None,
                "InstalledMaterials": [
                    {
                        "UnitIdentifier": board,
                        "QuantityInstalled": 1,
                        "Material": {"UniqueIdentifier": new_lot},
                        "InstalledComponents": [
                            {"ReferenceDesignator": ref, "InstallationTime": at.isoformat()}
                        ],
                    }
                ],
            },
        ),
        (
            "Production.ReworkAndRepair.UnitsRepaired",
            {
                "TransactionId": None,
                "RepairOperator": {"OperatorIdentifier": "BADGE-207"},
                "RepairedUnits": [
                    {
                        "UnitIdentifier": board,
                        "OverallResult": "RepairSuccessful",
                        "Repairs": [
                            {
                                "RepairName": f"Replace {ref}",
                                "Result": "RepairSuccessful",
                                "ComponentOfInterest": {"ReferenceDesignator": ref},
                            }
                        ],
                    }
                ],
            },
        ),
    ]


def tested(
    serial: str, test: str, name: str, value: float, lo: float, hi: float, units: str, operator: str
) -> tuple[str, dict]:
    result = "Passed" if lo <= value <= hi else "Failed"
    return "Production.TestAndInspection.UnitsTested", {
        "TransactionId": None,
        "TestMethod": "Automated",
        "Tester": {"OperatorIdentifier": operator},
        "TestedUnits": [
            {
                "UnitIdentifier": serial,
                "UnitPositionNumber": None,
                "OverallResult": result,
                "Tests": [
                    {
                        "TestName": test,
                        "Result": result,
                        "Measurements": [
                            {
                                "$type": "CFX.Structures.NumericMeasurement, CFX",
                                "MeasurementName": name,
                                "Result": result,
                                "MeasuredValue": {
                                    "Value": round(value, 4),
                                    "ValueUnits": units,
                                    "MinimumAcceptableValue": lo,
                                    "MaximumAcceptableValue": hi,
                                },
                            }
                        ],
                    }
                ],
            }
        ],
    }


def assembled(tx: str, product: str, board: str, housing_lot: str) -> tuple[str, dict]:
    return "Production.Assembly.MaterialsInstalled", {
        "TransactionId": tx,
        "InstalledMaterials": [
            {
                "UnitIdentifier": product,
                "QuantityInstalled": 1,
                "Material": {"UniqueIdentifier": board},
                "InstalledComponents": [{"ReferenceDesignator": "J1", "InstalledUnitIdentifier": board}],
            },
            {
                "UnitIdentifier": product,
                "QuantityInstalled": 1,
                "Material": {"UniqueIdentifier": housing_lot},
                "InstalledComponents": [{"ReferenceDesignator": "H1"}],
            },
        ],
    }
