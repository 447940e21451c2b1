"""Quality writes and chart listing over GraphQL: the charts defined, acknowledging an alarm,
containing a lot. Chart data, yield and alarms are in gateway/graph/quality.py; the writes go
through `dispatch` like every other adapter."""

from __future__ import annotations

import strawberry

from gateway.dispatch import dispatch
from gateway.graph.context import Info
from quality.chart_data import charts
from quality.commands import AcknowledgeAlarm, ContainLot
from quality.models import ControlChart


@strawberry.type(
    description="A control chart defined on one parameter at one station (its data: controlChart)."
)
class ControlChartSummary:
    code: str
    station: str
    parameter: str
    kind: str = strawberry.field(description="imr or xbar_r")

    @classmethod
    def of(cls, c: ControlChart) -> ControlChartSummary:
        return cls(code=c.code, station=c.station, parameter=c.parameter, kind=c.kind)


async def read_charts(info: Info, station: str | None) -> list[ControlChartSummary]:
    return [ControlChartSummary.of(c) for c in await info.context.read(lambda s: charts(s, station=station))]


@strawberry.type(description="What acknowledging did.")
class Acknowledged:
    alarm_id: int
    changed: bool = strawberry.field(description="false when it was already acknowledged")


def acknowledge(info: Info, alarm_id: int, by: str) -> Acknowledged:
    store = info.context.request.app.state.store
    answer = dispatch(store, AcknowledgeAlarm(alarm_id=alarm_id, by=by), source="graphql", message_id=None)
    return Acknowledged(alarm_id=answer["alarm_id"], changed=answer["changed"])


@strawberry.type(description="A containment case opened on a lot: its units held, shipped ones listed.")
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
