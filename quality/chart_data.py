"""Reading a control chart: its points with limits and violations, capability, and stored alarms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean

from sqlalchemy import select
from sqlalchemy.orm import Session

from quality import spc
from quality.control_charts import find_alarms, get_chart, samples
from quality.models import ControlChart, SpcAlarm


@dataclass
class ChartPoint:
    at: datetime  # the last sample of the point
    value: float  # the individual value, or the subgroup mean
    range: float | None  # moving range, or subgroup range
    sample_ids: list[int]
    serials: list[str | None]
    rules: list[str] = field(default_factory=list)  # violations this point completes


@dataclass
class ChartData:
    chart: ControlChart
    points: list[ChartPoint]
    violations: list[dict]  # rule, message, first_at, last_at, sample ids
    mean: float | None
    sigma: float | None  # within-subgroup sigma of these points
    cpk: float | None  # of these points, against the chart's spec


def chart_data(session: Session, code: str, *, start: datetime | None = None, end: datetime | None = None,
               limit: int = 500) -> ChartData:
    """The chart's points in [start, end] (default: the latest `limit` samples), each rule checked."""
    chart = get_chart(session, code)
    rows = samples(session, chart, start=start, end=end, limit=limit * chart.subgroup_size)
    n = chart.subgroup_size
    groups = [rows[i:i + n] for i in range(0, len(rows) - len(rows) % n, n)]
    ranges = spc.ranges([[s.value for s in g] for g in groups])
    points = [ChartPoint(at=g[-1].recorded_at, value=fmean(s.value for s in g), range=r,
                         sample_ids=[s.id for s in g], serials=[s.serial for s in g])
              for g, r in zip(groups, ranges, strict=True)]
    last_of = {g[-1].id: i for i, g in enumerate(groups)}
    found = find_alarms(chart, groups)
    for a in found:
        i = last_of.get(a["last_sample_id"])
        if i is None:  # an out-of-spec sample inside a subgroup: flag its point
            i = next(k for k, g in enumerate(groups) if any(s.id == a["last_sample_id"] for s in g))
        points[i].rules.append(a["rule"])
    violations = [{"rule": a["rule"], "message": a["message"], "first_at": a["first_at"],
                   "last_at": a["last_at"], "sample_ids": [s["id"] for s in a["samples"]]} for a in found]
    mean, sigma = _spread(chart, points)
    return ChartData(chart=chart, points=points, violations=violations, mean=mean, sigma=sigma,
                     cpk=spc.cpk(mean, sigma, chart.lsl, chart.usl) if mean is not None and sigma else None)


def _spread(chart: ControlChart, points: list[ChartPoint]) -> tuple[float | None, float | None]:
    known = [p.range for p in points if p.range is not None]
    if not points or not known:
        return None, None
    d2 = spc.D2_IMR if chart.kind == "imr" else spc.CONSTANTS[chart.subgroup_size][3]
    return fmean(p.value for p in points), fmean(known) / d2


def alarms(session: Session, *, chart: str | None = None, since: datetime | None = None,
           unacknowledged: bool = False, limit: int = 200) -> list[tuple[SpcAlarm, str]]:
    """Stored alarms, newest first, with their chart's code."""
    query = select(SpcAlarm, ControlChart.code).join(ControlChart, ControlChart.id == SpcAlarm.chart_id)
    if chart:
        query = query.where(ControlChart.code == chart)
    if since:
        query = query.where(SpcAlarm.last_at >= since)
    if unacknowledged:
        query = query.where(SpcAlarm.acknowledged_at.is_(None))
    return [(a, code) for a, code in session.execute(
        query.order_by(SpcAlarm.last_at.desc(), SpcAlarm.id.desc()).limit(limit)).all()]


def charts(session: Session, *, station: str | None = None) -> list[ControlChart]:
    query = select(ControlChart)
    if station:
        query = query.where(ControlChart.station == station)
    return list(session.scalars(query.order_by(ControlChart.code)))
