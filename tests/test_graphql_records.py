"""Material lots, work orders, containers and holds over HTTP, on the foundation scenario."""

from __future__ import annotations

from tests import scenario
from tests.graphql_support import data, graphql_client
from tests.scenario import t
from traceability import commands as c

LOT = """query($id: String!, $first: Int, $after: String) { materialLot(id: $id) {
    id partNumber partDescription supplier supplierLot dateCode quantity status
    parentLot { id } sublots { id }
    whereUsed(first: $first, after: $after) { totalCount edges { node { serial } }
                                              pageInfo { hasNextPage endCursor } }
    holds { reason heldBy open } released: holds(includeReleased: true) { reason open } } }"""


def _hold(store, kind: str, target: str, reason: str, message_id: str) -> int:
    with store.write() as session:
        return c.execute(session, c.PlaceHold(target_kind=kind, target=target, reason=reason, by="qe-7",
                                              at=t(100)), source="test", message_id=message_id)["hold_id"]


def test_material_lot_with_sublots_where_used_and_holds(store, database_url, uid):
    s = scenario.build(store, uid)
    n = s.n
    released = _hold(store, "lot", n("REEL-CAP-A"), "incoming inspection", f"{uid}-h1")
    with store.write() as session:
        c.execute(session, c.ReleaseHold(hold_id=released, by="qe-7", at=t(101)), source="test",
                  message_id=f"{uid}-h2")
    _hold(store, "lot", n("REEL-CAP-A"), "supplier alert MU-778", f"{uid}-h3")
    with graphql_client(database_url) as client:
        bulk = data(client, LOT, id=n("CAP-LOT"), first=100)["materialLot"]
        assert (bulk["partNumber"], bulk["partDescription"], bulk["supplier"], bulk["supplierLot"],
                bulk["dateCode"], bulk["parentLot"]) == (
            n("CAP"), "10uF 0603 capacitor", "Murata", "MU-778", "2645", None)
        assert [x["id"] for x in bulk["sublots"]] == [n("REEL-CAP-A"), n("REEL-CAP-B")]
        assert bulk["whereUsed"]["totalCount"] == 9
        reel = data(client, LOT, id=n("REEL-CAP-A"), first=2)["materialLot"]
        assert reel["parentLot"] == {"id": n("CAP-LOT")} and reel["sublots"] == []
        assert reel["holds"] == [{"reason": "supplier alert MU-778", "heldBy": "qe-7", "open": True}]
        assert reel["released"] == [{"reason": "incoming inspection", "open": False},
                                    {"reason": "supplier alert MU-778", "open": True}]
        seen, after = [], None
        for _ in range(5):  # 5 units, 2 per page
            page = data(client, LOT, id=n("REEL-CAP-A"), first=2, after=after)["materialLot"]["whereUsed"]
            seen += [e["node"]["serial"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert sorted(seen) == sorted(n(x) for x in ("P1", "B1", "B2", "PRD-1", "PRD-2"))


def test_holds_on_units_and_containers_show_through_traces(store, database_url, uid):
    s = scenario.build(store, uid)
    n = s.n
    _hold(store, "unit", n("PRD-2"), "customer complaint", f"{uid}-h1")
    _hold(store, "container", n("PAL-1"), "recall containment", f"{uid}-h2")
    _hold(store, "work_order", n("WO-PRD"), "engineering review", f"{uid}-h3")
    with graphql_client(database_url) as client:
        trace = data(client, """query($lot: String!) { traceForward(lot: $lot) {
            topLevel { serial holds { reason } workOrder { number holds { reason } } }
            containers { code holds { reason } } } }""", lot=n("REEL-RES-B"))["traceForward"]
        assert trace["topLevel"] == [{"serial": n("PRD-2"), "holds": [{"reason": "customer complaint"}],
                                      "workOrder": {"number": n("WO-PRD"),
                                                    "holds": [{"reason": "engineering review"}]}}]
        assert {x["code"]: x["holds"] for x in trace["containers"]} == {
            n("BOX-1"): [], n("PAL-1"): [{"reason": "recall containment"}], n("SHP-1"): []}
        stops = data(client, "query($s: String!) { unit(serial: $s) { stoppedBy { via target reason } } }",
                     s=n("PRD-2"))["unit"]["stoppedBy"]
        assert sorted((x["via"], x["target"], x["reason"]) for x in stops) == [
            ("container", n("PAL-1"), "recall containment"), ("unit", n("PRD-2"), "customer complaint"),
            ("work_order", n("WO-PRD"), "engineering review")]
        board = data(client, """query($s: String!) { unit(serial: $s) { stoppedBy { via } } }""", s=n("B2"))
        assert board["unit"]["stoppedBy"] == []  # its product is held, not the board itself
        shipment = data(client, """query($code: String!) { container(code: $code) {
            code kind status customer destination shippedAt parent { code } } }""",
                        code=n("SHP-1"))["container"]
        assert shipment == {"code": n("SHP-1"), "kind": "shipment", "status": "shipped",
                            "customer": "ACME Corp", "destination": "Lyon",
                            "shippedAt": t(90).isoformat(), "parent": None}
        box = data(client, 'query($c: String!) { container(code: $c) { parent { code parent { code } } } }',
                   c=n("BOX-1"))["container"]
        assert box == {"parent": {"code": n("PAL-1"), "parent": {"code": n("SHP-1")}}}


def test_work_order_progress_counts_units_once(store, database_url, uid):
    s = scenario.build(store, uid)
    n = s.n
    with store.write() as session:  # PRD-1 fails FCT, then passes; PRD-2 passes; PRD-3 is running
        for i, (serial, result, minute) in enumerate([
                ("PRD-1", "fail", 50), ("PRD-1", "pass", 52), ("PRD-2", "pass", 51), ("PRD-3", None, 53)]):
            c.execute(session, c.RecordOperation(
                serial=n(serial), operation="FCT", station=n("FCT1"), started_at=t(minute),
                completed_at=t(minute + 1) if result else None, result=result,
                parameters=[c.ParameterValue(name="supply_current", value=100 + i, unit="mA")]),
                source="test", message_id=f"{uid}-fct-{i}")
    with graphql_client(database_url) as client:
        order = data(client, """query($n: String!) { workOrder(number: $n) {
            number partNumber quantity status
            progress { operation sequence units completed passed failed inProcess firstPass firstPassYield }
            yield { units scrapped completed lastOperation finalYield rolledThroughputYield } } }""",
                     n=n("WO-PRD"))["workOrder"]
    assert (order["number"], order["partNumber"], order["quantity"], order["status"]) == (
        n("WO-PRD"), n("PRD"), 4.0, "released")
    assert order["progress"] == [{"operation": "FCT", "sequence": None, "units": 3, "completed": 2,
                                  "passed": 2, "failed": 0, "inProcess": 1, "firstPass": 1,
                                  "firstPassYield": 1 / 2}]
    # No routing on this order: nothing is "the last routing operation" yet.
    assert order["yield"] == {"units": 4, "scrapped": 0, "completed": 0, "lastOperation": None,
                              "finalYield": 0.0, "rolledThroughputYield": 1 / 2}
