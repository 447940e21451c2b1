"""Route interlock: sequence, repeats, holds (propagated), work order, station material."""

from __future__ import annotations

import pytest

from quality.interlock import UnitCheck, check_unit, check_units
from tests import quality_plant
from tests.quality_plant import t
from traceability import commands as c


@pytest.fixture
def plant(store, uid):
    return quality_plant.build(store, uid)


def _check(store, plant, serial, operation, station=None):
    with store.read() as session:
        return check_unit(session, plant.n(serial), station=station or plant.n(f"{operation}-1"),
                          operation=operation)


def _codes(result) -> list[str]:
    return [r.code for r in result.reasons]


def test_in_order_unit_goes(store, plant):
    first = _check(store, plant, "U1", "PASTE")
    assert first.go and first.next_operation == "PASTE" and first.routing_revision == "A"
    plant.op(store, "U1", "PASTE", 1)
    plant.op(store, "U1", "SMT", 2, station=plant.n("SMT-1"))
    r = _check(store, plant, "U1", "REFLOW")
    assert r.go, r.reasons
    assert r.work_order == plant.n("WO")


def test_out_of_order_unit_is_refused_with_the_reason(store, plant):
    plant.op(store, "U1", "PASTE", 1)
    r = _check(store, plant, "U1", "REFLOW")
    assert not r.go and _codes(r) == ["skipped"]
    assert "SMT (not run)" in r.reasons[0].message and r.next_operation == "SMT"


def test_a_step_runs_once_unless_the_routing_allows_a_loop(store, plant):
    plant.op(store, "U1", "PASTE", 1)
    r = _check(store, plant, "U1", "PASTE")
    assert _codes(r) == ["repeated"] and "does not allow it to repeat" in r.reasons[0].message
    for i, code in enumerate(["SMT", "REFLOW"], 2):
        plant.op(store, "U1", code, i)
    plant.op(store, "U1", "AOI", 5, result="fail")
    assert _codes(_check(store, plant, "U1", "ICT")) == ["skipped"]  # AOI failed: not passed
    assert _check(store, plant, "U1", "AOI").go  # the re-inspection loop is allowed
    plant.op(store, "U1", "AOI", 6)
    assert _check(store, plant, "U1", "ICT").go


def test_a_failed_step_without_a_loop_stops_the_unit(store, plant):
    plant.op(store, "U1", "PASTE", 1, result="fail")
    assert _codes(_check(store, plant, "U1", "PASTE")) == ["repeated"]
    assert _codes(_check(store, plant, "U1", "SMT")) == ["skipped"]


def test_boards_count_their_panel_steps_until_depanelization(store, plant):
    for i, code in enumerate(["PASTE", "SMT", "REFLOW"], 1):
        plant.op(store, "P1", code, i)
    assert _check(store, plant, "P1-1", "AOI").go
    plant.run(store, c.Depanelize(panel_serial=plant.n("P1"), depanelized_at=t(10)))
    plant.op(store, "P1", "AOI", 11)  # recorded on the panel after the cut: not the boards'
    r = _check(store, plant, "P1-2", "AOI")
    assert r.go, r.reasons
    assert _codes(_check(store, plant, "P1", "AOI")) == ["depanelized"]


def test_unknown_unit_and_step_not_on_routing(store, plant):
    assert _codes(_check(store, plant, "NOPE", "PASTE")) == ["unknown_unit"]
    r = _check(store, plant, "U1", "WAVE")
    assert _codes(r) == ["not_on_routing"] and "PASTE SMT REFLOW AOI ICT" in r.reasons[0].message


def test_scrapped_unit_is_refused(store, plant):
    plant.op(store, "U1", "PASTE", 1, result="scrapped")
    assert "scrapped" in _codes(_check(store, plant, "U1", "SMT"))


def test_work_order_must_be_released(store, plant):
    plant.run(store, c.ChangeWorkOrderStatus(number=plant.n("WO"), status="planned"))
    assert _codes(_check(store, plant, "U1", "PASTE")) == ["work_order_not_released"]


def test_hold_blocks_the_unit_until_released(store, plant):
    [held] = plant.run(store, c.PlaceHold(target_kind="unit", target=plant.n("U1"), reason="MRB review",
                                          by="qe-1"))
    r = _check(store, plant, "U1", "PASTE")
    assert _codes(r) == ["on_hold"] and "MRB review" in r.reasons[0].message
    assert _check(store, plant, "U2", "PASTE").go
    plant.run(store, c.ReleaseHold(hold_id=held["hold_id"], by="qe-1"))
    assert _check(store, plant, "U1", "PASTE").go


