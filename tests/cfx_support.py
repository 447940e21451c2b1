"""CFX test material: envelopes as the IPC-CFX SDK writes them, and a line's master data.

`line_messages` is the story the CFX tests replay: a 4-up panel through SMT (feeder setup, a
splice mid-panel), AOI finding a tombstoned R1 on board 2, its rework, and ICT.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from traceability import commands as c
from traceability.database import Store

T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


def t(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def envelope(name: str, source: str, at: datetime, body: dict[str, Any],
             unique_id: str | None = None) -> dict:
    return {"MessageName": name, "Version": "2.1", "TimeStamp": at.isoformat(),
            "UniqueID": unique_id or str(uuid.uuid4()), "Source": source, "Target": None,
            "RequestID": None, "MessageBody": body}


def master_data(store: Store, p: str) -> None:
    """Parts, the board work order and the reels, as ERP and WMS would have sent them."""
    cmds: list[c.Command] = [
        c.DefinePart(part_number=f"{p}-BRD", serialized=True),
        c.DefinePart(part_number=f"{p}-CAP"), c.DefinePart(part_number=f"{p}-RES"),
        c.SyncWorkOrder(number=f"{p}-WO", part_number=f"{p}-BRD", quantity=4, status="released"),
        *[c.ReceiveLot(lot=f"{p}-{code}", part_number=f"{p}-{part}", quantity=5000)
          for code, part in [("CAP-A", "CAP"), ("CAP-B", "CAP"), ("RES-A", "RES"), ("RES-B", "RES")]],
    ]
    with store.write() as session:
        for cmd in cmds:
            c.execute(session, cmd)


@dataclass
class Line:
    p: str
    smt: str = ""
    aoi: str = ""
    repair: str = ""
    ict: str = ""
    tx: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.smt, self.aoi = f"{self.p}.SMT1", f"{self.p}.AOI1"
        self.repair, self.ict = f"{self.p}.REWORK1", f"{self.p}.ICT1"
        self.tx = {k: str(uuid.uuid4()) for k in ("smt", "aoi")}

    def n(self, name: str) -> str:
        return f"{self.p}-{name}"

    @property
    def panel(self) -> str:
        return self.n("P1")

    def board(self, i: int) -> str:
        return self.n(f"B{i}")

    def units(self) -> list[dict]:
        return [{"UnitIdentifier": self.board(i), "PositionNumber": i, "PositionName": f"CIRCUIT{i}",
                 "X": 0.0, "Y": 0.0, "Rotation": 0.0, "FlipX": False, "FlipY": False} for i in range(1, 5)]

    def work_started(self, source: str, tx: str, at: datetime) -> dict:
        return envelope("CFX.Production.WorkStarted", source, at, {
            "PrimaryIdentifier": self.panel, "HermesIdentifier": None, "TransactionID": tx, "Lane": 1,
            "UnitCount": 4, "Units": self.units(), "RecipeName": "BRD-TOP", "Revision": "1",
            "WorkOrderIdentifier": {"WorkOrderId": self.n("WO"), "Batch": None}})

    def work_completed(self, source: str, tx: str, at: datetime) -> dict:
        return envelope("CFX.Production.WorkCompleted", source, at, {
            "TransactionID": tx, "Result": "Completed", "PrimaryIdentifier": self.panel, "UnitCount": 0,
            "Units": []})

    def loaded(self) -> dict:
        return envelope("CFX.Materials.Storage.MaterialsLoaded", self.smt, t(0), {"Materials": [
            _location("F1", self.n("CAP-A"), self.n("CAP")),
            _location("F2", self.n("RES-A"), self.n("RES"))]})

    def splice(self) -> dict:
        return envelope("CFX.Materials.Storage.SplicePointDetected", self.smt, t(5), {
            "DepletedMaterial": _location("F1", self.n("CAP-A"), self.n("CAP")),
            "NewlyActiveMaterial": _location("F1", self.n("CAP-B"), self.n("CAP"))})

    def installed(self, at: datetime | None = None) -> dict:
        """C1 from feeder F1 by location, per-component times straddling the splice (t5); C2 on position
        1 without a time (ambiguous across the splice); R1 named by its reel."""
        times = {1: t(2), 2: t(3), 3: t(6), 4: t(7)}
        mats = []
        for pos, when in times.items():
            mats.append({"UnitIdentifier": self.panel, "UnitPositionNumber": pos, "QuantityInstalled": 1,
                         "QuantityNonInstalled": 0, "Material": {"InternalPartNumber": self.n("CAP")},
                         "CarrierLocation": {"LocationIdentifier": "F1", "LocationName": "SLOT1"},
                         "InstalledComponents": [{"ReferenceDesignator": "C1",
                                                  "InstallationTime": when.isoformat()}]})
            mats.append({"UnitIdentifier": self.panel, "UnitPositionNumber": pos, "QuantityInstalled": 1,
                         "Material": {"UniqueIdentifier": self.n("RES-A"),
                                      "InternalPartNumber": self.n("RES")},
                         "CarrierLocation": {"LocationIdentifier": "F2", "LocationName": "SLOT2"},
                         "InstalledComponents": [{"ReferenceDesignator": "R1",
                                                  "InstallationTime": when.isoformat()}]})
        mats.append({"UnitIdentifier": self.panel, "UnitPositionNumber": 1, "QuantityInstalled": 1,
                     "Material": {"InternalPartNumber": self.n("CAP")},
                     "CarrierLocation": {"LocationIdentifier": "F1", "LocationName": "SLOT1"},
                     "InstalledComponents": [{"ReferenceDesignator": "C2", "InstallationTime": None}]})
        return envelope("CFX.Production.Assembly.MaterialsInstalled", self.smt, at or t(8),
                        {"TransactionId": self.tx["smt"], "InstalledMaterials": mats})

    def inspected(self) -> dict:
        def unit(i: int) -> dict:
            bad = i == 2
            return {"UnitIdentifier": self.panel, "UnitPositionNumber": i,
                    "OverallResult": "Failed" if bad else "Passed",
                    "Inspections": [{"InspectionName": "INSPECT_R1", "Result": "Failed" if bad else "Passed",
                                     "DefectsFound": [{"DefectCode": "TMBSTN211", "DefectCategory": "Solder",
                                                       "Description": "Tombstone on R1",
                                                       "ComponentOfInterest": {"ReferenceDesignator": "R1"}}]
                                     if bad else [], "Measurements": []}]}
        return envelope("CFX.Production.TestAndInspection.UnitsInspected", self.aoi, t(12), {
            "TransactionId": self.tx["aoi"], "InspectionMethod": "AOI",
            "SamplingInformation": {"SamplingMethod": "NoSampling"},
            "Inspector": {"OperatorIdentifier": "BADGE489499", "ActorType": "Human"},
            "InspectedUnits": [unit(i) for i in range(1, 5)]})

    def rework(self) -> list[dict]:
        return [
            envelope("CFX.Production.Assembly.MaterialsUninstalled", self.repair, t(30), {
                "TransactionId": None, "UninstalledMaterials": [{
                    "UnitIdentifier": self.board(2), "UnitPositionNumber": None, "QuantityUninstalled": 1,
                    "Reason": "DefectiveMaterial", "Material": {"UniqueIdentifier": self.n("RES-A")},
                    "UninstalledComponents": [{"ReferenceDesignator": "R1"}]}]}),
            envelope("CFX.Production.Assembly.MaterialsInstalled", self.repair, t(31), {
                "TransactionId": None, "InstalledMaterials": [{
                    "UnitIdentifier": self.board(2), "QuantityInstalled": 1,
                    "Material": {"UniqueIdentifier": self.n("RES-B")},
                    "InstalledComponents": [{"ReferenceDesignator": "R1",
                                             "InstallationTime": t(31).isoformat()}]}]}),
            envelope("CFX.Production.ReworkAndRepair.UnitsRepaired", self.repair, t(32), {
                "TransactionId": None, "RepairOperator": {"OperatorIdentifier": "BADGE1"},
                "RepairedUnits": [{"UnitIdentifier": self.board(2), "OverallResult": "RepairSuccessful",
                                   "Repairs": [{"RepairName": "Replace R1", "Result": "RepairSuccessful",
                                                "ComponentOfInterest": {"ReferenceDesignator": "R1"}}]}]}),
        ]

    def tested(self) -> dict:
        def unit(i: int) -> dict:
            value, result = (1.35, "Failed") if i == 3 else (1.0, "Passed")
            return {"UnitIdentifier": self.board(i), "UnitPositionNumber": None,
                    "OverallResult": result,
                    "Tests": [{"TestName": "RESISTANCE_CHECK_R1", "Result": result,
                               "Measurements": [{"$type": "CFX.Structures.NumericMeasurement, CFX",
                                                 "MeasurementName": "R1", "Result": result,
                                                 "MeasuredValue": {"Value": value, "ValueUnits": "kOhm",
                                                                   "MinimumAcceptableValue": 0.9,
                                                                   "MaximumAcceptableValue": 1.1}}]}]}
        return envelope("CFX.Production.TestAndInspection.UnitsTested", self.ict, t(40), {
            "TransactionId": None, "TestMethod": "Automated", "Tester": {"OperatorIdentifier": "ICT-1"},
            "TestedUnits": [unit(i) for i in range(1, 5)]})

    def messages(self) -> list[dict]:
        return [
            self.loaded(),
            self.work_started(self.smt, self.tx["smt"], t(1)),
            self.splice(),
            self.installed(),
            self.work_completed(self.smt, self.tx["smt"], t(9)),
            self.work_started(self.aoi, self.tx["aoi"], t(11)),
            self.inspected(),
            self.work_completed(self.aoi, self.tx["aoi"], t(13)),
            *self.rework(),
            self.tested(),
        ]


def _location(slot: str, lot: str, part: str) -> dict:
    return {"LocationIdentifier": slot, "LocationName": f"SLOT-{slot}",
            "MaterialPackage": {"UniqueIdentifier": lot, "InternalPartNumber": part, "Quantity": 5000.0},
            "CarrierInformation": {"$type": "CFX.Structures.SMTPlacement.SMDTapeFeeder, CFX",
                                   "UniqueIdentifier": f"FDR-{slot}", "Name": f"8mm {slot}"}}


def snapshot(store: Store, line: Line) -> dict[str, Any]:
    """What the store knows of the line's units: rows per table and the as-built per board."""
    from sqlalchemy import func, select

    from traceability import genealogy
    from traceability.models import ComponentInstallation, ProcessParameter, TestResult, Unit, UnitOperation

    serials = [line.panel, *[line.board(i) for i in range(1, 5)]]
    with store.read() as session:
        ids = session.scalars(select(Unit.id).where(Unit.serial.in_(serials))).all()
        out: dict[str, Any] = {"units": len(ids)}
        for name, model, col in [("installations", ComponentInstallation,
                                  ComponentInstallation.parent_unit_id),
                                 ("operations", UnitOperation, UnitOperation.unit_id),
                                 ("results", TestResult, TestResult.unit_id),
                                 ("parameters", ProcessParameter, ProcessParameter.unit_id)]:
            out[name] = session.scalar(select(func.count()).select_from(model).where(col.in_(ids)))
        for i in range(1, 5):
            trace = genealogy.backward(session, line.board(i))
            out[f"B{i}"] = sorted((m.reference_designator, m.lot.removeprefix(f"{line.p}-"), m.attribution)
                                  for m in trace.materials)
            out[f"B{i}.quantity"] = sum(m.quantity for m in trace.materials)
        ops = session.execute(select(Unit.serial, UnitOperation.station, UnitOperation.result)
                              .join(Unit, Unit.id == UnitOperation.unit_id).where(Unit.id.in_(ids))).all()
        out["ops"] = sorted((s.removeprefix(f"{line.p}-"), st.removeprefix(f"{line.p}."), r or "-")
                            for s, st, r in ops)
        rows = session.execute(select(Unit.serial, TestResult.name, TestResult.result, TestResult.defect_code,
                                      TestResult.reference_designator, TestResult.measured)
                               .join(Unit, Unit.id == TestResult.unit_id).where(Unit.id.in_(ids))).all()
        out["tests"] = sorted((s.removeprefix(f"{line.p}-"), n, r, d or "", rd or "", m or 0.0)
                              for s, n, r, d, rd, m in rows)
    return out


