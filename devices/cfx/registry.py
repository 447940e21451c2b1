"""Which translator handles which MessageName, and the body model it reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from devices.cfx import messages as m
from devices.cfx.context import Context
from devices.cfx.translate import assembly, faults, materials, quality, work
from traceability.commands import Command

Translator = Callable[[Context, Any], list[Command]]

TRANSLATORS: dict[str, tuple[type[BaseModel], Translator]] = {
    "CFX.Production.WorkStarted": (m.WorkStarted, work.work_started),
    "CFX.Production.WorkCompleted": (m.WorkCompleted, work.work_completed),
    "CFX.Production.UnitsArrived": (m.UnitsArrived, work.units_seen),
    "CFX.Production.UnitsDeparted": (m.UnitsDeparted, work.units_seen),
    "CFX.Production.UnitsDisqualified": (m.UnitsDisqualified, work.units_disqualified),
    "CFX.Production.Assembly.MaterialsInstalled": (m.MaterialsInstalled, assembly.materials_installed),
    "CFX.Production.Assembly.MaterialsUninstalled": (m.MaterialsUninstalled, assembly.materials_uninstalled),
    "CFX.Materials.Storage.MaterialsLoaded": (m.MaterialsLoaded, materials.materials_loaded),
    "CFX.Materials.Storage.MaterialsUnloaded": (m.MaterialsUnloaded, materials.materials_unloaded),
    "CFX.Materials.Storage.SplicePointDetected": (m.SplicePointDetected, materials.splice_point_detected),
    "CFX.Production.Processing.UnitsProcessed": (m.UnitsProcessed, quality.units_processed),
    "CFX.Production.TestAndInspection.UnitsInspected": (m.UnitsInspected, quality.units_inspected),
    "CFX.Production.TestAndInspection.UnitsTested": (m.UnitsTested, quality.units_tested),
    "CFX.Production.ReworkAndRepair.UnitsRepaired": (m.UnitsRepaired, quality.units_repaired),
    "CFX.ResourcePerformance.FaultOccurred": (m.FaultOccurred, faults.fault_occurred),
    "CFX.ResourcePerformance.FaultCleared": (m.FaultCleared, faults.fault_cleared),
}
