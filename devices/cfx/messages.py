"""The message bodies we translate (CFX.Production..., CFX.Materials..., CFX.ResourcePerformance...)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from devices.cfx import structures as s
from devices.cfx.structures import CfxModel, TransactionIdField


class UnitsMessage(CfxModel):
    """What WorkStarted, UnitsArrived/Departed and UnitsDisqualified share: the units named."""

    PrimaryIdentifier: str | None = Field(default=None, max_length=100)
    HermesIdentifier: str | None = Field(default=None, max_length=100)
    Units: list[s.UnitPosition] = Field(default_factory=list)


class WorkStarted(UnitsMessage):
    TransactionID: str = Field(min_length=1, max_length=100)
    Lane: int | None = None
    RecipeName: str | None = None
    WorkOrderIdentifier: s.WorkOrderIdentifier | None = None


class WorkCompleted(UnitsMessage):
    TransactionID: str = Field(min_length=1, max_length=100)
    Result: str = "Completed"


class UnitsArrived(UnitsMessage):
    pass


class UnitsDeparted(UnitsMessage):
    pass


class UnitsDisqualified(UnitsMessage):
    Reason: str | None = Field(default=None, max_length=64)
    Comments: str | None = None


class MaterialsInstalled(CfxModel):
    TransactionId: str | None = TransactionIdField
    InstalledMaterials: list[s.InstalledMaterial] = Field(min_length=1)


class MaterialsUninstalled(CfxModel):
    TransactionId: str | None = TransactionIdField
    UninstalledMaterials: list[s.UninstalledMaterial] = Field(min_length=1)


class MaterialsLoaded(CfxModel):
    Materials: list[s.MaterialLocation] = Field(min_length=1)


class MaterialsUnloaded(CfxModel):
    MaterialPackageIdentifiers: list[str] = Field(min_length=1)


class SplicePointDetected(CfxModel):
    DepletedMaterial: s.MaterialLocation | None = None
    NewlyActiveMaterial: s.MaterialLocation


class UnitsProcessed(CfxModel):
    TransactionId: str | None = TransactionIdField
    OverallResult: str | None = None
    CommonProcessData: dict[str, Any] | None = None
    UnitProcessData: list[s.ProcessedUnit] = Field(default_factory=list)


class UnitsInspected(CfxModel):
    TransactionId: str | None = TransactionIdField
    InspectionMethod: str | None = None
    Inspector: s.Operator | None = None
    InspectedUnits: list[s.InspectedUnit] = Field(min_length=1)


class UnitsTested(CfxModel):
    TransactionId: str | None = TransactionIdField
    TestMethod: str | None = None
    Tester: s.Operator | None = None
    TestedUnits: list[s.TestedUnit] = Field(min_length=1)


class UnitsRepaired(CfxModel):
    TransactionId: str | None = TransactionIdField
    RepairOperator: s.Operator | None = None
    RepairedUnits: list[s.RepairedUnit] = Field(min_length=1)


class FaultOccurred(CfxModel):
    Fault: s.Fault


class FaultCleared(CfxModel):
    FaultOccurrenceId: str | None = None
