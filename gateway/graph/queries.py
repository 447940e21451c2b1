"""The Query root: the entry points integrators depend on (see graphql/schema.graphql)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types.nodes import SelectedField

from gateway.graph.containers import Container
from gateway.graph.context import Info
from gateway.graph.line_queries import LineQuery
from gateway.graph.materials import MaterialLot
from gateway.graph.pagination import DEFAULT_PAGE, after_id, page_size
from gateway.graph.quality import QualityQueries
from gateway.graph.trace_reads import as_built, recall_scope
from gateway.graph.traces import BackwardTrace, ForwardTrace, MaterialUse, SubUnit
from gateway.graph.units import Unit
from gateway.graph.work_orders import WorkOrder
from traceability.errors import Invalid

INCLUDE_REMOVED = strawberry.argument(description="also follow installations rework removed")


def _key(name: str, value: str) -> str:
    if not value.strip():
        raise Invalid(name, "must not be empty")
    return value


def selected_below(info: Info) -> set[str]:
    """The names of the fields asked for on this field's result (through fragments)."""
    names: set[str] = set()
    pending = [s for f in info.selected_fields for s in f.selections]
    while pending:
        s = pending.pop()
        if isinstance(s, SelectedField):
            names.add(s.name)
        else:  # a fragment: its selections are this object's fields
            pending.extend(s.selections)
    return names


def _aware(name: str, value: datetime | None) -> datetime | None:
    if value is not None and value.utcoffset() is None:
        raise Invalid(name, "needs a UTC offset, e.g. 2026-11-02T06:00:00Z")
    return value


@strawberry.type
class Query(QualityQueries, LineQuery):  # yield, controlChart, alarms: gateway/graph/quality.py
    @strawberry.field(description="A unit by serial; null when unknown.")
    async def unit(self, info: Info, serial: str) -> Unit | None:
        found = await info.context.loaders.unit_by_serial.load(_key("serial", serial))
        return Unit.of(found) if found else None

    @strawberry.field(description="A material lot (or reel) by lot code; null when unknown.")
    async def material_lot(self, info: Info, id: str) -> MaterialLot | None:
        found = await info.context.loaders.lot.load(_key("id", id))
        return MaterialLot.of(found) if found else None

    @strawberry.field(description="A work order by number; null when unknown.")
    async def work_order(self, info: Info, number: str) -> WorkOrder | None:
        found = await info.context.loaders.work_order_by_number.load(_key("number", number))
        return WorkOrder.of(found) if found else None

    @strawberry.field(description="A box, pallet or shipment by code; null when unknown.")
    async def container(self, info: Info, code: str) -> Container | None:
        found = await info.context.loaders.container.load(_key("code", code))
        return Container.of(found) if found else None

    @strawberry.field(description="What went into a serial, through every sub-assembly, as of `at` "
                                  "(default: now). An unknown serial answers an empty trace.")
    async def trace_backward(
        self, info: Info, serial: str,
        at: Annotated[datetime | None, strawberry.argument(
            description="the as-built at this instant (with a UTC offset)")] = None,
        include_removed: Annotated[bool, INCLUDE_REMOVED] = False,
    ) -> BackwardTrace:
        found = await info.context.read(as_built, _key("serial", serial), at=_aware("at", at),
                                        include_removed=include_removed)
        units = found.records
        info.context.loaders.remember_units({u.id: u for u in units.values()})
        return BackwardTrace(serial=serial, at=at, root_record=units.get(serial),
                             units=[SubUnit.of(u, units) for u in found.units],
                             materials=[MaterialUse.of(m, units) for m in found.materials])

    @strawberry.field(description="Where a lot (and its sublots) went: units a page at a time, the "
                                  "finished units, containers and shipments. An unknown lot answers "
                                  "an empty trace.")
    async def trace_forward(
        self, info: Info, lot: str,
        first: Annotated[int | None, strawberry.argument(
            description="units per page (at most the limit)")] = DEFAULT_PAGE,
        after: Annotated[str | None, strawberry.argument(description="pageInfo.endCursor of the "
                                                                     "previous page")] = None,
        include_removed: Annotated[bool, INCLUDE_REMOVED] = False,
    ) -> ForwardTrace:
        size, start = page_size(info, first), after_id(after)
        asked = selected_below(info)
        scope = await info.context.read(
            recall_scope, _key("lot", lot), first=size, after_id=start, include_removed=include_removed,
            with_page="units" in asked, with_top_level="topLevel" in asked,
            with_containers=not asked.isdisjoint({"containers", "shipments"}))
        info.context.loaders.remember_units(scope.units)
        return ForwardTrace(lot=lot, total_units=scope.reach.total, unit_ids=scope.reach.unit_ids,
                            top_level_ids=scope.reach.top_level_ids, page=scope.page,
                            has_next=scope.has_next, after=start, held=scope.containers)
