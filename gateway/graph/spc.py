"""Quality over GraphQL: control charts (points, limits, violations, Cpk), alarms, containment.

Reads call quality's own functions (quality/chart_data.py); the writes (acknowledge an alarm,
contain a lot) go through `dispatch` like every other adapter.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway.dispatch import dispatch
from gateway.graph.context import Info
from quality.chart_data import ChartData, alarms, chart_data, charts
from quality.commands import AcknowledgeAlarm, ContainLot
from quality.models import ControlChart, SpcAlarm


@strawberry.type(
    description="A control chart on one parameter at one station, limits frozen from a baseline."
)
class ControlChartInfo:
    code: str
    station: str
    parameter: str
    kind: str = strawberry.field(description="imr or xbar_r")
    subgroup_size: int
    center: float
    ucl: float
    lcl: float
    lsl: float | None
    usl: float | None
    baseline_cpk: float | None

    @classmethod
    def of(cls, c: ControlChart) -> ControlChartInfo:
        return cls(
            code=c.code,
            station=c.station,
            parameter=c.parameter,
            kind=c.kind,
            subgroup_size=c.subgroup_size,
            center=c.center,
            ucl=c.ucl,
            lcl=c.lcl,
            lsl=c.lsl,
            usl=c.usl,
            baseline_cpk=c.cpk,
        )


@strawberry.type(description="One plotted point: an individual value or a subgroup mean.")
class ChartPoint:
    at: datetime
    value: float
    range: float | None
    serials: list[str | None]
    rules: list[str] = strawberry.field(description="rule violations this point completes")


@strawberry.type(description="A run of points breaking one rule.")
class ChartViolation:
    rule: str
    message: str
    first_at: datetime
    last_at: datetime


@strawberry.type(description="A chart's latest points checked against its rules, and the capability.")
class ControlChartData:
    chart: ControlChartInfo
    points: list[ChartPoint]
    violations: list[ChartViolation]
    mean: float | None
    sigma: float | None
    cpk: float | None

    @classmethod
    def of(cls, d: ChartData) -> ControlChartData:
        return cls(
            chart=ControlChartInfo.of(d.chart),
            points=[
                ChartPoint(at=p.at, value=p.value, range=p.range, serials=p.serials, rules=p.rules)
                for p in d.points
            ],
            violations=[
                ChartViolation(
                    rule=v["rule"], message=v["message"], first_at=v["first_at"], last_at=v["last_at"]
                )
                for v in d.violations
            ],
            mean=d.mean,
            sigma=d.sigma,
            cpk=d.cpk,
        )


@strawberry.type(description="A stored SPC alarm: one rule violation, until acknowledged.")
class SpcAlarmInfo:
    id: int
    chart: str
    rule: str
    message: str
    first_at: datetime
    last_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None

    @classmethod
    def of(cls, a: SpcAlarm, chart: str) -> SpcAlarmInfo:
        return cls(
            id=int(a.id or 0),
            chart=chart,
            rule=a.rule,
            message=a.message,
            first_at=a.first_at,
            last_at=a.last_at,
            acknowledged_by=a.acknowledged_by,
            acknowledged_at=a.acknowledged_at,
        )


async def read_charts(info: Info, station: str | None) -> list[ControlChartInfo]:
    return [ControlChartInfo.of(c) for c in await info.context.read(lambda s: charts(s, station=station))]


async def read_chart(info: Info, code: str, limit: int) -> ControlChartData:
    limit = max(1, min(limit, info.context.limits.max_page_size))
    return ControlChartData.of(await info.context.read(lambda s: chart_data(s, code, limit=limit)))


async def read_alarms(info: Info, chart: str | None, unacknowledged: bool, first: int) -> list[SpcAlarmInfo]:
    first = max(1, min(first, info.context.limits.max_page_size))
    found = await info.context.read(
        lambda s: alarms(s, chart=chart, unacknowledged=unacknowledged, limit=first)
    )
    return [SpcAlarmInfo.of(a, code) for a, code in found]


@strawberry.type(description="What acknowledging did.")
class Acknowledged:
    alarm_id: int
    changed: bool = strawberry.field(description="false when it was already acknowledged")


def acknowledge(info: Info, alarm_id: int, by: str) -> Acknowledged:
    store = info.context.request.app.state.store
    answer = dispatch(store, AcknowledgeAlarm(alarm_id=alarm_id, by=by), source="graphql", message_id=None)
    return Acknowledged(alarm_id=answer["alarm_id"], changed=answer["changed"])


@strawberry.type(
    description="A containment case opened on a lot: its units held in the plant, shipped ones listed."
)
class ContainmentStarted:
    case: str
    status: str
    held: int = strawberry.field(description="units put on hold")
    out_of_plant: int = strawberry.field(description="units already shipped")


def contain(info: Info, lot: str, reason: str, by: str) -> ContainmentStarted:
    store = info.context.request.app.state.store
    a = dispatch(store, ContainLot(lot=lot, reason=reason, by=by), source="graphql", message_id=None)
    return ContainmentStarted(
        case=a["case"], status=a["status"], held=a["held"], out_of_plant=a["out_of_plant"]
    )
