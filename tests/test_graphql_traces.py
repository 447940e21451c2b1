"""The contract's queries over HTTP against the foundation scenario, on SQLite and PostgreSQL.

Panel, splice, rework, sub-assembly, box, pallet, shipment: every lot, unit, container and
shipment a trace returns is checked.
"""

from __future__ import annotations

import pytest

from tests import scenario
from tests.graphql_support import data, graphql_client
from tests.scenario import t

BACKWARD = """
query($serial: String!, $at: DateTime, $removed: Boolean!) {
  traceBackward(serial: $serial, at: $at, includeRemoved: $removed) {
    root { serial kind workOrder { number } }
    units { depth referenceDesignator installedAt removed unit { serial kind } parent { serial } }
    materials { lotCode partNumber referenceDesignator station removed removedAt removalReason
                supplier unit { serial } lot { id parentLot { id } } }
    lots { id partNumber }
  }
}"""

FORWARD = """
query($lot: String!, $first: Int, $after: String) {
  traceForward(lot: $lot, first: $first, after: $after) {
    lot totalUnits
    units { totalCount edges { cursor node { serial kind } }
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
    topLevel { serial containers { code } }
    containers { code kind status parent { code } }
    shipments { code customer destination status }
    lots { id }
  }
}"""


@pytest.fixture
def world(store, database_url, uid):
    s = scenario.build(store, uid)
    with graphql_client(database_url) as client:
        yield s, client


def test_trace_backward_of_each_product(world):
    s, client = world
    n = s.n
    expected = {
        1: {n("REEL-CAP-A"), n("REEL-RES-A"), n("PASTE-1")},
        2: {n("REEL-CAP-A"), n("REEL-RES-B"), n("PASTE-1")},
        3: {n("REEL-CAP-B"), n("REEL-RES-A"), n("PASTE-1")},
        4: {n("REEL-CAP-B"), n("REEL-RES-A"), n("PASTE-1")},
    }
    for i, lots in expected.items():
        trace = data(client, BACKWARD, serial=n(f"PRD-{i}"), at=None, removed=False)["traceBackward"]
        assert trace["root"] == {"serial": n(f"PRD-{i}"), "kind": "product",
                                 "workOrder": {"number": n("WO-PRD")}}
        assert [(u["unit"]["serial"], u["depth"], u["parent"]["serial"], u["referenceDesignator"])
                for u in trace["units"]] == [(n(f"B{i}"), 1, n(f"PRD-{i}"), "J1")]
        assert {m["lotCode"] for m in trace["materials"]} == lots
        assert {lot["id"] for lot in trace["lots"]} == lots
        # Panel material is reported against the board it went into, never removed now.
        assert {m["unit"]["serial"] for m in trace["materials"]} == {n(f"B{i}")}
        assert not any(m["removed"] for m in trace["materials"])
        designators = {m["lotCode"]: m["referenceDesignator"] for m in trace["materials"]}
        assert designators[n("PASTE-1")] is None
        assert {designators[lot] for lot in lots - {n("PASTE-1")}} == {"C1", "R1"}
        caps = [m for m in trace["materials"] if m["referenceDesignator"] == "C1"]
        assert [(m["supplier"], m["lot"]["parentLot"]["id"], m["station"]) for m in caps] == [
            ("Murata", n("CAP-LOT"), n("SMT1"))]


def test_trace_backward_flags_the_rework_and_is_time_aware(world):
    s, client = world
    n = s.n
    trace = data(client, BACKWARD, serial=n("PRD-2"), at=None, removed=True)["traceBackward"]
    removed = [m for m in trace["materials"] if m["removed"]]
    assert [(m["lotCode"], m["referenceDesignator"], m["removalReason"], m["removedAt"])
            for m in removed] == [(n("REEL-RES-A"), "R1", "tombstoned at AOI", t(30).isoformat())]
    assert {lot["id"] for lot in trace["lots"]} == {
        n("REEL-CAP-A"), n("REEL-RES-A"), n("REEL-RES-B"), n("PASTE-1")}
    before = data(client, BACKWARD, serial=n("B2"), at=t(29).isoformat(), removed=False)["traceBackward"]
    assert {m["lotCode"] for m in before["materials"]} == {n("REEL-CAP-A"), n("REEL-RES-A"), n("PASTE-1")}
    after = data(client, BACKWARD, serial=n("B2"), at=t(35).isoformat(), removed=False)["traceBackward"]
    assert {m["lotCode"] for m in after["materials"]} == {n("REEL-CAP-A"), n("REEL-RES-B"), n("PASTE-1")}
    product_then = data(client, BACKWARD, serial=n("PRD-2"), at=t(29).isoformat(),
                        removed=False)["traceBackward"]
    assert product_then["units"] == [] and product_then["materials"] == []  # its board goes in at t43


