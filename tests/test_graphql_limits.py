"""Refusals over HTTP: depth, page size and cost limits, and invalid arguments named by name.

None of these reach the database's traces: the limits are checked before execution, arguments
before any trace runs.
"""

from __future__ import annotations

import pytest

from tests.graphql_support import answer, data, errors, graphql_client


@pytest.fixture(scope="module")
def client(sqlite_url):
    with graphql_client(sqlite_url, max_depth=8, max_page_size=100, max_cost=5_000) as c:
        yield c


def test_a_query_over_the_depth_limit_is_refused(client):
    deep = "{ unit(serial: \"X\") { " + "parent { " * 8 + "serial" + " }" * 9 + " }"
    for _ in range(2):  # the second answer comes from the validation cache: still refused
        [error] = errors(client, deep)
        assert "exceeds maximum operation depth of 8" in error["message"]
        assert error["extensions"]["code"] == "too_deep"
    assert data(client, """{ unit(serial: "X") { parent { parent { serial } } } }""") == {"unit": None}


def test_a_page_over_the_size_limit_names_first(client):
    for first in (101, -1):
        body = answer(client, 'query($f: Int) { traceForward(lot: "X", first: $f) { totalUnits } }', f=first)
        [error] = body["errors"]
        assert error["extensions"] == {"code": "invalid", "field": "first"}, error
        assert error["message"] == "first: must be between 0 and 100"
    [error] = errors(client, '{ traceForward(lot: "X", first: 101) { totalUnits } }')
    assert error["extensions"]["field"] == "first"


def test_a_query_over_the_cost_limit_is_refused_before_it_runs(client):
    # Every lot's where-used inside a trace: one statement per lot, 50 units each, priced as such.
    costly = """{ traceBackward(serial: "X") { materials { lot { whereUsed(first: 50) {
                  edges { node { serial operations { station } } } } } } } }"""
    [error] = errors(client, costly)
    assert error["extensions"]["code"] == "too_costly"
    assert error["extensions"]["cost"] > error["extensions"]["limit"] == 5_000
    assert "over the limit of 5000" in error["message"]
    assert answer(client, costly)["data"] is None
    # The same shape for one lot at the root fits.
    assert data(client, """{ materialLot(id: "X") { whereUsed(first: 50) {
                  edges { node { serial operations { station } } } } } }""") == {"materialLot": None}


def test_cost_counts_variables_and_fragments(client):
    query = """query($n: Int) { traceForward(lot: "X", first: $n) { units { edges { node { ...U } } } } }
               fragment U on Unit { serial operations { station parameters { name } testResults { name } }
                                    installed { lotCode } }"""
    assert data(client, query, n=1)["traceForward"]["units"]["edges"] == []
    [error] = errors(client, query, n=50)
    assert error["extensions"]["code"] == "too_costly"


@pytest.mark.parametrize(("query", "variables", "field"), [
    ('{ traceForward(lot: "X", after: "not-a-cursor") { totalUnits } }', {}, "after"),
    ('{ traceBackward(serial: "X", at: "yesterday") { serial } }', {}, "at"),
    ('query($at: DateTime) { traceBackward(serial: "X", at: $at) { serial } }', {"at": "13/11/2026"}, "at"),
    ('{ traceBackward(serial: "X", at: "2026-11-02T06:00:00") { serial } }', {}, "at"),  # no offset
    ('query($f: Int) { traceForward(lot: "X", first: $f) { totalUnits } }', {"f": "ten"}, "first"),
    ('{ unit(serial: "  ") { serial } }', {}, "serial"),
    ('{ traceForward(lot: "") { totalUnits } }', {}, "lot"),
    ('{ materialLot(id: "") { id } }', {}, "id"),
    ('{ workOrder(number: "") { number } }', {}, "number"),
])
def test_invalid_arguments_are_named(client, query, variables, field):
    [error] = errors(client, query, **variables)
    assert error["extensions"]["code"] == "invalid"
    assert error["extensions"]["field"] == field, error


def test_graphiql_is_served_to_browsers(client):
    page = client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


def test_a_database_that_does_not_answer_is_reported_not_leaked(postgresql_url):
    missing = postgresql_url.rsplit("/", 1)[0] + "/tb_no_such_database"
    with graphql_client(missing) as down:
        [error] = errors(down, '{ unit(serial: "X") { serial } }')
    assert error["extensions"] == {"code": "unavailable"}
    assert error["message"] == "the database is unavailable; retry later"
