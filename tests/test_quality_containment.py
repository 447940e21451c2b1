"""Containment: from a reel to exactly its forward trace; shipped units listed; released as a whole.
Suspect windows: the units processed at a station in a time window, their boards and assemblies."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from quality.commands import ContainLot, ContainWindow, ReleaseContainment
from quality.holds import unit_holds
from quality.models import ContainmentCase
from tests import quality_plant, scenario
from tests.scenario import t
from traceability import commands as c
from traceability import genealogy, lookup
from traceability.errors import Invalid
from traceability.models import OutboxEvent


def _run(store, cmd, message_id=None):
    with store.write() as session:
        return c.execute(session, cmd, source="test", message_id=message_id)


def _held(store, serials):
    with store.read() as session:
        units = lookup.units(session, serials)
        holds = unit_holds(session, [u.id for u in units.values()])
        return {s for s, u in units.items() if holds.get(u.id)}


@pytest.fixture
def plant(store, uid):
    """The foundation scenario (all shipped), plus a board B5 and its product still in the plant."""
    s = scenario.build(store, uid)
    n = s.n
    for cmd in [
        c.RegisterUnits(work_order=n("WO-BRD"), registered_at=t(100), units=[
            c.NewUnit(serial=n("B5"), part_number=n("BRD"), kind="board"),
            c.NewUnit(serial=n("B6"), part_number=n("BRD"), kind="board")]),
        c.InstallComponents(parent_serial=n("B5"), installed_at=t(101), station=n("SMT1"),
                            items=[c.InstalledItem(lot=n("REEL-CAP-A"), reference_designator="C1")]),
        c.InstallComponents(parent_serial=n("B6"), installed_at=t(101), station=n("SMT1"),
                            items=[c.InstalledItem(lot=n("REEL-CAP-B"), reference_designator="C1")]),
        c.RegisterUnits(work_order=n("WO-PRD"), registered_at=t(110),
                        units=[c.NewUnit(serial=n("PRD-5"), part_number=n("PRD"))]),
        c.InstallComponents(parent_serial=n("PRD-5"), installed_at=t(111), station=n("FA1"),
                            items=[c.InstalledItem(serial=n("B5"), reference_designator="J1")]),
        c.Pack(container=n("BOX-2"), kind="box", packed_at=t(120), items=[c.PackedItem(serial=n("PRD-5"))]),
    ]:
        _run(store, cmd)
    return s


def test_containment_from_a_reel_holds_exactly_its_forward_trace_in_the_plant(store, plant, uid):
    n = plant.n
    with store.read() as session:
        traced = genealogy.forward(session, n("REEL-CAP-A")).serials
    answer = _run(store, ContainLot(lot=n("REEL-CAP-A"), reason="cracked caps at customer", by="qe-1"),
                  message_id=f"{uid}-cc")
    assert answer["held"] == 2 and answer["out_of_plant"] == 4
    assert answer["shipments"] == [{"shipment": n("SHP-1"), "customer": "ACME Corp", "units": 2}]
    with store.read() as session:
        case = session.scalars(select(ContainmentCase).where(ContainmentCase.code == answer["case"])).one()
        events = session.scalars(select(OutboxEvent.type).where(
            OutboxEvent.aggregate_id == case.code)).all()
    scope = case.scope
    assert set(scope["held"]) == {n("B5"), n("PRD-5")}
    assert set(scope["out_of_plant"]) == {n("B1"), n("B2"), n("PRD-1"), n("PRD-2")}
    assert scope["not_holdable"] == [n("P1")]  # the panel was cut into boards
    assert set(scope["held"]) | set(scope["out_of_plant"]) | set(scope["not_holdable"]) == traced
    [shipment] = scope["shipped"]
    assert shipment["customer"] == "ACME Corp" and shipment["serials"] == [n("PRD-1"), n("PRD-2")]
    assert {x["code"] for x in scope["containers"]} == {n("BOX-2")}
    assert events == ["containment.opened"]
    everything = [n(x) for x in ("B1", "B2", "B3", "B5", "B6", "PRD-1", "PRD-5")]
    assert _held(store, everything) == {n("B5"), n("PRD-5")}
    # a resend is the same case, not a second one
    assert _run(store, ContainLot(lot=n("REEL-CAP-A"), reason="cracked caps at customer", by="qe-1"),
                message_id=f"{uid}-cc")["case"] == answer["case"]
    released = _run(store, ReleaseContainment(case=answer["case"], by="qe-2"))
    assert released == {"case": answer["case"], "changed": True, "released": 2}
    assert _held(store, everything) == set()
    assert _run(store, ReleaseContainment(case=answer["case"], by="qe-2"))["changed"] is False


def test_containment_of_a_bulk_lot_covers_its_reels(store, plant):
    n = plant.n
    answer = _run(store, ContainLot(lot=n("CAP-LOT"), reason="supplier recall", by="qe-1"))
    assert answer["held"] == 3  # B5, B6 and PRD-5
    assert _held(store, [n("B5"), n("B6"), n("PRD-5"), n("B3")]) == {n("B5"), n("B6"), n("PRD-5")}


def test_containment_refuses_an_unknown_lot_or_case(store, plant):
    with pytest.raises(Invalid) as err, store.write() as session:
        c.execute(session, ContainLot(lot="nope", reason="x", by="y"))
    assert err.value.field == "lot"
    with pytest.raises(Invalid) as err, store.write() as session:
        c.execute(session, ReleaseContainment(case="CC-NOPE", by="y"))
    assert err.value.field == "case"


def test_suspect_window_holds_units_processed_at_the_station_then(store, uid):
    plant = quality_plant.build(store, uid)
    oven = plant.n("REFLOW-1")
    plant.op(store, "U1", "REFLOW", 3, station=oven)  # in the oven 3.0-3.5
    plant.op(store, "P1", "REFLOW", 4.8, station=oven)  # enters before t2: its boards too
    plant.op(store, "U2", "REFLOW", 10, station=oven)  # after the window
    plant.op(store, "U3", "REFLOW", 4, station=plant.n("REFLOW-2"))  # another oven
    answer = _run(store, ContainWindow(station=oven, start=quality_plant.t(3.2), end=quality_plant.t(5),
                                       reason="peak temperature out of profile", by="pe-1"))
    assert answer["held"] == 4
    assert _held(store, [plant.n(s) for s in ("U1", "U2", "U3", "P1", "P1-1", "P1-2")]) == {
        plant.n(s) for s in ("U1", "P1", "P1-1", "P1-2")}


def test_suspect_window_must_end_after_it_starts():
    with pytest.raises(ValidationError, match="end"):
        ContainWindow(station="S", start=t(5), end=t(5), reason="r", by="b")
