"""Unit (a serial) and what is recorded against it: operations, parameters, tests, installations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from gateway.graph.containers import Container
from gateway.graph.context import Info
from gateway.graph.holds import INCLUDE_RELEASED, Hold, UnitStop, holds_on
from gateway.graph.trace_levels import TraceLevel
from traceability.records.as_built import InstallationRecord
from traceability.records.history import OperationRecord, ParameterRecord, TestRecord
from traceability.records.units import UnitRecord
from traceability.records.units import units_by_id as units_by_ids

if TYPE_CHECKING:
    from gateway.graph.materials import MaterialLot
    from gateway.graph.work_orders import WorkOrder

LotType = Annotated["MaterialLot", strawberry.lazy("gateway.graph.materials")]
WorkOrderType = Annotated["WorkOrder", strawberry.lazy("gateway.graph.work_orders")]


@strawberry.type(description="A process value recorded for a unit (with an operation, or sampled).")
class ProcessParameter:
    name: str
    value: float
    unit: str
    station: str
    recorded_at: datetime
    source: str

    @classmethod
    def of(cls, r: ParameterRecord) -> ProcessParameter:
        return cls(name=r.name, value=r.value, unit=r.unit, station=r.station,
                   recorded_at=r.recorded_at, source=r.source)


@strawberry.type(description="A test step or inspection finding; a defect names its code and designator.")
class TestResult:
    kind: str = strawberry.field(description="test | inspection")
    name: str
    result: str = strawberry.field(description="pass | fail")
    measured: float | None
    unit: str
    lsl: float | None
    usl: float | None
    defect_code: str | None
    reference_designator: str | None
    recorded_at: datetime

    @classmethod
    def of(cls, r: TestRecord) -> TestResult:
        return cls(kind=r.kind, name=r.name, result=r.result, measured=r.measured, unit=r.unit,
                   lsl=r.lsl, usl=r.usl, defect_code=r.defect_code,
                   reference_designator=r.reference_designator, recorded_at=r.recorded_at)


@strawberry.type(description="One execution of a routing operation on a unit at a station.")
class Operation:
    rec: strawberry.Private[OperationRecord]
    operation: str
    station: str
    operator: str | None
    started_at: datetime
    completed_at: datetime | None
    result: str | None = strawberry.field(description="pass | fail | scrapped | aborted; null while running")
    transaction_id: str | None

    @strawberry.field(description="Process values recorded with this operation.")
    async def parameters(self, info: Info) -> list[ProcessParameter]:
        found = await info.context.loaders.parameters.load(self.rec.unit_id)
        return [ProcessParameter.of(p) for p in found if p.unit_operation_id == self.rec.id]

    @strawberry.field(description="Tests and inspections recorded with this operation.")
    async def test_results(self, info: Info) -> list[TestResult]:
        found = await info.context.loaders.test_results.load(self.rec.unit_id)
        return [TestResult.of(t) for t in found if t.unit_operation_id == self.rec.id]

    @classmethod
    def of(cls, r: OperationRecord) -> Operation:
        return cls(rec=r, operation=r.operation, station=r.station, operator=r.operator,
                   started_at=r.started_at, completed_at=r.completed_at, result=r.result,
                   transaction_id=r.transaction_id)


@strawberry.type(description="A material lot or a child unit installed in a unit (a genealogy edge).")
class Installation:
    rec: strawberry.Private[InstallationRecord]
    part_number: str
    lot_code: str | None
    reference_designator: str | None
    quantity: float
    installed_at: datetime
    removed_at: datetime | None
    removal_reason: str | None
    operation: str | None
    station: str | None
    location: str | None = strawberry.field(description="feeder, slot or lane it came from")
    attribution: str = strawberry.field(
        description="direct | location (through the feeder's load) | candidate (ambiguous at a splice)")
    inherited: bool = strawberry.field(
        description="installed on the unit's panel position before depanelization")

    @strawberry.field(description="True when rework removed it.")
    def removed(self) -> bool:
        return self.removed_at is not None

    @strawberry.field(description="The material lot, when a lot was installed.")
    async def lot(self, info: Info) -> LotType | None:
        from gateway.graph.materials import MaterialLot

        if self.lot_code is None:
            return None
        found = await info.context.loaders.lot.load(self.lot_code)
        return MaterialLot.of(found) if found else None

    @strawberry.field(description="The child unit, when a sub-assembly was installed.")
    async def unit(self, info: Info) -> Unit | None:
        return await unit_by_id(info, self.rec.child_unit_id)

    @classmethod
    def of(cls, r: InstallationRecord) -> Installation:
        return cls(rec=r, part_number=r.part_number, lot_code=r.lot_code,
                   reference_designator=r.reference_designator, quantity=r.quantity,
                   installed_at=r.installed_at, removed_at=r.removed_at, removal_reason=r.removal_reason,
                   operation=r.operation, station=r.station, location=r.location,
                   attribution=r.attribution, inherited=r.inherited)


@strawberry.type(description="A serialized thing: a panel, a board, an assembly or a product.")
class Unit:
    rec: strawberry.Private[UnitRecord]
    serial: str
    part_number: str
    part_description: str
    kind: str = strawberry.field(description="panel | board | assembly | product")
    status: str
    panel_position: int | None = strawberry.field(description="its position on its panel")
    created_at: datetime

    @strawberry.field
    async def work_order(self, info: Info) -> WorkOrderType | None:
        from gateway.graph.work_orders import WorkOrder

        if self.rec.work_order_id is None:
            return None
        found = await info.context.loaders.work_order.load(self.rec.work_order_id)
        return WorkOrder.of(found) if found else None

    @strawberry.field(description="The panel a board was built on.")
    async def panel(self, info: Info) -> Unit | None:
        return await unit_by_id(info, self.rec.panel_unit_id)

    @strawberry.field(description="When a panel was cut into its boards.")
    def depanelized_at(self) -> datetime | None:
        return self.rec.depanelized_at

    @strawberry.field(description="Operations in the order they started.")
    async def operations(self, info: Info) -> list[Operation]:
        return [Operation.of(o) for o in await info.context.loaders.operations.load(self.rec.id)]

    @strawberry.field(description="Every process value recorded for the unit.")
    async def parameters(self, info: Info) -> list[ProcessParameter]:
        return [ProcessParameter.of(p) for p in await info.context.loaders.parameters.load(self.rec.id)]

    @strawberry.field(description="Tests and inspections in time order.")
    async def test_results(self, info: Info) -> list[TestResult]:
        return [TestResult.of(t) for t in await info.context.loaders.test_results.load(self.rec.id)]

    @strawberry.field(description="Lots and child units installed in it (its panel's at its position "
                                  "included), now, or ever with includeRemoved.")
    async def installed(
        self, info: Info,
        include_removed: Annotated[bool, strawberry.argument(
            description="also list what rework removed")] = False,
    ) -> list[Installation]:
        loader = info.context.loaders.installed_ever if include_removed else info.context.loaders.installed
        return [Installation.of(i) for i in await loader.load(self.rec.id)]

    @strawberry.field(description="The unit it is installed in now.")
    async def parent(self, info: Info) -> Unit | None:
        return await unit_by_id(info, await info.context.loaders.parent.load(self.rec.id))

    @strawberry.field(description="Units installed in it now.")
    async def children(self, info: Info) -> list[Unit]:
        installed = await info.context.loaders.installed.load(self.rec.id)
        ids = [i.child_unit_id for i in installed if i.child_unit_id is not None]
        return [Unit.of(u) for u in await info.context.loaders.unit.load_many(ids) if u]

    @strawberry.field(description="The containers it is packed in now, innermost first "
                                  "(box -> pallet -> shipment).")
    async def containers(self, info: Info) -> list[Container]:
        return [Container.of(c) for c in await info.context.loaders.container_chain.load(self.rec.id)]

    @strawberry.field
    async def holds(self, info: Info,
                    include_released: Annotated[bool, INCLUDE_RELEASED] = False) -> list[Hold]:
        return await holds_on(info, "unit", self.serial, include_released)

    @strawberry.field(description="The IPC-1782 levels its record reaches and what is missing.")
    async def trace_level(self, info: Info) -> TraceLevel:
        return TraceLevel.of(await info.context.loaders.trace_level.load(self.rec.id))
    @strawberry.field(description="Open holds that stop the unit now: on it, its panel, its work order "
                                  "or a container it is packed in (holds placed on `holds`' targets).")
    async def stopped_by(self, info: Info) -> list[UnitStop]:
        return [UnitStop.of(v) for v in await info.context.loaders.stopping_holds.load(self.rec.id)]

    @classmethod
    def of(cls, r: UnitRecord) -> Unit:
        return cls(rec=r, serial=r.serial, part_number=r.part_number, part_description=r.part_description,
                   kind=r.kind, status=r.status, panel_position=r.panel_position, created_at=r.created_at)


async def unit_by_id(info: Info, unit_id: int | None) -> Unit | None:
    if unit_id is None:
        return None
    found = await info.context.loaders.unit.load(unit_id)
    return Unit.of(found) if found else None


async def read_units(info: Info, ids: list[int]) -> dict[int, UnitRecord]:
    """Units a resolver already knows it needs (a page, the top level, an as-built): those the
    request has not read yet in one statement, read directly (a loader future per key costs more
    than the query), then remembered, so nested fields naming these units need no statement."""
    loaders = info.context.loaders
    missing = [i for i in ids if i not in loaders.units_read]
    if missing:
        loaders.remember_units(await info.context.read(units_by_ids, missing))
    return {i: loaders.units_read[i] for i in ids if i in loaders.units_read}


async def units_by_id(info: Info, ids: list[int]) -> list[Unit]:
    """A root-level list of units in the order of `ids` (see read_units)."""
    found = await read_units(info, ids)
    return [Unit.of(found[i]) for i in ids if i in found]
