"""SPC over REST: define a chart, read its data (points, limits, violations, Cpk), evaluate, alarms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.deps import StoreDep
from gateway.dispatch import dispatch
from gateway.idempotency import IdempotencyKeyDep
from quality.chart_data import alarms, chart_data, charts
from quality.commands import AcknowledgeAlarm, DefineControlChart, EvaluateControlChart
from quality.control_charts import chart_answer
from quality.models import ControlChart, SpcAlarm

router = APIRouter(prefix="/api/v1/spc", tags=["quality"])
SOURCE = "rest:spc"


class EvaluateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=10_000, ge=1, le=100_000)


class ByBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    by: str = Field(min_length=1, max_length=100)


class ChartOut(BaseModel):
    chart: str
    station: str
    parameter: str
    kind: str
    subgroup_size: int
    baseline_start: datetime
    baseline_end: datetime
    baseline_points: int
    center: float
    ucl: float
    lcl: float
    sigma: float
    range_center: float
    range_ucl: float
    range_lcl: float
    lsl: float | None
    usl: float | None
    cpk: float | None
    rules: list[int]
    hold_out_of_spec: bool
    evaluated_until: datetime | None

    @classmethod
    def of(cls, c: ControlChart) -> ChartOut:
        return cls(**{**chart_answer(c), "station": c.station, "parameter": c.parameter,
                      "subgroup_size": c.subgroup_size, "baseline_start": c.baseline_start,
                      "baseline_end": c.baseline_end, "lsl": c.lsl, "usl": c.usl,
                      "rules": [int(r) for r in c.rules.split()], "hold_out_of_spec": c.hold_out_of_spec,
                      "evaluated_until": c.evaluated_until})


class PointOut(BaseModel):
    at: datetime
    value: float
    range: float | None
    sample_ids: list[int]
    serials: list[str | None]
    rules: list[str]


class ChartDataOut(BaseModel):
    chart: ChartOut
    points: list[PointOut]
    violations: list[dict[str, Any]]
    mean: float | None
    sigma: float | None
    cpk: float | None


class AlarmOut(BaseModel):
    id: int
    chart: str
    rule: str
    message: str
    first_at: datetime
    last_at: datetime
    samples: list[dict[str, Any]]
    raised_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None

    @classmethod
    def of(cls, a: SpcAlarm, chart: str) -> AlarmOut:
        return cls(id=a.id, chart=chart, rule=a.rule, message=a.message, first_at=a.first_at,
                   last_at=a.last_at, samples=a.samples, raised_at=a.raised_at,
                   acknowledged_by=a.acknowledged_by, acknowledged_at=a.acknowledged_at)


@router.post("/charts", summary="Define a control chart; limits are computed from the baseline window",
             status_code=201)
def define(body: DefineControlChart, store: StoreDep, idempotency_key: IdempotencyKeyDep = None) -> dict:
    return dispatch(store, body, source=SOURCE, message_id=idempotency_key)


@router.get("/charts", summary="Control charts", response_model=list[ChartOut])
def list_charts(store: StoreDep, station: str | None = None) -> list[ChartOut]:
    with store.read() as session:
        return [ChartOut.of(c) for c in charts(session, station=station)]


@router.get("/charts/{code}", summary="Chart data: points, limits, rule violations, Cpk",
            response_model=ChartDataOut)
def read_chart(code: str, store: StoreDep, start: AwareDatetime | None = None,
               end: AwareDatetime | None = None, limit: int = Query(500, ge=1, le=10_000)) -> ChartDataOut:
    with store.read() as session:
        d = chart_data(session, code, start=start, end=end, limit=limit)
        return ChartDataOut(chart=ChartOut.of(d.chart), mean=d.mean, sigma=d.sigma, cpk=d.cpk,
                            violations=d.violations,
                            points=[PointOut(at=p.at, value=p.value, range=p.range, sample_ids=p.sample_ids,
                                             serials=p.serials, rules=p.rules) for p in d.points])


@router.post("/charts/{code}/evaluate", summary="Check new samples: store alarms, hold out-of-spec units")
def evaluate(code: str, store: StoreDep, body: EvaluateBody | None = None,
             idempotency_key: IdempotencyKeyDep = None) -> dict:
    cmd = EvaluateControlChart(chart=code, limit=(body or EvaluateBody()).limit)
    return dispatch(store, cmd, source=SOURCE, message_id=idempotency_key)


@router.get("/alarms", summary="SPC alarms, newest first", response_model=list[AlarmOut])
def list_alarms(store: StoreDep, chart: str | None = None, since: AwareDatetime | None = None,
                unacknowledged: bool = False, limit: int = Query(200, ge=1, le=5000)) -> list[AlarmOut]:
    with store.read() as session:
        return [AlarmOut.of(a, code) for a, code in alarms(session, chart=chart, since=since,
                                                           unacknowledged=unacknowledged, limit=limit)]


@router.post("/alarms/{alarm_id}/acknowledge", summary="Acknowledge an alarm")
def acknowledge(alarm_id: int, body: ByBody, store: StoreDep,
                idempotency_key: IdempotencyKeyDep = None) -> dict:
    return dispatch(store, AcknowledgeAlarm(alarm_id=alarm_id, by=body.by), source=SOURCE,
                    message_id=idempotency_key)
