"""Genealogy answers: the as-built of a serial (backward) and the recall scope of a lot (forward)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import strawberry

from gateway.graph.containers import Container
from gateway.graph.context import Info
from gateway.graph.materials import MaterialLot, lots_by_code
from gateway.graph.pagination import UnitConnection, unit_connection
from gateway.graph.units import Unit, units_by_id
from traceability import genealogy
from traceability.genealogy import TraceContainer, TraceMaterial, TraceUnit
from traceability.records.units import UnitRecord

# The units of an as-built (the root and every sub-unit) are read with the walk, in the same
# thread hop (trace_reads.as_built), so the fields naming them are plain lookups, not awaits:
# a trace names them once per material, and an awaited field costs a task each.


@strawberry.type(description="A sub-unit in an as-built: where it went in, and when.")
class SubUnit:
    trace: strawberry.Private[TraceUnit]
    depth: int = strawberry.field(description="1 for units installed in the root, 2 below them, ...")
    reference_designator: str | None
    installed_at: datetime | None
    removed_at: datetime | None
    removal_reason: str | None
    removed: bool
    unit: Unit
    parent: Unit = strawberry.field(description="The unit it is installed in.")

    @classmethod
    def of(cls, t: TraceUnit, units: Mapping[str, UnitRecord]) -> SubUnit:
        return cls(trace=t, depth=t.depth, reference_designator=t.reference_designator,
                   installed_at=t.installed_at, removed_at=t.removed_at, removal_reason=t.removal_reason,
                   removed=t.removed_at is not None, unit=Unit.of(units[t.serial]),
                   parent=Unit.of(units[t.parent_serial or ""]))


@strawberry.type(description="A material lot installed somewhere in an as-built.")
class MaterialUse:
    lot_code: str
    part_number: str
    supplier: str | None
    supplier_lot: str | None
    date_code: str | None
    reference_designator: str | None
    quantity: float
    installed_at: datetime
    station: str | None
    operation: str | None
    location: str | None
    attribution: str = strawberry.field(description="direct | location | candidate")
    removed_at: datetime | None
    removal_reason: str | None
    flag: str | None = strawberry.field(
        description="quarantined_lot: installed though the lot was quarantined (policy flag)")
    removed: bool

    @strawberry.field
    async def lot(self, info: Info) -> MaterialLot:
        return MaterialLot.of(await info.context.loaders.lot.load(self.lot_code))

    unit: Unit = strawberry.field(description="The unit it went into (a board for its panel's material).")

    @classmethod
    def of(cls, m: TraceMaterial, units: Mapping[str, UnitRecord]) -> MaterialUse:
        return cls(lot_code=m.lot, part_number=m.part_number, supplier=m.supplier,
                   supplier_lot=m.supplier_lot, date_code=m.date_code,
                   reference_designator=m.reference_designator, quantity=m.quantity,
                   installed_at=m.installed_at, station=m.station, operation=m.operation,
                   location=m.location, attribution=m.attribution, removed_at=m.removed_at,
                   removal_reason=m.removal_reason, flag=m.flag, removed=m.removed_at is not None,
                   unit=Unit.of(units[m.parent_serial]))


@strawberry.type(description="The as-built record of a serial through every level, as of `at`.")
class BackwardTrace:
    serial: str
    at: datetime | None
    root_record: strawberry.Private[UnitRecord | None]
    units: list[SubUnit] = strawberry.field(description="every sub-unit at every level")
    materials: list[MaterialUse] = strawberry.field(description="every lot installed, at every level")

    @strawberry.field(description="The unit asked about; null when the serial is unknown.")
    def root(self) -> Unit | None:
        return Unit.of(self.root_record) if self.root_record else None

    @strawberry.field(description="The distinct lots in `materials`.")
    async def lots(self, info: Info) -> list[MaterialLot]:
        return await lots_by_code(info, sorted({m.lot_code for m in self.materials}))


@strawberry.type(description="Where a lot went: every unit containing it, the top-level units, "
                             "their containers and shipments (the recall scope).")
class ForwardTrace:
    lot: str
    total_units: int
    unit_ids: strawberry.Private[list[int]]  # every unit reached, ascending
    top_level_ids: strawberry.Private[list[int]]
    page: strawberry.Private[list[int]]  # unit ids of the requested page
    has_next: strawberry.Private[bool]
    after: strawberry.Private[int]
    held: strawberry.Private[list[TraceContainer] | None]  # None until asked for

    @strawberry.field(description="The requested page of units containing the lot, in a stable order.")
    async def units(self, info: Info) -> UnitConnection:
        return await unit_connection(info, self.page, total=self.total_units, has_next=self.has_next,
                                     after=self.after)

    @strawberry.field(description="The lot and every sublot split from it.")
    async def lots(self, info: Info) -> list[MaterialLot]:
        return await lots_by_code(info, await info.context.read(genealogy.lot_family_codes, self.lot))

    @strawberry.field(description="Units containing the lot that are in no other unit (finished goods).")
    async def top_level(self, info: Info) -> list[Unit]:
        return await units_by_id(info, self.top_level_ids)

    async def _containers(self, info: Info) -> list[TraceContainer]:
        if self.held is None:  # read with the walk when the query names them; else now
            self.held = await info.context.read(genealogy.containers_of, self.unit_ids)
        return self.held

    @strawberry.field(description="Boxes, pallets and shipments holding those units, and above.")
    async def containers(self, info: Info) -> list[Container]:
        return [Container.of(c) for c in await self._containers(info)]

    @strawberry.field
    async def shipments(self, info: Info) -> list[Container]:
        return [Container.of(c) for c in await self._containers(info) if c.kind == "shipment"]
