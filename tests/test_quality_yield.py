"""FPY and final yield on a hand-computed scenario, per operation, station, work order and day."""

from __future__ import annotations

import pytest

from quality.yield_report import yield_report
from tests import quality_plant
from traceability.errors import Invalid

DAY = 24 * 60  # minutes


@pytest.fixture
def plant(store, uid):
    """ICT: U1 pass; U2 fail then pass; U3 fail, fail (first at ICT-2); U4 pass on day 2.
    AOI: U1 fail then pass; U2, U3, U4 pass. An aborted ICT on P1-1 is not an attempt."""
    plant = quality_plant.build(store, uid)
    ict1, ict2 = plant.n("ICT-1"), plant.n("ICT-2")
    for serial, op, minute, result, station in [
        ("U1", "AOI", 1, "fail", None), ("U1", "AOI", 2, "pass", None),
        ("U2", "AOI", 1, "pass", None), ("U3", "AOI", 1, "pass", None), ("U4", "AOI", 1, "pass", None),
        ("U1", "ICT", 10, "pass", ict1),
        ("U2", "ICT", 11, "fail", ict1), ("U2", "ICT", 30, "pass", ict2),
        ("U3", "ICT", 12, "fail", ict2), ("U3", "ICT", 40, "fail", ict1),
        ("U4", "ICT", DAY + 5, "pass", ict1),
        ("P1-1", "ICT", 13, "aborted", ict1),
    ]:
        plant.op(store, serial, op, minute, result=result, station=station)
    return plant


def _report(store, plant, **kw):
    with store.read() as session:
        return yield_report(session, work_order=plant.n("WO"), **kw)


def test_fpy_and_final_yield_per_operation(store, plant):
    rows = {r.group["operation"]: r for r in _report(store, plant)}
    ict, aoi = rows["ICT"], rows["AOI"]
    assert (ict.units, ict.first_pass, ict.final_pass, ict.attempts) == (4, 2, 3, 6)
    assert ict.fpy == 0.5 and ict.final_yield == 0.75
    assert (aoi.units, aoi.first_pass, aoi.final_pass) == (4, 3, 4)
    assert aoi.fpy == 0.75 and aoi.final_yield == 1.0


def test_per_station_of_the_first_attempt(store, plant):
    rows = {r.group["station"]: r for r in _report(store, plant, group_by=["station"], operation="ICT")}
    one, two = rows[plant.n("ICT-1")], rows[plant.n("ICT-2")]
    assert (one.units, one.first_pass, one.final_pass) == (3, 2, 3)
    assert (two.units, two.first_pass, two.final_pass) == (1, 0, 0)


def test_per_day_and_work_order(store, plant):
    rows = _report(store, plant, group_by=["work_order", "day"], operation="ICT")
    assert [(r.group["day"], r.units, r.first_pass, r.final_pass) for r in rows] == [
        ("2026-11-03", 3, 1, 2), ("2026-11-04", 1, 1, 1)]
    assert {r.group["work_order"] for r in rows} == {plant.n("WO")}


def test_window_counts_units_first_tried_in_it(store, plant):
    later = _report(store, plant, operation="ICT", start=quality_plant.t(DAY))
    assert [(r.units, r.first_pass) for r in later] == [(1, 1)]
    # U2's retest at minute 30 falls after the window's end: it still counts for final yield
    early = _report(store, plant, operation="ICT", end=quality_plant.t(12))
    assert [(r.units, r.first_pass, r.final_pass) for r in early] == [(2, 1, 2)]


def test_unknown_dimension_is_refused(store, plant):
    with pytest.raises(Invalid) as err:
        _report(store, plant, group_by=["shift"])
    assert err.value.field == "group_by"
