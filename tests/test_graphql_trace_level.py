"""IPC-1782 levels over GraphQL: Unit.traceLevel and WorkOrder.traceLevel, batched per request."""

from __future__ import annotations

from sqlalchemy import event

from tests import standards_scenario
from tests.graphql_support import data, graphql_client
from tests.scenario import t
from traceability import commands as c

UNIT = """query($serial: String!) { unit(serial: $serial) { serial traceLevel {
  manufacturing process routing
  missing { serial blocks kind reason operation referenceDesignator partNumber parameter } } } }"""

ORDER = """query($number: String!) { workOrder(number: $number) { traceLevel(top: 3) {
  units manufacturing { level units } process { level units }
  topMissing { blocks kind reason units referenceDesignator } } } }"""

FORWARD = """query($lot: String!) { traceForward(lot: $lot, first: 50) { units { edges { node {
  serial traceLevel { manufacturing process } } } } } }"""


def test_unit_and_work_order_trace_levels(store, database_url, uid):
    s = standards_scenario.build(store, uid)
    n = s.n
    standards_scenario.run(store, [c.RemoveComponent(parent_serial=n("B3"), reference_designator="C1",
                                                     removed_at=t(100), reason="cracked")], uid)
    with graphql_client(database_url) as client:
        unit = data(client, UNIT, serial=n("PRD-3"))["unit"]["traceLevel"]
        clean = data(client, UNIT, serial=n("PRD-1"))["unit"]["traceLevel"]
        order = data(client, ORDER, number=n("WO-PRD"))["workOrder"]["traceLevel"]
    assert (unit["manufacturing"], unit["process"], unit["routing"]) == ("M1", "P4", f"{n('PRD')}/A")
    [gap] = unit["missing"]
    assert (gap["serial"], gap["blocks"], gap["kind"], gap["referenceDesignator"], gap["operation"]) == (
        n("B3"), "M2", "designator", "C1", "SMT")
    assert (clean["manufacturing"], clean["process"], clean["missing"]) == ("M4", "P4", [])
    assert order["units"] == 4
    assert {x["level"]: x["units"] for x in order["manufacturing"]} == {
        "M0": 0, "M1": 1, "M2": 0, "M3": 0, "M4": 3}
    assert order["topMissing"] == [{"blocks": "M2", "kind": "designator", "units": 1,
                                    "referenceDesignator": "C1", "reason": gap["reason"]}]


def test_trace_levels_of_a_page_of_units_cost_the_same_statements(store, database_url, uid):
    s = standards_scenario.build(store, uid)
    statements: list[str] = []

    def count(conn, cursor, sql, *args):  # type: ignore[no-untyped-def]
        statements.append(sql)

    with graphql_client(database_url) as client:
        engine = client.app.state.store.engine  # type: ignore[attr-defined]
        event.listen(engine, "before_cursor_execute", count)
        one = data(client, FORWARD, lot=s.n("REEL-RES-B"))["traceForward"]["units"]["edges"]
        few = len(statements)
        statements.clear()
        nine = data(client, FORWARD, lot=s.n("PASTE-1"))["traceForward"]["units"]["edges"]
        many = len(statements)
        event.remove(engine, "before_cursor_execute", count)
    assert len(one) == 2 and len(nine) == 9  # B2 + PRD-2; the panel, 4 boards and 4 products
    assert {e["node"]["traceLevel"]["manufacturing"] for e in nine} == {"M4"}
    assert many <= few + 10, (few, many)  # a panel adds one assessment (of its boards), not one per unit
