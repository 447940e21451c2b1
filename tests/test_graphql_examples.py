"""The example operations in graphql/examples answer from the demo plant, over HTTP, on both databases.

They are what `tracebridge serve --demo` users paste into GraphiQL: each runs with its own
default variables, and what it must show is checked here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.graphql_support import data, graphql_client
from traceability import demo

EXAMPLES = Path(__file__).resolve().parent.parent / "graphql" / "examples"
PRODUCTS = {f"MOD-{i:06d}" for i in range(1, 13)}


def as_built(d: dict) -> None:
    trace = d["traceBackward"]
    assert trace["root"]["serial"] == "MOD-000002"
    assert [c["code"] for c in trace["root"]["containers"]] == ["BOX-00001", "PAL-00001", "SHP-2611-0001"]
    assert [(u["unit"]["serial"], u["depth"], u["unit"]["panel"]["serial"]) for u in trace["units"]] == [
        ("BRD-00001-2", 1, "PNL-00001")]
    removed = [(m["lotCode"], m["referenceDesignator"], m["removalReason"])
               for m in trace["materials"] if m["removed"]]
    assert removed == [("REEL-R-0001", "R1", "tombstone found at AOI")]
    assert {lot["id"] for lot in trace["lots"]} == {
        "REEL-C-0001", "REEL-R-0001", "REEL-R-0002", "TRAY-U-0001", "PASTE-0042", "HSG-LOT-0917"}
    housing = [m for m in trace["materials"] if m["lotCode"] == "HSG-LOT-0917"]
    assert [m["unit"]["serial"] for m in housing] == ["MOD-000002"]


def recall_scope(d: dict) -> None:
    trace = d["traceForward"]
    assert [lot["id"] for lot in trace["lots"]] == ["CAP-LOT-7781", "REEL-C-0001", "REEL-C-0002"]
    assert {u["serial"] for u in trace["topLevel"]} == PRODUCTS
    assert trace["totalUnits"] == 3 + 12 + 12  # panels, boards, products
    assert len(trace["units"]["edges"]) == 27 and not trace["units"]["pageInfo"]["hasNextPage"]
    assert {(c["code"], c["kind"]) for c in trace["containers"]} == {
        ("BOX-00001", "box"), ("BOX-00002", "box"), ("PAL-00001", "pallet"), ("SHP-2611-0001", "shipment")}
    assert [(s["code"], s["customer"]) for s in trace["shipments"]] == [
        ("SHP-2611-0001", "Nordwind Drives GmbH")]


def unit_history(d: dict) -> None:
    unit = d["unit"]
    ict = [o for o in unit["operations"] if o["operation"] == "ICT"]
    assert [o["result"] for o in ict] == ["fail", "pass"]
    assert [t["measured"] for o in ict for t in o["testResults"]] == [1430.0, 1001.2]
    assert {i["lotCode"] for i in unit["installed"]} == {
        "REEL-C-0002", "REEL-R-0001", "TRAY-U-0001", "PASTE-0042"}
    assert all(i["inherited"] for i in unit["installed"])
    assert unit["parent"]["serial"] == "MOD-000012"


def where_used(d: dict) -> None:
    lot = d["materialLot"]
    assert lot["parentLot"]["id"] == "RES-LOT-1203"
    assert [(e["node"]["serial"], (e["node"]["parent"] or {}).get("serial"))
            for e in lot["whereUsed"]["edges"]] == [("BRD-00001-2", "MOD-000002"), ("MOD-000002", None)]


def work_order_progress(d: dict) -> None:
    order = d["workOrder"]
    steps = {p["operation"]: p for p in order["progress"]}
    assert [p["operation"] for p in order["progress"]] == ["PASTE", "SMT", "REFLOW", "AOI", "DEPANEL", "ICT"]
    assert (steps["AOI"]["units"], steps["AOI"]["passed"], steps["AOI"]["firstPass"]) == (12, 12, 11)
    assert (steps["ICT"]["units"], steps["ICT"]["passed"], steps["ICT"]["firstPass"]) == (12, 12, 11)
    assert order["yield"]["lastOperation"] == "ICT" and order["yield"]["finalYield"] == 1.0
    assert order["yield"]["rolledThroughputYield"] == pytest.approx((11 / 12) ** 2)


def yield_(d: dict) -> None:
    rows = {r["operation"]: r for r in d["yield"]}
    assert (rows["PASTE"]["units"], rows["PASTE"]["fpy"]) == (3, 1.0)  # on the panels
    for step in ("AOI", "ICT"):
        assert (rows[step]["units"], rows[step]["firstPass"], rows[step]["finalPass"]) == (12, 11, 12)
        assert rows[step]["attempts"] == 13 and rows[step]["fpy"] == pytest.approx(11 / 12)


CHECKS = {"as-built": as_built, "recall-scope": recall_scope, "unit-history": unit_history,
          "where-used": where_used, "work-order-progress": work_order_progress, "yield": yield_}


def test_every_example_is_checked():
    assert {p.stem for p in EXAMPLES.glob("*.graphql")} == set(CHECKS)


def test_examples_answer_from_the_demo_plant(store, database_url):
    demo.seed(store)  # idempotent: a second seed on the same database changes nothing
    with graphql_client(database_url) as client:
        for name, check in CHECKS.items():
            check(data(client, (EXAMPLES / f"{name}.graphql").read_text()))
