"""Quality on GraphQL: yield, control chart data (limits, points, violations, Cpk), SPC alarms.

The same reads the REST routes use (`quality.yield_report`, `quality.chart_data`), run through the
request's read session; `Query` inherits these fields from `QualityQueries`.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from gateway.graph.context import Info
from quality.chart_data import ChartData, alarms, chart_data
from quality.models import SpcAlarm as AlarmRow
from quality.yield_report import YieldRow, yield_report
from traceability.errors import Invalid, NotFound


@strawberry.enum(description="What yield rows are grouped by.")
class YieldDimension(Enum):
    OPERATION = "operation"
    STATION = "station"
    WORK_ORDER = "work_order"
    DAY = "day"


@strawberry.type(description="First-pass and final yield of one group: a unit counts once per "
                             "operation, at the station, order and day of its first attempt.")
class YieldGroup:
    operation: str | None
    station: str | None
    work_order: str | None
    day: str | None = strawberry.field(description="UTC calendar day, YYYY-MM-DD")
    units: int
    first_pass: int = strawberry.field(description="units whose first attempt passed")
    final_pass: int = strawberry.field(description="units whose latest attempt passed")
    attempts: int
    fpy: float = strawberry.field(description="firstPass / units (a unit passed after rework counts against)")
    final_yield: float = strawberry.field(description="finalPass / units")

    @classmethod
    def of(cls, r: YieldRow) -> YieldGroup:
        g = r.group
        return cls(operation=g.get("operation"), station=g.get("station"), work_order=g.get("work_order"),
                   day=g.get("day"), units=r.units, first_pass=r.first_pass, final_pass=r.final_pass,
                   attempts=r.attempts, fpy=r.fpy, final_yield=r.final_yield)


@strawberry.type(description="One plotted point: an individual value or a subgroup mean.")
class ChartPoint:
    at: datetime = strawberry.field(description="time of the point's last sample")
    value: float
    range: float | None = strawberry.field(description="moving range (I-MR) or subgroup range (X-bar-R)")
    sample_ids: list[int]
    serials: list[str | None]
    rules: list[str] = strawberry.field(description="violations this point completes (nelson-1 ... "
                                                    "nelson-8, range-1, out-of-spec)")


@strawberry.type(description="A rule violation among the points shown.")
class ChartViolation:
    rule: str
    message: str
    first_at: datetime
    last_at: datetime
    sample_ids: list[int]


@strawberry.type(description="A control chart on one parameter at one station: limits frozen from its "
                             "baseline, the points of a time range and what they violate.")
class ControlChart:
    code: str
    station: str
    parameter: str
    kind: str = strawberry.field(description="imr | xbar_r")
    subgroup_size: int
    baseline_start: datetime
    baseline_end: datetime
    baseline_points: int
    center: float
    ucl: float
    lcl: float
    sigma: float = strawberry.field(description="process sigma of the baseline (MR-bar/d2 or R-bar/d2)")
    range_center: float
    range_ucl: float
    range_lcl: float
    lsl: float | None
    usl: float | None
    baseline_cpk: float | None
    rules: list[int]
    hold_out_of_spec: bool
    points: list[ChartPoint]
    violations: list[ChartViolation]
    mean: float | None = strawberry.field(description="mean of the points shown")
    cpk: float | None = strawberry.field(description="Cpk of the points shown, against the spec")

    @classmethod
    def of(cls, d: ChartData) -> ControlChart:
        c = d.chart
        return cls(
            code=c.code, station=c.station, parameter=c.parameter, kind=c.kind,
            subgroup_size=c.subgroup_size, baseline_start=c.baseline_start, baseline_end=c.baseline_end,
            baseline_points=c.baseline_points, center=c.center, ucl=c.ucl, lcl=c.lcl, sigma=c.sigma,
            range_center=c.range_center, range_ucl=c.range_ucl, range_lcl=c.range_lcl, lsl=c.lsl,
            usl=c.usl, baseline_cpk=c.cpk, rules=[int(r) for r in c.rules.split()],
            hold_out_of_spec=c.hold_out_of_spec, mean=d.mean, cpk=d.cpk,
            points=[ChartPoint(at=p.at, value=p.value, range=p.range, sample_ids=p.sample_ids,
                               serials=p.serials, rules=p.rules) for p in d.points],
            violations=[ChartViolation(rule=v["rule"], message=v["message"], first_at=v["first_at"],
                                       last_at=v["last_at"], sample_ids=v["sample_ids"])
                        for v in d.violations])


@strawberry.type(description="A sample that triggered an alarm.")
class AlarmSample:
    id: int
    value: float
    recorded_at: datetime
    serial: str | None


@strawberry.type(description="A stored SPC alarm: a rule violation with the samples that triggered it.")
class SpcAlarm:
    id: int
    chart: str
    rule: str
    message: str
    first_at: datetime
    last_at: datetime
    samples: list[AlarmSample]
    raised_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None

    @classmethod
    def of(cls, a: AlarmRow, chart: str) -> SpcAlarm:
        return cls(id=a.id, chart=chart, rule=a.rule, message=a.message, first_at=a.first_at,
                   last_at=a.last_at, raised_at=a.raised_at, acknowledged_by=a.acknowledged_by,
                   acknowledged_at=a.acknowledged_at,
                   samples=[AlarmSample(id=s["id"], value=s["value"],
                                        recorded_at=datetime.fromisoformat(s["recorded_at"]),
                                        serial=s.get("serial")) for s in a.samples])


MAX_POINTS = 2000


def _aware(name: str, value: datetime | None) -> datetime | None:
    if value is not None and value.utcoffset() is None:
        raise Invalid(name, "needs a UTC offset, e.g. 2026-11-02T06:00:00Z")
    return value


@strawberry.type
class QualityQueries:
    @strawberry.field(name="yield", description="First-pass and final yield, grouped (default: per "
                                                "operation), of the units first tried in [start, end).")
    async def yield_(
        self, info: Info, group_by: list[YieldDimension] | None = None, work_order: str | None = None,
        operation: str | None = None, station: str | None = None, start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[YieldGroup]:
        dims = [d.value for d in group_by] if group_by else ["operation"]
        rows = await info.context.read(yield_report, group_by=dims, work_order=work_order,
                                       operation=operation, station=station, start=_aware("start", start),
                                       end=_aware("end", end))
        return [YieldGroup.of(r) for r in rows]

    @strawberry.field(description="A control chart's limits and its points in [start, end] (default: "
                                  "the latest `last` points), each rule checked; null when unknown.")
    async def control_chart(
        self, info: Info, code: str, start: datetime | None = None, end: datetime | None = None,
        last: Annotated[int, strawberry.argument(description=f"points, at most {MAX_POINTS}")] = 200,
    ) -> ControlChart | None:
        if not 1 <= last <= MAX_POINTS:
            raise Invalid("last", f"must be between 1 and {MAX_POINTS}")
        try:
            found = await info.context.read(chart_data, code, start=_aware("start", start),
                                            end=_aware("end", end), limit=last)
        except NotFound:
            return None
        return ControlChart.of(found)

    @strawberry.field(description="Stored SPC alarms, newest first.")
    async def alarms(
        self, info: Info, chart: str | None = None, since: datetime | None = None,
        unacknowledged: bool = False, first: int = 100,
    ) -> list[SpcAlarm]:
        if not 1 <= first <= 1000:
            raise Invalid("first", "must be between 1 and 1000")
        rows = await info.context.read(alarms, chart=chart, since=_aware("since", since),
                                       unacknowledged=unacknowledged, limit=first)
        return [SpcAlarm.of(a, code) for a, code in rows]
