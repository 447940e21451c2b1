"""Control charts on process parameters: define one (limits frozen from a baseline), evaluate it.

A chart watches one parameter at one station: the process values recorded there, by CFX
operations or Modbus samples (`ProcessParameter`), in time order. `DefineControlChart` computes
its limits from the samples of a baseline window and stores them; they do not move afterwards
(define a new chart for new limits). `EvaluateControlChart` takes the samples recorded since the
last evaluation (with the points before them as context for the run rules), stores one alarm per
rule violation with the samples that triggered it, raises an event for each, and, when the chart
says so, puts the unit of an out-of-spec sample on hold through `PlaceHold`. Evaluation is
incremental and bounded per call (`limit` samples); a subgroup is evaluated once it is complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from statistics import fmean
from typing import Any, Literal

from pydantic import AwareDatetime, Field, model_validator
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from quality import spc
from quality.models import ControlChart, SpcAlarm
from traceability import outbox
from traceability.commands.base import Command
from traceability.commands.holds import PlaceHold, place_hold
from traceability.errors import Conflict, Invalid, NotFound
from traceability.models import ProcessParameter, Unit
from traceability.types import utcnow

BASELINE_CAP = 100_000  # samples read to compute a baseline


class DefineControlChart(Command):
    code: str = Field(min_length=1, max_length=64)
    station: str = Field(min_length=1, max_length=64)
    parameter: str = Field(min_length=1, max_length=64)
    kind: Literal["imr", "xbar_r"] = "imr"
    subgroup_size: int = Field(default=1, ge=1, le=10)
    baseline_start: AwareDatetime
    baseline_end: AwareDatetime
    lsl: float | None = None
    usl: float | None = None
    rules: list[int] = Field(default_factory=lambda: [1, 2, 3, 4], min_length=1)
    hold_out_of_spec: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> DefineControlChart:
        if self.baseline_end <= self.baseline_start:
            raise ValueError("baseline_end: not after baseline_start")
        if self.kind == "imr" and self.subgroup_size != 1:
            raise ValueError("subgroup_size: an I-MR chart plots individuals (1)")
        if self.kind == "xbar_r" and self.subgroup_size < 2:
            raise ValueError("subgroup_size: an X-bar-R chart needs subgroups of 2 to 10")
        if self.lsl is not None and self.usl is not None and self.lsl >= self.usl:
            raise ValueError(f"lsl: {self.lsl} is not below usl {self.usl}")
        if bad := [r for r in self.rules if r not in spc.RULES]:
            raise ValueError(f"rules: {bad} are not Nelson rules 1-8")
        return self


def define_control_chart(session: Session, cmd: DefineControlChart) -> dict:
    existing = session.scalars(select(ControlChart).where(ControlChart.code == cmd.code)).first()
    if existing is not None:
        if _definition(existing) != _definition(cmd):
            raise Conflict(f"chart {cmd.code!r} exists with another definition; its limits are frozen, "
                           "define a new chart", field="code")
        return chart_answer(existing, created=False)
    rows = _samples(session, cmd.station, cmd.parameter, after=None, start=cmd.baseline_start,
                    end=cmd.baseline_end, limit=BASELINE_CAP)
    groups = _groups([r.value for r in rows], cmd.subgroup_size)
    if len(groups) < spc.MIN_BASELINE:
        raise Invalid("baseline_start", f"the baseline holds {len(rows)} samples of {cmd.parameter} at "
                      f"{cmd.station}; {spc.MIN_BASELINE} points (subgroups) are needed")
    limits = (spc.imr_limits([g[0] for g in groups]) if cmd.kind == "imr" else spc.xbar_r_limits(groups))
    chart = ControlChart(
        code=cmd.code, station=cmd.station, parameter=cmd.parameter, kind=cmd.kind,
        subgroup_size=cmd.subgroup_size, baseline_start=cmd.baseline_start, baseline_end=cmd.baseline_end,
        baseline_points=len(groups), center=limits.center, ucl=limits.ucl, lcl=limits.lcl,
        sigma=limits.sigma, range_center=limits.range_center, range_ucl=limits.range_ucl,
        range_lcl=limits.range_lcl, lsl=cmd.lsl, usl=cmd.usl,
        cpk=spc.cpk(limits.center, limits.sigma, cmd.lsl, cmd.usl),
        rules=" ".join(str(r) for r in sorted(set(cmd.rules))), hold_out_of_spec=cmd.hold_out_of_spec)
    session.add(chart)
    session.flush()
    outbox.emit(session, "spc.chart_defined", aggregate_type="control_chart", aggregate_id=cmd.code,
                data={**cmd.model_dump(mode="json"), **chart_answer(chart)})
    return chart_answer(chart, created=True)


class EvaluateControlChart(Command):
    chart: str = Field(min_length=1, max_length=64)
    limit: int = Field(default=10_000, ge=1, le=100_000)


def evaluate_control_chart(session: Session, cmd: EvaluateControlChart) -> dict:
    chart = get_chart(session, cmd.chart, field="chart")
    n = chart.subgroup_size
    new = _samples(session, chart.station, chart.parameter, after=chart.evaluated_until,
                   start=chart.baseline_start, end=None, limit=cmd.limit + 1)
    more = len(new) > cmd.limit
    if more:  # never cut between samples of one instant: the watermark is a timestamp
        cut = new[cmd.limit].recorded_at
        new = new[:cmd.limit]
        if new[-1].recorded_at == cut:
            new = [r for r in new if r.recorded_at != cut] or new
    new = new[:len(new) - len(new) % n]
    if not new:
        return {"chart": chart.code, "points": 0, "alarms": 0, "held": [], "more": False,
                "evaluated_until": _iso(chart.evaluated_until)}
    context = []
    if chart.evaluated_until is not None:
        context = _samples(session, chart.station, chart.parameter, after=None, start=chart.baseline_start,
                           end=chart.evaluated_until, limit=spc.CONTEXT * n, newest=True)
        context = context[len(context) % n:]
    rows = context + new
    groups = [rows[i:i + n] for i in range(0, len(rows), n)]
    first_new = len(context) // n
    found = find_alarms(chart, groups, start=first_new)
    inserted = _store_alarms(session, chart, found)
    held = _hold_out_of_spec(session, chart, new) if chart.hold_out_of_spec else []
    chart.evaluated_until = new[-1].recorded_at
    session.flush()
    return {"chart": chart.code, "points": len(groups) - first_new, "alarms": inserted, "held": held,
            "more": more, "evaluated_until": _iso(chart.evaluated_until)}


def find_alarms(chart: ControlChart, groups: Sequence[Sequence[Any]], *, start: int = 0) -> list[dict]:
    """Alarm rows for the points `start`.. of `groups` (lists of sample rows, one list per point)."""
    limits = spc.Limits(center=chart.center, ucl=chart.ucl, lcl=chart.lcl, sigma=chart.sigma,
                        range_center=chart.range_center, range_ucl=chart.range_ucl,
                        range_lcl=chart.range_lcl)
    values = [fmean(s.value for s in g) for g in groups]
    alarms = []
    for v in spc.violations(values, limits, [int(r) for r in chart.rules.split()], start=start):
        alarms.append(_alarm(chart, f"nelson-{v.rule}", v.message, [s for g in groups[v.first:v.last + 1]
                                                                     for s in g]))
    rng = spc.ranges([[s.value for s in g] for g in groups])
    for i in range(start, len(groups)):
        r = rng[i]
        if r is not None and (r > chart.range_ucl or (chart.range_lcl > 0 and r < chart.range_lcl)):
            samples = [*groups[i - 1], *groups[i]] if chart.kind == "imr" else list(groups[i])
            alarms.append(_alarm(chart, "range-1", f"range {r:.4g} beyond its limits "
                                 f"[{chart.range_lcl:.4g}, {chart.range_ucl:.4g}]", samples))
    for g in groups[start:]:
        for s in g:
            if _out_of_spec(chart, s.value):
                alarms.append(_alarm(chart, "out-of-spec", f"{chart.parameter} = {s.value:.6g} outside "
                                     f"spec [{chart.lsl}, {chart.usl}]", [s]))
    return alarms


def _alarm(chart: ControlChart, rule: str, message: str, samples: Sequence[Any]) -> dict:
    return {"chart_id": chart.id, "rule": rule, "message": message[:300],
            "first_at": samples[0].recorded_at, "last_at": samples[-1].recorded_at,
            "last_sample_id": samples[-1].id,
            "samples": [{"id": s.id, "value": s.value, "recorded_at": s.recorded_at.isoformat(),
                         "serial": s.serial} for s in samples]}


def _out_of_spec(chart: ControlChart, value: float) -> bool:
    return (chart.lsl is not None and value < chart.lsl) or (chart.usl is not None and value > chart.usl)


def _store_alarms(session: Session, chart: ControlChart, alarms: list[dict]) -> int:
    """Insert the alarms not stored yet (a re-evaluation never duplicates one); an event for each,
    in one batch."""
    if not alarms:
        return 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(SpcAlarm).on_conflict_do_nothing().returning(
        SpcAlarm.__table__.c.id, SpcAlarm.__table__.c.rule, SpcAlarm.__table__.c.last_sample_id)
    stored = {(r.rule, r.last_sample_id): r.id for r in session.execute(stmt, alarms).all()}
    outbox.emit_many(session, [
        outbox.Event("spc.alarm", "control_chart", chart.code, {
            "alarm_id": stored[(a["rule"], a["last_sample_id"])], "chart": chart.code,
            "station": chart.station, "parameter": chart.parameter, "rule": a["rule"],
            "message": a["message"], "samples": a["samples"]})
        for a in alarms if (a["rule"], a["last_sample_id"]) in stored])
    return len(stored)


def _hold_out_of_spec(session: Session, chart: ControlChart, rows: Sequence[Any]) -> list[str]:
    serials = sorted({r.serial for r in rows if r.serial and _out_of_spec(chart, r.value)})
    for serial in serials:  # out-of-spec units are few: the one hold command, per unit
        place_hold(session, PlaceHold(target_kind="unit", target=serial, by="spc",
                                      reason=f"SPC {chart.code}: {chart.parameter} out of spec"))
    return serials


class AcknowledgeAlarm(Command):
    alarm_id: int = Field(gt=0)
    by: str = Field(min_length=1, max_length=100)
    at: AwareDatetime | None = None


def acknowledge_alarm(session: Session, cmd: AcknowledgeAlarm) -> dict:
    alarm = session.get(SpcAlarm, cmd.alarm_id)
    if alarm is None:
        raise Invalid("alarm_id", f"unknown alarm {cmd.alarm_id}")
    if alarm.acknowledged_at is not None:
        return {"alarm_id": alarm.id, "changed": False}
    alarm.acknowledged_by, alarm.acknowledged_at = cmd.by, cmd.at or utcnow()
    session.flush()
    outbox.emit(session, "spc.alarm_acknowledged", aggregate_type="spc_alarm", aggregate_id=str(alarm.id),
                data={"alarm_id": alarm.id, "by": cmd.by})
    return {"alarm_id": alarm.id, "changed": True}


def get_chart(session: Session, code: str, *, field: str = "code") -> ControlChart:
    chart = session.scalars(select(ControlChart).where(ControlChart.code == code)).first()
    if chart is None:
        raise NotFound(f"no control chart {code!r}", field=field)
    return chart


def chart_answer(chart: ControlChart, **extra: Any) -> dict:
    return {"chart": chart.code, "kind": chart.kind, "center": chart.center, "ucl": chart.ucl,
            "lcl": chart.lcl, "sigma": chart.sigma, "range_center": chart.range_center,
            "range_ucl": chart.range_ucl, "range_lcl": chart.range_lcl, "cpk": chart.cpk,
            "baseline_points": chart.baseline_points, **extra}


def _definition(c: ControlChart | DefineControlChart) -> tuple:
    rules = c.rules if isinstance(c, ControlChart) else " ".join(str(r) for r in sorted(set(c.rules)))
    return (c.station, c.parameter, c.kind, c.subgroup_size, c.baseline_start, c.baseline_end, c.lsl,
            c.usl, rules, c.hold_out_of_spec)


def _groups(values: list[float], n: int) -> list[list[float]]:
    return [values[i:i + n] for i in range(0, len(values) - len(values) % n, n)]


@cache
def _samples_statement(after: bool, end: bool, newest: bool):  # type: ignore[no-untyped-def]
    pp, u = ProcessParameter.__table__, Unit.__table__
    query = (select(pp.c.id, pp.c.value, pp.c.recorded_at, u.c.serial)
             .select_from(pp.outerjoin(u, u.c.id == pp.c.unit_id))
             .where(pp.c.station == bindparam("station"), pp.c.name == bindparam("name"),
                    pp.c.recorded_at >= bindparam("start")))
    if after:
        query = query.where(pp.c.recorded_at > bindparam("after"))
    if end:
        query = query.where(pp.c.recorded_at <= bindparam("end"))
    order = (pp.c.recorded_at.desc(), pp.c.id.desc()) if newest else (pp.c.recorded_at, pp.c.id)
    return query.order_by(*order).limit(bindparam("limit"))


def _samples(session: Session, station: str, name: str, *, after: datetime | None, start: datetime,
             end: datetime | None, limit: int, newest: bool = False) -> list[Any]:
    """Samples in time order; `newest`: the last `limit` of them (still returned oldest first)."""
    params = {"station": station, "name": name, "start": start, "limit": limit,
              **({"after": after} if after is not None else {}), **({"end": end} if end is not None else {})}
    rows = session.execute(_samples_statement(after is not None, end is not None, newest), params).all()
    return rows[::-1] if newest else list(rows)


def samples(session: Session, chart: ControlChart, *, start: datetime | None, end: datetime | None,
            limit: int) -> list[Any]:
    """The chart's samples in [start, end]; without `start`, the latest `limit` of them."""
    return _samples(session, chart.station, chart.parameter, after=None, start=start or chart.baseline_start,
                    end=end, limit=limit, newest=start is None)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def chart_codes(session: Session) -> list[str]:
    return list(session.scalars(select(ControlChart.code).order_by(ControlChart.code)))