def test_hold_on_a_container_blocks_every_unit_inside_it(store, plant):
    plant.run(store,
              c.Pack(container=plant.n("BOX-1"), kind="box", packed_at=t(1),
                     items=[c.PackedItem(serial=plant.n("U1")), c.PackedItem(serial=plant.n("U2"))]),
              c.Pack(container=plant.n("PAL-1"), kind="pallet", packed_at=t(2),
                     items=[c.PackedItem(container=plant.n("BOX-1"))]),
              c.PlaceHold(target_kind="container", target=plant.n("PAL-1"), reason="pallet dropped",
                          by="wh-2"))
    results = {r.serial: r for r in _batch(store, plant, ["U1", "U2", "U3"], "PASTE")}
    for s in ("U1", "U2"):
        r = results[plant.n(s)]
        assert _codes(r) == ["on_hold"] and f"container {plant.n('PAL-1')}" in r.reasons[0].message
    assert results[plant.n("U3")].go


def test_hold_on_a_panel_or_a_work_order_blocks_its_units(store, plant):
    plant.run(store, c.PlaceHold(target_kind="unit", target=plant.n("P1"), reason="warped", by="qe"))
    assert _codes(_check(store, plant, "P1-1", "PASTE")) == ["on_hold"]
    assert _check(store, plant, "U1", "PASTE").go
    plant.run(store, c.PlaceHold(target_kind="work_order", target=plant.n("WO"), reason="ECO", by="pe"))
    r = _check(store, plant, "U1", "PASTE")
    assert _codes(r) == ["on_hold"] and "work order" in r.reasons[0].message


def test_station_material_quarantined_or_held_blocks_the_station(store, plant):
    plant.op(store, "U1", "PASTE", 1)
    smt = plant.n("SMT-1")
    assert _check(store, plant, "U1", "SMT", station=smt).go
    plant.run(store, c.PlaceHold(target_kind="lot", target=plant.n("CAP-LOT"), reason="supplier alert",
                                 by="iqc"))
    r = _check(store, plant, "U1", "SMT", station=smt)
    assert _codes(r) == ["material_on_hold"] and f"from lot {plant.n('CAP-LOT')}" in r.reasons[0].message
    plant.run(store, c.ChangeLotStatus(lot=plant.n("REEL-1"), status="quarantined"))
    assert sorted(_codes(_check(store, plant, "U1", "SMT", station=smt))) == [
        "material_on_hold", "material_quarantined"]


def test_a_batch_answers_each_unit_in_request_order(store, plant):
    plant.op(store, "U2", "PASTE", 1)
    out = _batch(store, plant, ["U2", "U1", "NOPE", "U2"], "SMT")
    assert [r.serial for r in out] == [plant.n(s) for s in ("U2", "U1", "NOPE", "U2")]
    assert [r.go for r in out] == [True, False, False, True]


def _batch(store, plant, serials, operation):
    with store.read() as session:
        return check_units(session, [UnitCheck(plant.n(s), plant.n(f"{operation}-1"), operation)
                                     for s in serials])


def test_a_unit_built_into_another_is_refused_until_removed(store, plant):
    plant.run(store,
              c.DefinePart(part_number=plant.n("PRD"), serialized=True),
              c.RegisterUnits(units=[c.NewUnit(serial=plant.n("PRD-1"), part_number=plant.n("PRD"))]),
              c.InstallComponents(parent_serial=plant.n("PRD-1"), installed_at=t(5),
                                  items=[c.InstalledItem(serial=plant.n("U1"), reference_designator="A1")]))
    r = _check(store, plant, "U1", "PASTE")
    assert _codes(r) == ["installed"] and plant.n("PRD-1") in r.reasons[0].message
    plant.run(store, c.RemoveComponent(parent_serial=plant.n("PRD-1"), reference_designator="A1",
                                       removed_at=t(6), reason="swap"))
    assert _check(store, plant, "U1", "PASTE").go


def test_a_step_needs_a_station_of_its_type_when_the_station_is_known(store, uid):
    from traceability.models import Equipment

    plant = quality_plant.Plant(uid)
    plant.run(store,
              c.DefinePart(part_number=plant.n("BRD"), serialized=True),
              c.DefineRouting(part_number=plant.n("BRD"), revision="A", operations=[
                  c.RoutingStep(sequence=10, code="AOI", station_type="AOI")]),
              c.SyncWorkOrder(number=plant.n("WO"), part_number=plant.n("BRD"), quantity=1,
                              status="released"),
              c.RegisterUnits(work_order=plant.n("WO"), units=[
                  c.NewUnit(serial=plant.n("U1"), part_number=plant.n("BRD"), kind="board")]))
    with store.write() as session:  # no command registers equipment yet: master data as rows
        session.add_all([Equipment(code=plant.n("XRAY-1"), station_type="XRAY"),
                         Equipment(code=plant.n("AOI-1"), station_type="AOI")])
    r = _check(store, plant, "U1", "AOI", station=plant.n("XRAY-1"))
    assert _codes(r) == ["wrong_station"] and "needs AOI" in r.reasons[0].message
    assert _check(store, plant, "U1", "AOI", station=plant.n("AOI-1")).go
    assert _check(store, plant, "U1", "AOI", station=plant.n("UNKNOWN-1")).go  # not registered
