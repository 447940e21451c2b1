"""GraphQL at scale: statements per request do not grow with the units returned; cursors page
through 1,000+ units with no duplicates and no gaps. Both databases."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event

from tests.bulk import lot_in_boards
from tests.graphql_support import data, graphql_client
from traceability.database import Store, make_engine

RECALL = """
query($lot: String!, $first: Int, $after: String) {
  traceForward(lot: $lot, first: $first, after: $after) {
    totalUnits
    units {
      edges { cursor node {
        serial kind status partNumber
        workOrder { number progress { operation passed } }
        parent { serial containers { code kind } }
        children { serial }
        operations { operation result parameters { name value } testResults { name result } }
        installed { lotCode referenceDesignator lot { id supplier } unit { serial } }
        containers { code kind parent { code } }
        holds { reason heldBy }
        stoppedBy { via target }
      } }
      pageInfo { hasNextPage endCursor }
    }
    topLevel { serial holds { reason } }
    containers { code kind parent { code } }
    shipments { code customer }
  }
}"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def plant(request):
    """Lots reaching 10, 1,000 and 1,040 units, built once per database."""
    url = request.getfixturevalue(f"{request.param}_url")
    store = Store(make_engine(url))
    prefix = uuid.uuid4().hex[:6].upper()
    lots = [lot_in_boards(store, f"{prefix}{size}", size) for size in (5, 500, 520)]
    store.dispose()
    return url, *lots


class _Counter:
    def __init__(self) -> None:
        self.statements = 0

    def __call__(self, *_args) -> None:  # type: ignore[no-untyped-def]
        self.statements += 1


def _statements(client, query: str, **variables) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    engine = client.app.state.store.engine
    counter = _Counter()
    event.listen(engine, "before_cursor_execute", counter)
    try:
        answer = data(client, query, **variables)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return counter.statements, answer


def test_statements_do_not_grow_with_the_units_returned(plant):
    """Each DataLoader batch is one statement, whatever its size. (Batches are per query shape; a
    page that already holds a unit's parent saves that batch, so both traces are whole pages.)"""
    url, small, large, _ = plant
    with graphql_client(url, max_cost=10_000_000) as client:  # this query is heavy on purpose
        few, small_answer = _statements(client, RECALL, lot=small, first=1000)
        many, large_answer = _statements(client, RECALL, lot=large, first=1000)
    assert small_answer["traceForward"]["totalUnits"] == 10
    assert len(small_answer["traceForward"]["units"]["edges"]) == 10
    assert large_answer["traceForward"]["totalUnits"] == 1000
    edges = large_answer["traceForward"]["units"]["edges"]
    assert len(edges) == 1000
    products = [e["node"] for e in edges if e["node"]["kind"] == "product"]
    assert products and all(len(p["operations"][0]["parameters"]) == 2 and p["containers"]
                            for p in products)
    assert len(large_answer["traceForward"]["topLevel"]) == 500
    assert few == many, f"{few} statements for 10 units, {many} for 1,000"


def test_statements_per_unit_query_are_constant(plant):
    url, small, _, _ = plant
    query = """query($s: String!) { unit(serial: $s) { serial operations { parameters { name } }
               installed(includeRemoved: true) { lot { id holds { reason } } unit { serial } }
               children { serial } containers { code } holds { reason } workOrder { number } } }"""
    with graphql_client(url) as client:
        counts = {_statements(client, query, s=small.replace("-LOT", f"-P{i:05d}"))[0] for i in range(3)}
    assert len(counts) == 1


def test_forward_trace_pages_through_every_unit_once(plant):
    url, _, _, large = plant
    page_query = """query($lot: String!, $first: Int, $after: String) {
        traceForward(lot: $lot, first: $first, after: $after) {
            totalUnits units { edges { cursor node { serial } } pageInfo { hasNextPage endCursor } } } }"""
    seen: list[str] = []
    after, pages = None, 0
    with graphql_client(url) as client:
        everything = data(client, page_query, lot=large, first=1000)["traceForward"]
        while pages < 20:  # 1,040 units, 97 per page: 11 pages
            trace = data(client, page_query, lot=large, first=97, after=after)["traceForward"]
            assert trace["totalUnits"] == 1040
            seen += [e["node"]["serial"] for e in trace["units"]["edges"]]
            pages += 1
            if not trace["units"]["pageInfo"]["hasNextPage"]:
                break
            after = trace["units"]["pageInfo"]["endCursor"]
        rest = data(client, page_query, lot=large, first=1000,
                    after=everything["units"]["pageInfo"]["endCursor"])["traceForward"]
    assert pages == 11
    assert len(seen) == len(set(seen)) == 1040
    prefix = large.removesuffix("-LOT")
    assert set(seen) == {f"{prefix}-{k}{i:05d}" for k in "BP" for i in range(520)}
    # The first 1,000 in one page are the first 1,000 paged; the next page holds the other 40.
    assert [e["node"]["serial"] for e in everything["units"]["edges"]] == seen[:1000]
    assert [e["node"]["serial"] for e in rest["units"]["edges"]] == seen[1000:]
