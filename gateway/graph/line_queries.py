"""Query fields for live views (the dashboard is their reference client): line activity, holds,
recent work orders, the control charts defined; and the dashboard's two writes. `Query` inherits them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from gateway.graph import line, spc
from gateway.graph.context import Info
from gateway.graph.holds import Hold
from gateway.graph.work_orders import WorkOrder

FIRST = strawberry.argument(description="at most this many (capped by the page-size limit)")


@strawberry.type
class LineQuery:
    @strawberry.field(
        description="Per station and operation: operations completed since `since`, their "
        "results, and those running now (WIP)."
    )
    async def line_activity(self, info: Info, since: datetime) -> list[line.StationActivity]:
        return await line.read_activity(info, since)

    @strawberry.field(description="Holds as placed, newest first (open ones unless includeReleased).")
    async def holds(
        self,
        info: Info,
        target_kind: str | None = None,
        include_released: bool = False,
        first: Annotated[int, FIRST] = 100,
    ) -> list[Hold]:
        return await line.read_holds(info, target_kind, include_released, first)

    @strawberry.field(description="Work orders, newest first.")
    async def work_orders(
        self, info: Info, status: str | None = None, first: Annotated[int, FIRST] = 50
    ) -> list[WorkOrder]:
        return await line.read_work_orders(info, status, first)

    @strawberry.field(description="Control charts defined, optionally at one station.")
    async def control_charts(self, info: Info, station: str | None = None) -> list[spc.ControlChartSummary]:
        return await spc.read_charts(info, station)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Acknowledge an SPC alarm (scope quality:write).")
    def acknowledge_alarm(self, info: Info, alarm_id: int, by: str) -> spc.Acknowledged:
        return spc.acknowledge(info, alarm_id, by)

    @strawberry.mutation(
        description="Contain a suspect lot: hold its units in the plant, list shipped "
        "ones (scope quality:write)."
    )
    def contain_lot(self, info: Info, lot: str, reason: str, by: str) -> spc.ContainmentStarted:
        return spc.contain(info, lot, reason, by)


__all__ = ["LineQuery", "Mutation", "WorkOrder"]
