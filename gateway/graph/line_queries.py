"""Query fields for live views (the dashboard is their reference client): line activity, yield,
holds, recent work orders, control charts and SPC alarms. `Query` inherits them."""

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

    @strawberry.field(
        name="yieldReport",
        description="First-pass and final yield, grouped by any of "
        "operation, station, work_order, day (quality's yield report).",
    )
    async def yield_report(
        self,
        info: Info,
        group_by: list[str] | None = None,
        work_order: str | None = None,
        since: datetime | None = None,
    ) -> list[line.YieldRow]:
        return await line.read_yield(info, group_by or ["operation"], work_order, since)

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
    async def control_charts(self, info: Info, station: str | None = None) -> list[spc.ControlChartInfo]:
        return await spc.read_charts(info, station)

    @strawberry.field(description="A chart's latest points with its limits, rule violations and Cpk.")
    async def control_chart(
        self, info: Info, code: str, last: Annotated[int, FIRST] = 200
    ) -> spc.ControlChartData:
        return await spc.read_chart(info, code, last)

    @strawberry.field(description="Stored SPC alarms, newest first.")
    async def spc_alarms(
        self,
        info: Info,
        chart: str | None = None,
        unacknowledged: bool = False,
        first: Annotated[int, FIRST] = 100,
    ) -> list[spc.SpcAlarmInfo]:
        return await spc.read_alarms(info, chart, unacknowledged, first)


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
