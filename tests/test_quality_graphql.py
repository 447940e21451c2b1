"""Quality through GraphQL: yield, control chart data with limits and violations, alarms."""

from __future__ import annotations

import pytest

from quality.commands import DefineControlChart, EvaluateControlChart
from tests import quality_plant
from tests.graphql_support import data, errors, graphql_client
from tests.quality_plant import t
from tests.test_quality_control_charts import BASELINE, _run, _samples


def test_yield_by_operation_and_day(store, database_url, uid):
    plant = quality_plant.build(store, uid)
    plant.op(store, "U1", "ICT", 1, result="fail")
    plant.op(store, "U1", "ICT", 2)
    plant.op(store, "U2", "ICT", 3)
    with graphql_client(database_url) as client:
        rows = data(client, """query($wo: String) { yield(workOrder: $wo, groupBy: [OPERATION, DAY]) {
            operation day units firstPass finalPass attempts fpy finalYield station } }""",
                    wo=plant.n("WO"))["yield"]
    assert rows == [{"operation": "ICT", "day": "2026-11-03", "units": 2, "firstPass": 1, "finalPass": 2,
                     "attempts": 3, "fpy": 0.5, "finalYield": 1.0, "station": None}]


def test_control_chart_and_alarms(store, database_url, uid):
    oven = f"{uid}-OVEN"
    _samples(store, oven, [*BASELINE, 262], 0)
    code = f"{uid}-PEAK"
    defined = _run(store, DefineControlChart(code=code, station=oven, parameter="peak_temp",
                                             baseline_start=t(0), baseline_end=t(19), lsl=235, usl=255))
    _run(store, EvaluateControlChart(chart=code))
    with graphql_client(database_url) as client:
        chart = data(client, """query($c: String!) { controlChart(code: $c, last: 50) {
            kind center ucl lcl rangeUcl baselineCpk rules cpk
            points { value range rules } violations { rule sampleIds } } }""", c=code)["controlChart"]
        found = data(client, """query($c: String) { alarms(chart: $c) {
            rule samples { value serial recordedAt } } }""", c=code)["alarms"]
        assert data(client, '{ controlChart(code: "nope") { code } }')["controlChart"] is None
        [err] = errors(client, '{ controlChart(code: "x", last: 0) { code } }')
        assert err["extensions"] == {"code": "invalid", "field": "last"}
    assert chart["kind"] == "imr" and chart["ucl"] == pytest.approx(defined["ucl"])
    assert chart["rules"] == [1, 2, 3, 4] and len(chart["points"]) == 21
    assert chart["points"][0]["range"] is None
    assert chart["points"][-1]["rules"] == ["nelson-1", "range-1", "out-of-spec"]
    assert {v["rule"] for v in chart["violations"]} == {"nelson-1", "range-1", "out-of-spec"}
    assert {a["rule"] for a in found} == {"nelson-1", "range-1", "out-of-spec"}
    assert all(a["samples"][-1]["value"] == 262 for a in found)
