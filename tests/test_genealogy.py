"""The foundation scenario traced backward and forward, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import SQLModel

from tests import scenario
from tests.scenario import t
from traceability import genealogy


def test_backward_trace_of_each_product(store, uid):
    s = scenario.build(store, uid)
    n = s.n
    expected = {
        1: {n("REEL-CAP-A"), n("REEL-RES-A"), n("PASTE-1")},
        2: {n("REEL-CAP-A"), n("REEL-RES-B"), n("PASTE-1")},
        3: {n("REEL-CAP-B"), n("REEL-RES-A"), n("PASTE-1")},
        4: {n("REEL-CAP-B"), n("REEL-RES-A"), n("PASTE-1")},
    }
    with store.read() as session:
        for i, lots in expected.items():
            trace = genealogy.backward(session, n(f"PRD-{i}"))
            assert trace.root is not None and trace.root.serial == n(f"PRD-{i}")
            assert trace.lots == lots, i
            assert [(u.serial, u.depth, u.parent_serial) for u in trace.units] == [
                (n(f"B{i}"), 1, n(f"PRD-{i}"))]
            # Board-level material is reported against the board it went into.
            assert {m.parent_serial for m in trace.materials} == {n(f"B{i}")}
            assert {m.reference_designator for m in trace.materials if m.lot != n("PASTE-1")} == {
                "C1", "R1"}


def test_backward_trace_is_time_aware_around_the_rework(store, uid):
    s = scenario.build(store, uid)
    n = s.n
    with store.read() as session:
        before = genealogy.backward(session, n("PRD-2"), at=t(29))
        assert before.lots == set() and before.units == []  # its board goes in only at t43
        board_before = genealogy.backward(session, n("B2"), at=t(29))
        assert board_before.lots == {n("REEL-CAP-A"), n("REEL-RES-A"), n("PASTE-1")}
        board_after = genealogy.backward(session, n("B2"), at=t(35))
        assert board_after.lots == {n("REEL-CAP-A"), n("REEL-RES-B"), n("PASTE-1")}
        with_removed = genealogy.backward(session, n("PRD-2"), include_removed=True)
        removed = [m for m in with_removed.materials if m.removed_at is not None]
        assert [(m.lot, m.reference_designator, m.removal_reason) for m in removed] == [
            (n("REEL-RES-A"), "R1", "tombstoned at AOI")]
        assert with_removed.lots == {n("REEL-CAP-A"), n("REEL-RES-A"), n("REEL-RES-B"), n("PASTE-1")}


def test_forward_trace_of_each_reel(store, uid):
    s = scenario.build(store, uid)
    n = s.n
    box = {n("BOX-1"), n("PAL-1"), n("SHP-1")}
    cases = {
        "REEL-CAP-A": ({"P1", "B1", "B2", "PRD-1", "PRD-2"}, {"PRD-1", "PRD-2"}),
        "REEL-CAP-B": ({"P1", "B3", "B4", "PRD-3", "PRD-4"}, {"PRD-3", "PRD-4"}),
        "REEL-RES-A": ({"P1", "B1", "B3", "B4", "PRD-1", "PRD-3", "PRD-4"}, {"PRD-1", "PRD-3", "PRD-4"}),
        "REEL-RES-B": ({"B2", "PRD-2"}, {"PRD-2"}),
        "PASTE-1": ({"P1", "B1", "B2", "B3", "B4", "PRD-1", "PRD-2", "PRD-3", "PRD-4"},
                    {"PRD-1", "PRD-2", "PRD-3", "PRD-4"}),
        # The bulk lot reaches whatever its two reels reached.
        "CAP-LOT": ({"P1", "B1", "B2", "B3", "B4", "PRD-1", "PRD-2", "PRD-3", "PRD-4"},
                    {"PRD-1", "PRD-2", "PRD-3", "PRD-4"}),
    }
    with store.read() as session:
        for lot, (units, top) in cases.items():
            trace = genealogy.forward(session, n(lot))
            assert trace.serials == {n(x) for x in units}, lot
            assert {u.serial for u in trace.top_level} == {n(x) for x in top}, lot
            assert {c.code for c in trace.containers} == box, lot
            [shipment] = trace.shipments
            assert (shipment.code, shipment.customer) == (n("SHP-1"), "ACME Corp")
            chain = {c.code: c.parent_code for c in trace.containers}
            assert chain == {n("BOX-1"): n("PAL-1"), n("PAL-1"): n("SHP-1"), n("SHP-1"): None}
        removed = genealogy.forward(session, n("REEL-RES-A"), include_removed=True)
        assert n("B2") in removed.serials and n("PRD-2") in removed.serials
        assert genealogy.forward(session, n("CAP-LOT")).lots == [
            n("CAP-LOT"), n("REEL-CAP-A"), n("REEL-CAP-B")]


def test_forward_pages_with_keyset(store, uid):
    s = scenario.build(store, uid)
    with store.read() as session:
        seen, after, total = [], 0, None
        for _ in range(10):
            page, total, more = genealogy.forward_page(session, s.n("PASTE-1"), first=2, after_id=after)
            seen += [u.serial for u in page]
            if not more:
                break
            after = page[-1].id
    assert total == 9 and len(seen) == 9 and len(set(seen)) == 9


def test_unknown_serial_and_lot_answer_empty(store, uid):
    with store.read() as session:
        assert genealogy.backward(session, f"{uid}-nope").root is None
        trace = genealogy.forward(session, f"{uid}-nope")
        assert trace.units == [] and trace.containers == [] and trace.lots == []


def test_replaying_every_command_changes_nothing(store, uid):
    s = scenario.commands(uid)
    first = scenario.run(store, s)

    def counts() -> dict[str, int]:
        with store.read() as session:
            return {name: session.scalar(select(func.count()).select_from(table))
                    for name, table in SQLModel.metadata.tables.items()}

    before = counts()
    again = scenario.run(store, s)
    assert counts() == before
    assert all(a.get("replayed") for a in again)
    assert [dict(a, replayed=True) for a in first] == again
