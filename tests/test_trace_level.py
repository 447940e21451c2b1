"""IPC-1782 completeness on the foundation scenario, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from gateway.app import create_app
from gateway.settings import Settings
from tests import scenario, standards_scenario
from tests.scenario import t
from traceability import commands as c
from traceability import completeness
from traceability.errors import NotFound


def _level(store, serial):  # type: ignore[no-untyped-def]
    with store.read() as session:
        return completeness.unit_trace_level(session, serial)


def test_every_product_of_the_recorded_scenario_reaches_m4_p4(store, uid):
    s = standards_scenario.build(store, uid)
    for serial in [*s.products, *s.boards]:
        level = _level(store, serial)
        assert (level.manufacturing, level.process, level.missing) == ("M4", "P4", []), serial
    assert _level(store, s.products[0]).routing == f"{s.n('PRD')}/A"
    # A panel answers for its boards.
    panel = _level(store, s.n("P1"))
    assert (panel.manufacturing, panel.process) == ("M4", "P4")


def test_a_designator_left_without_its_lot_drops_from_m4_and_names_the_designator(store, uid):
    s = standards_scenario.build(store, uid)
    n = s.n
    standards_scenario.run(store, [c.RemoveComponent(parent_serial=n("B3"), reference_designator="R1",
                                                     removed_at=t(100), reason="lifted pad")], uid)
    board = _level(store, n("B3"))
    # R1 is its BOM line's only designator: no resistor material at all on the unit -> below M2.
    assert (board.manufacturing, board.process) == ("M1", "P4")
    [gap] = board.missing
    assert (gap.serial, gap.blocks, gap.kind, gap.reference_designator, gap.operation) == (
        n("B3"), "M2", "designator", "R1", "SMT")
    assert "R1" in gap.reason
    # The product containing that board drops with it, and says which sub-assembly is short.
    product = _level(store, n("PRD-3"))
    assert product.manufacturing == "M1"
    assert [(g.serial, g.reference_designator) for g in product.missing] == [(n("B3"), "R1")]
    assert _level(store, n("PRD-4")).manufacturing == "M4"


def test_two_lots_on_one_designator_are_ambiguous(store, uid):
    s = standards_scenario.build(store, uid)
    n = s.n
    standards_scenario.run(store, [c.InstallComponents(
        parent_serial=n("B4"), installed_at=t(33), station=n("REWORK1"), operation="REWORK",
        items=[c.InstalledItem(lot=n("REEL-CAP-A"), reference_designator="C1")])], uid)
    level = _level(store, n("B4"))
    [gap] = level.missing
    assert level.manufacturing == "M2" and gap.kind == "ambiguous_lot" and gap.reference_designator == "C1"
    assert n("REEL-CAP-A") in gap.reason and n("REEL-CAP-B") in gap.reason


def test_process_gaps_grade_p1_to_p3(store, uid):
    s = commands_without(uid, lambda cmd: isinstance(cmd, c.RecordOperation) and (
        cmd.operation == "FCT" and cmd.serial.endswith("PRD-1")))
    scenario.run(store, s)
    n = s.n
    # PRD-1: FCT never recorded -> P1. PRD-2: FCT without operator -> P2. PRD-3: no parameter -> P3.
    standards_scenario.run(store, [
        c.RecordOperation(serial=n("PRD-2"), operation="FCT", station=n("FCT1"), started_at=t(70),
                          completed_at=t(71), result="pass",
                          parameters=[c.ParameterValue(name="supply_current", value=100)]),
        c.RecordOperation(serial=n("PRD-3"), operation="FCT", station=n("FCT1"), operator="op-22",
                          started_at=t(72), completed_at=t(73), result="pass"),
    ], uid)
    p1, p2, p3 = (_level(store, n(f"PRD-{i}")) for i in (1, 2, 3))
    assert (p1.process, [(g.kind, g.operation) for g in p1.missing]) == ("P1", [("operation", "FCT")])
    assert (p2.process, [(g.kind, g.operation) for g in p2.missing]) == ("P2", [("operator", "FCT")])
    assert p3.process == "P4"  # its first FCT record carried the parameter; a repeat need not
    assert all(x.manufacturing == "M4" for x in (p1, p2, p3))


def test_reflow_without_its_required_parameter_is_p3_for_every_board(store, uid):
    s = commands_without(uid, lambda cmd: isinstance(cmd, c.RecordOperation) and cmd.operation == "REFLOW")
    scenario.run(store, s)
    standards_scenario.run(store, [c.RecordOperation(
        serial=s.n("P1"), operation="REFLOW", station=s.n("OVEN1"), operator="op-12", started_at=t(9),
        completed_at=t(14), result="pass")], uid)
    with store.read() as session:
        summary = completeness.work_order_trace_levels(session, s.n("WO-BRD"))
    assert summary.units == 4 and summary.process["P3"] == 4 and summary.manufacturing["M4"] == 4
    [top] = summary.top_missing
    assert (top.blocks, top.kind, top.operation, top.parameter, top.units) == (
        "P4", "parameter", "REFLOW", "peak_temp", 4)


def test_foundation_scenario_without_routings_reaches_only_level_1(store, uid):
    s = scenario.build(store, uid)
    board = _level(store, s.boards[0])  # its panel's SMT record counts for it
    assert (board.manufacturing, board.process) == ("M1", "P1")
    assert {g.kind for g in board.missing} == {"routing"}
    product = _level(store, s.products[0])  # no operation recorded on it at all
    assert (product.manufacturing, product.process) == ("M1", "P0")


def test_work_order_summary_counts_levels_and_top_gaps(store, uid):
    s = standards_scenario.build(store, uid)
    n = s.n
    standards_scenario.run(store, [c.RemoveComponent(parent_serial=n("B1"), reference_designator="C1",
                                                     removed_at=t(100), reason="cracked")], uid)
    with store.read() as session:
        summary = completeness.work_order_trace_levels(session, n("WO-PRD"))
        boards = completeness.work_order_trace_levels(session, n("WO-BRD"))
    assert summary.units == 4 and summary.manufacturing == {"M0": 0, "M1": 1, "M2": 0, "M3": 0, "M4": 3}
    assert summary.process == {"P0": 0, "P1": 0, "P2": 0, "P3": 0, "P4": 4}
    [gap] = summary.top_missing
    assert (gap.reference_designator, gap.units, gap.blocks) == ("C1", 1, "M2")
    assert boards.units == 4  # the panel is a carrier, not counted


def test_unknown_unit_and_work_order_are_not_found(store, uid):
    with store.read() as session, pytest.raises(NotFound):
        completeness.unit_trace_level(session, f"{uid}-nope")
    with store.read() as session, pytest.raises(NotFound):
        completeness.work_order_trace_levels(session, f"{uid}-nope")


def test_statements_do_not_grow_with_the_number_of_units(store, uid):
    s = standards_scenario.build(store, uid)
    statements: list[str] = []

    def count(conn, cursor, sql, *args):  # type: ignore[no-untyped-def]
        statements.append(sql)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        with store.read() as session:
            completeness.unit_trace_level(session, s.products[0])
        one = len(statements)
        statements.clear()
        with store.read() as session:
            completeness.work_order_trace_levels(session, s.n("WO-PRD"))
        four = len(statements)
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert four <= one <= 20, (one, four)


def commands_without(uid: str, drop) -> scenario.Scenario:  # type: ignore[no-untyped-def]
    s = standards_scenario.commands(uid)
    s.steps = [(cmd, mid) for cmd, mid in s.steps if not drop(cmd)]
    return s


def test_rest_answers_per_unit_work_order_and_range(store, database_url, uid):
    s = standards_scenario.build(store, uid)
    n = s.n
    standards_scenario.run(store, [c.RemoveComponent(parent_serial=n("B2"), reference_designator="C1",
                                                     removed_at=t(100), reason="cracked")], uid)
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        unit = client.get(f"/api/v1/units/{n('PRD-2')}/trace-level")
        order = client.get(f"/api/v1/work-orders/{n('WO-PRD')}/trace-level", params={"top": 5})
        window = client.get("/api/v1/trace-level", params={"start": t(39).isoformat(),
                                                           "end": t(41).isoformat()})
        unknown = client.get(f"/api/v1/units/{n('nope')}/trace-level")
        naive = client.get("/api/v1/trace-level", params={"start": "2026-11-02T06:00:00",
                                                          "end": "2026-11-02T07:00:00"})
    assert unit.status_code == 200, unit.text
    body = unit.json()
    assert (body["manufacturing"], body["process"], body["routing"]) == ("M1", "P4", f"{n('PRD')}/A")
    assert [(m["serial"], m["reference_designator"], m["blocks"]) for m in body["missing"]] == [
        (n("B2"), "C1", "M2")]
    assert order.json()["manufacturing"]["M4"] == 3 and order.json()["top_missing"][0]["units"] == 1
    assert window.json()["units"] >= 4  # the products registered at t40 (other tests' units may share it)
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "serial"
    assert naive.status_code == 422 and naive.json()["error"]["field"] == "start"
