"""CFX.Structures used by the messages we translate, with the SDK's field names.

Only the fields the store uses are declared; everything else a device sends is ignored, so a
newer CFX version with more fields still parses.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from devices.cfx.envelope import CfxTime


class CfxModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


Id = Field(default=None, max_length=100)


class UnitPosition(CfxModel):
    UnitIdentifier: str | None = Id
    PositionNumber: int | None = None
    PositionName: str | None = None


class WorkOrderIdentifier(CfxModel):
    WorkOrderId: str | None = Field(default=None, max_length=64)
    Batch: str | None = None


class Operator(CfxModel):
    OperatorIdentifier: str | None = Field(default=None, max_length=64)


class MaterialPackage(CfxModel):
    UniqueIdentifier: str | None = Field(default=None, max_length=64)
    InternalPartNumber: str | None = Field(default=None, max_length=64)
    Quantity: float | None = None


class MaterialCarrierLocation(CfxModel):
    LocationIdentifier: str | None = Field(default=None, max_length=64)
    LocationName: str | None = Field(default=None, max_length=64)

    @property
    def key(self) -> str | None:
        """The feeder slot/lane: the identifier when given (unique per lane), else the name."""
        return self.LocationIdentifier or self.LocationName


Package = MaterialPackage  # a field below shares the type's name


class MaterialLocation(MaterialCarrierLocation):
    MaterialPackage: Package | None = None


class InstalledComponent(CfxModel):
    ReferenceDesignator: str | None = Field(default=None, max_length=32)
    InstalledUnitIdentifier: str | None = Id
    InstallationTime: CfxTime | None = None


class InstalledMaterial(CfxModel):
    UnitIdentifier: str | None = Id
    UnitPositionNumber: int | None = None
    QuantityInstalled: float = Field(default=1, ge=0)
    Material: MaterialPackage | None = None
    CarrierLocation: MaterialCarrierLocation | None = None
    InstalledComponents: list[InstalledComponent] = Field(default_factory=list)


class UninstalledMaterial(CfxModel):
    UnitIdentifier: str | None = Id
    UnitPositionNumber: int | None = None
    QuantityUninstalled: float = 0
    Reason: str | None = Field(default=None, max_length=200)
    Material: MaterialPackage | None = None
    UninstalledComponents: list[InstalledComponent] = Field(default_factory=list)


class ComponentDesignator(CfxModel):
    ReferenceDesignator: str | None = Field(default=None, max_length=32)
    PartNumber: str | None = None


class Defect(CfxModel):
    DefectCode: str | None = Field(default=None, max_length=32)
    DefectCategory: str | None = None
    Description: str | None = None
    ComponentOfInterest: ComponentDesignator | None = None


class Symptom(CfxModel):
    SymptomCode: str | None = Field(default=None, max_length=32)
    ComponentsOfInterest: list[ComponentDesignator] | None = None


class Measurement(CfxModel):
    """NumericMeasurement in both SDK shapes: MeasuredValue a number (<2.0) or a NumericValue object."""

    MeasurementName: str | None = Field(default=None, max_length=64)
    Result: str | None = None
    MeasuredValue: float | dict[str, Any] | None = None
    MeasurementUnits: str | None = None
    MinimumAcceptableValue: float | None = None
    MaximumAcceptableValue: float | None = None

    def numeric(self) -> tuple[float | None, str, float | None, float | None]:
        """(value, units, lower limit, upper limit)"""
        v = self.MeasuredValue
        if isinstance(v, dict):
            value = v.get("Value")
            return (float(value) if isinstance(value, int | float) else None, str(v.get("ValueUnits") or ""),
                    v.get("MinimumAcceptableValue"), v.get("MaximumAcceptableValue"))
        return v, self.MeasurementUnits or "", self.MinimumAcceptableValue, self.MaximumAcceptableValue


class Inspection(CfxModel):
    InspectionName: str | None = Field(default=None, max_length=64)
    Result: str | None = None
    DefectsFound: list[Defect] | None = None
    Measurements: list[Measurement] | None = None


class InspectedUnit(CfxModel):
    UnitIdentifier: str | None = Id
    UnitPositionNumber: int | None = None
    OverallResult: str | None = None
    Inspections: list[Inspection] | None = None


class Test(CfxModel):
    __test__ = False  # not a pytest class
    TestName: str | None = Field(default=None, max_length=64)
    Result: str | None = None
    DefectsFound: list[Defect] | None = None
    SymptomsFound: list[Symptom] | None = None
    Measurements: list[Measurement] | None = None


class TestedUnit(CfxModel):
    __test__ = False
    UnitIdentifier: str | None = Id
    UnitPositionNumber: int | None = None
    OverallResult: str | None = None
    Tests: list[Test] | None = None


class Repair(CfxModel):
    RepairName: str | None = Field(default=None, max_length=64)
    RepairStartTime: CfxTime | None = None
    RepairEndTime: CfxTime | None = None
    ComponentOfInterest: ComponentDesignator | None = None
    Result: str | None = None


class RepairedUnit(CfxModel):
    UnitIdentifier: str | None = Id
    UnitPositionNumber: int | None = None
    OverallResult: str | None = None
    Repairs: list[Repair] | None = None


class ProcessedUnit(CfxModel):
    UnitIdentifier: str | None = Id
    UnitPositionNumber: int | None = None
    UnitResult: str | None = None
    UnitProcessData: dict[str, Any] | None = None


class Fault(CfxModel):
    Cause: str | None = None
    Severity: str | None = None
    FaultCode: str | None = None
    FaultOccurrenceId: str | None = None
    Description: str | None = None
    OccurredAt: CfxTime | None = None


# The SDK spells it TransactionID on WorkStarted/WorkCompleted and TransactionId elsewhere.
TransactionIdField = Field(default=None, max_length=100,
                      validation_alias=AliasChoices("TransactionId", "TransactionID"))
