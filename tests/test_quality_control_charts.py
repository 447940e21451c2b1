"""Control charts in the store: limits from a baseline, alarms with their samples, out-of-spec holds."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from quality import spc
from quality.chart_data import alarms, chart_data
from quality.commands import AcknowledgeAlarm, DefineControlChart, EvaluateControlChart
from quality.interlock import check_unit
from tests import quality_plant
from tests.quality_plant import t
from tests.test_quality_spc import IN_CONTROL
from traceability import commands as c
from traceability.errors import Conflict, Invalid
from traceability.models import OutboxEvent

BASELINE = [245 + x for x in IN_CONTROL[:20]]


def _run(store, cmd, message_id=None):
    with store.write() as session:
        return c.execute(session, cmd, source="test", message_id=message_id)


def _samples(store, station, values, first_minute):
    for k, v in enumerate(values):
        _run(store, c.RecordSamples(station=station, recorded_at=t(first_minute + k),
                                    samples=[c.Sample(name="peak_temp", value=v, unit="C")]))


@pytest.fixture
def oven(store, uid):
    station = f"{uid}-OVEN"
    _samples(store, station, BASELINE, 0)
    return station


def _define(store, uid, station, **kw):
    return _run(store, DefineControlChart(**{
        "code": f"{uid}-PEAK", "station": station, "parameter": "peak_temp", "baseline_start": t(0),
        "baseline_end": t(19), "lsl": 235, "usl": 255, **kw}))


def test_limits_are_computed_from_the_baseline_and_frozen(store, uid, oven):
    _samples(store, oven, [300, 300], 30)  # after the baseline window: not in the limits
    answer = _define(store, uid, oven)
    expected = spc.imr_limits(BASELINE)
    assert answer["created"] is True and answer["baseline_points"] == 20
    assert answer["center"] == pytest.approx(expected.center) and answer["ucl"] == pytest.approx(expected.ucl)
    assert answer["lcl"] == pytest.approx(expected.lcl)
    assert answer["range_ucl"] == pytest.approx(3.267 * expected.range_center)
    assert answer["cpk"] == pytest.approx(spc.cpk(expected.center, expected.sigma, 235, 255))
    assert _define(store, uid, oven)["created"] is False
    with pytest.raises(Conflict):
        _define(store, uid, oven, usl=260)
    with pytest.raises(Invalid) as err:
        _define(store, f"{uid}-X", oven, baseline_start=t(15))
    assert err.value.field == "baseline_start" and "5 samples" in err.value.message


def test_violations_become_alarms_and_out_of_spec_holds_the_unit(store, uid):
    plant = quality_plant.build(store, uid)
    oven = plant.n("REFLOW-1")
    _samples(store, oven, BASELINE, 0)
    _define(store, uid, oven, hold_out_of_spec=True)
    for i, code in enumerate(["PASTE", "SMT"]):
        plant.op(store, "U1", code, 40 + i)
    _run(store, c.RecordOperation(serial=plant.n("U1"), operation="REFLOW", station=oven, started_at=t(50),
                                  completed_at=t(51), result="pass",
                                  parameters=[c.ParameterValue(name="peak_temp", value=262, unit="C")]))
    first = _run(store, EvaluateControlChart(chart=f"{uid}-PEAK"))
    assert first["points"] == 21 and first["alarms"] == 3 and first["held"] == [plant.n("U1")]
    assert _run(store, EvaluateControlChart(chart=f"{uid}-PEAK"))["alarms"] == 0
    with store.read() as session:
        stored = alarms(session, chart=f"{uid}-PEAK")
        events = session.scalars(select(OutboxEvent.type).where(
            OutboxEvent.aggregate_id == f"{uid}-PEAK").order_by(OutboxEvent.id)).all()
        check = check_unit(session, plant.n("U1"), station=oven, operation="AOI")
    assert sorted(a.rule for a, _ in stored) == ["nelson-1", "out-of-spec", "range-1"]
    for a, _ in stored:
        assert a.samples[-1]["value"] == 262 and a.samples[-1]["serial"] == plant.n("U1")
    assert events == ["spc.chart_defined", "spc.alarm", "spc.alarm", "spc.alarm"]
    assert [r.code for r in check.reasons] == ["on_hold"] and "out of spec" in check.reasons[0].message
    alarm_id = stored[0][0].id
    assert _run(store, AcknowledgeAlarm(alarm_id=alarm_id, by="pe-1"))["changed"] is True
    with store.read() as session:
        assert len(alarms(session, chart=f"{uid}-PEAK", unacknowledged=True)) == 2


def test_a_run_across_two_evaluations_is_one_alarm(store, uid, oven):
    _define(store, uid, oven, rules=[2])
    chart = f"{uid}-PEAK"
    assert _run(store, EvaluateControlChart(chart=chart))["alarms"] == 0
    _samples(store, oven, [246, 245.5, 246.2, 245.8, 246.1], 30)
    assert _run(store, EvaluateControlChart(chart=chart))["alarms"] == 0
    _samples(store, oven, [245.6, 246.4, 245.9, 246.0, 246.3, 245.7], 35)
    assert _run(store, EvaluateControlChart(chart=chart))["alarms"] == 1
    with store.read() as session:
        [(alarm, _)] = alarms(session, chart=chart)
    assert alarm.rule == "nelson-2" and len(alarm.samples) == 9
    assert alarm.first_at == t(30) and alarm.last_at == t(38)


def test_evaluation_is_bounded_per_call(store, uid, oven):
    _define(store, uid, oven)
    chart = f"{uid}-PEAK"
    first = _run(store, EvaluateControlChart(chart=chart, limit=8))
    assert first["points"] == 8 and first["more"] is True
    rest = _run(store, EvaluateControlChart(chart=chart, limit=100))
    assert rest["points"] == 12 and rest["more"] is False


def test_xbar_r_chart_on_subgroups(store, uid):
    station = f"{uid}-PRINTER"
    values = [100 + x for x in IN_CONTROL]  # 40 samples: 10 subgroups of 4
    _samples(store, station, values, 0)
    answer = _define(store, uid, station, kind="xbar_r", subgroup_size=4, baseline_end=t(39), lsl=None,
                     usl=None)
    groups = [values[i:i + 4] for i in range(0, 40, 4)]
    assert answer["ucl"] == pytest.approx(spc.xbar_r_limits(groups).ucl)
    _samples(store, station, [104, 105, 104.5, 105.5, 100, 101], 60)  # a shifted subgroup, then half of one
    out = _run(store, EvaluateControlChart(chart=f"{uid}-PEAK"))
    assert out["points"] == 11 and out["alarms"] == 1  # the incomplete subgroup waits
    with store.read() as session:
        data = chart_data(session, f"{uid}-PEAK", limit=100)
    assert len(data.points) == 11 and data.points[-1].value == pytest.approx(104.75)
    assert data.points[-1].rules == ["nelson-1"] and len(data.points[-1].sample_ids) == 4
    assert [v["rule"] for v in data.violations] == ["nelson-1"]


def test_chart_data_flags_points_and_reports_capability(store, uid, oven):
    _define(store, uid, oven)
    _samples(store, oven, [256], 30)
    with store.read() as session:
        data = chart_data(session, f"{uid}-PEAK", start=t(0) - timedelta(seconds=1))
    assert len(data.points) == 21 and data.points[0].range is None
    assert data.points[-1].rules == ["nelson-1", "range-1", "out-of-spec"]
    assert data.mean == pytest.approx(sum([*BASELINE, 256]) / 21)
    assert data.cpk == pytest.approx(spc.cpk(data.mean, data.sigma, 235, 255))


def test_the_cli_evaluates_every_chart(store, uid, oven, database_url):
    _define(store, uid, oven)
    _samples(store, oven, [262], 30)
    env = {**os.environ, "TRACEBRIDGE_DATABASE_URL": database_url}
    out = subprocess.run([str(Path(sys.executable).parent / "tracebridge"), "spc-evaluate", "--rounds", "1"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"{uid}-PEAK: 3 alarm(s)" in out.stdout
    with store.read() as session:
        rules = {a.rule for a, _ in alarms(session, chart=f"{uid}-PEAK")}
    assert rules == {"nelson-1", "range-1", "out-of-spec"}