def assert_line(snap: dict[str, Any]) -> None:
    """The line's story as the store must tell it."""
    assert snap["units"] == 5
    # C1 by feeder location: before the splice (t5) reel A, after it reel B; C2 had no placement time
    # and the splice fell inside its transaction: both reels are candidates.
    assert snap["B1"] == [("C1", "CAP-A", "location"), ("C2", "CAP-A", "candidate"),
                          ("C2", "CAP-B", "candidate"), ("R1", "RES-A", "direct")]
    assert snap["B1.quantity"] == 3  # C2's two candidates share its one placement
    assert snap["B3"] == [("C1", "CAP-B", "location"), ("R1", "RES-A", "direct")]
    # Board 2's tombstoned R1 was replaced from reel RES-B at rework.
    assert snap["B2"] == [("C1", "CAP-A", "location"), ("R1", "RES-B", "direct")]
    assert snap["installations"] == 4 + 4 + 2 + 1
    ops = snap["ops"]
    assert ("P1", "SMT1", "pass") in ops and ("B1", "SMT1", "pass") in ops
    assert ("B2", "AOI1", "fail") in ops and ("B1", "AOI1", "pass") in ops
    assert ("B2", "REWORK1", "pass") in ops
    assert ("B3", "ICT1", "fail") in ops and ("B4", "ICT1", "pass") in ops
    assert ("B2", "INSPECT_R1", "fail", "TMBSTN211", "R1", 0.0) in snap["tests"]
    assert ("B3", "R1", "fail", "", "", 1.35) in snap["tests"]
    assert ("B4", "R1", "pass", "", "", 1.0) in snap["tests"]