def test_trace_forward_of_each_lot_reaches_units_containers_and_the_shipment(world):
    s, client = world
    n = s.n
    cases = {
        "REEL-CAP-A": ({"P1", "B1", "B2", "PRD-1", "PRD-2"}, {"PRD-1", "PRD-2"}),
        "REEL-CAP-B": ({"P1", "B3", "B4", "PRD-3", "PRD-4"}, {"PRD-3", "PRD-4"}),
        "REEL-RES-A": ({"P1", "B1", "B3", "B4", "PRD-1", "PRD-3", "PRD-4"}, {"PRD-1", "PRD-3", "PRD-4"}),
        "REEL-RES-B": ({"B2", "PRD-2"}, {"PRD-2"}),
        "PASTE-1": ({"P1", "B1", "B2", "B3", "B4", "PRD-1", "PRD-2", "PRD-3", "PRD-4"},
                    {"PRD-1", "PRD-2", "PRD-3", "PRD-4"}),
        "CAP-LOT": ({"P1", "B1", "B2", "B3", "B4", "PRD-1", "PRD-2", "PRD-3", "PRD-4"},
                    {"PRD-1", "PRD-2", "PRD-3", "PRD-4"}),
    }
    for lot, (units, top) in cases.items():
        trace = data(client, FORWARD, lot=n(lot), first=100, after=None)["traceForward"]
        assert trace["lot"] == n(lot)
        assert trace["totalUnits"] == trace["units"]["totalCount"] == len(units), lot
        assert {e["node"]["serial"] for e in trace["units"]["edges"]} == {n(x) for x in units}, lot
        assert trace["units"]["pageInfo"]["hasNextPage"] is False
        assert {u["serial"] for u in trace["topLevel"]} == {n(x) for x in top}, lot
        assert all(u["containers"] == [{"code": n("BOX-1")}, {"code": n("PAL-1")}, {"code": n("SHP-1")}]
                   for u in trace["topLevel"])
        assert {(c["code"], c["kind"], (c["parent"] or {}).get("code")) for c in trace["containers"]} == {
            (n("BOX-1"), "box", n("PAL-1")), (n("PAL-1"), "pallet", n("SHP-1")),
            (n("SHP-1"), "shipment", None)}, lot
        assert trace["shipments"] == [{"code": n("SHP-1"), "customer": "ACME Corp", "destination": "Lyon",
                                       "status": "shipped"}]
    family = data(client, FORWARD, lot=n("CAP-LOT"), first=1, after=None)["traceForward"]["lots"]
    assert [x["id"] for x in family] == [n("CAP-LOT"), n("REEL-CAP-A"), n("REEL-CAP-B")]


def test_trace_forward_pages_with_cursors(world):
    s, client = world
    seen, after, pages = [], None, 0
    while pages < 10:  # 9 units, 2 per page: 5 pages
        page = data(client, FORWARD, lot=s.n("PASTE-1"), first=2, after=after)["traceForward"]["units"]
        seen += [e["node"]["serial"] for e in page["edges"]]
        pages += 1
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 5 and len(seen) == len(set(seen)) == 9


def test_unit_answers_its_whole_record(world):
    s, client = world
    n = s.n
    board = data(client, """query($s: String!) { unit(serial: $s) {
        serial partNumber kind status panelPosition panel { serial kind depanelizedAt }
        workOrder { number partNumber quantity status }
        operations { operation station operator result parameters { name value unit } }
        installed { lotCode referenceDesignator inherited removed station }
        withRemoved: installed(includeRemoved: true) { lotCode referenceDesignator removed removalReason }
        parent { serial containers { code kind } } children { serial }
        containers { code } holds { reason } } }""", s=n("B2"))["unit"]
    assert (board["serial"], board["partNumber"], board["kind"], board["panelPosition"]) == (
        n("B2"), n("BRD"), "board", 2)
    assert board["panel"] == {"serial": n("P1"), "kind": "panel", "depanelizedAt": t(20).isoformat()}
    assert board["workOrder"] == {"number": n("WO-BRD"), "partNumber": n("BRD"), "quantity": 4.0,
                                  "status": "released"}
    assert {(i["lotCode"], i["referenceDesignator"], i["inherited"]) for i in board["installed"]} == {
        (n("REEL-CAP-A"), "C1", True), (n("REEL-RES-B"), "R1", False), (n("PASTE-1"), None, True)}
    assert [(i["lotCode"], i["removalReason"]) for i in board["withRemoved"] if i["removed"]] == [
        (n("REEL-RES-A"), "tombstoned at AOI")]
    assert board["parent"] == {"serial": n("PRD-2"), "containers": [
        {"code": n("BOX-1"), "kind": "box"}, {"code": n("PAL-1"), "kind": "pallet"},
        {"code": n("SHP-1"), "kind": "shipment"}]}
    assert board["children"] == [] and board["containers"] == [] and board["holds"] == []

    panel = data(client, """query($s: String!) { unit(serial: $s) {
        operations { operation station operator result startedAt completedAt
                     parameters { name value unit } } } }""", s=n("P1"))["unit"]
    assert panel["operations"] == [{
        "operation": "SMT", "station": n("SMT1"), "operator": "op-17", "result": "pass",
        "startedAt": t(1).isoformat(), "completedAt": t(8).isoformat(),
        "parameters": [{"name": "placement_rate", "value": 41000.0, "unit": "cph"}]}]
    product = data(client, "query($s: String!) { unit(serial: $s) { children { serial } } }",
                   s=n("PRD-3"))["unit"]
    assert product["children"] == [{"serial": n("B3")}]


def test_unknown_keys_answer_null_or_an_empty_trace(world):
    _, client = world
    answer = data(client, """{
        unit(serial: "NO-SUCH-SERIAL") { serial }
        materialLot(id: "NO-SUCH-LOT") { id }
        workOrder(number: "NO-SUCH-WO") { number }
        container(code: "NO-SUCH-BOX") { code }
        traceBackward(serial: "NO-SUCH-SERIAL") { root { serial } units { depth } materials { lotCode } }
        traceForward(lot: "NO-SUCH-LOT") { totalUnits units { edges { cursor } pageInfo { hasNextPage } }
                                           topLevel { serial } containers { code } shipments { code } }
    }""")
    assert answer == {
        "unit": None, "materialLot": None, "workOrder": None, "container": None,
        "traceBackward": {"root": None, "units": [], "materials": []},
        "traceForward": {"totalUnits": 0, "units": {"edges": [], "pageInfo": {"hasNextPage": False}},
                         "topLevel": [], "containers": [], "shipments": []},
    }
