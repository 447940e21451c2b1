"""Database round trips per trace request (the benchmark's queries), on SQLite and PostgreSQL.

At a few ms per round trip under load, a trace request's fixed cost is mostly its statements: this
pins their number. On PostgreSQL a read runs in autocommit, so no BEGIN or COMMIT goes with them,
and the pool checks a connection without a ping (traceability/database.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
import pytest
from sqlalchemy import Engine, event

from bench.graphql_trace import BACKWARD, FORWARD
from tests import scenario
from tests.databases import PG_ADMIN_URL
from tests.graphql_support import data, graphql_client


@dataclass
class Statements:
    sql: list[str] = field(default_factory=list)
    in_transaction: int = 0  # PostgreSQL: statements that were not in autocommit
    local_switches: int = 0  # PostgreSQL: planner switches that would last one statement only

    def __len__(self) -> int:
        return len(self.sql)


@contextmanager
def counted(engine: Engine) -> Iterator[Statements]:
    seen = Statements()

    def on_execute(conn, _cursor, statement, params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.sql.append(statement)
        if engine.dialect.name != "postgresql":
            return
        autocommit = conn.connection.dbapi_connection.autocommit
        seen.in_transaction += not autocommit
        seen.local_switches += autocommit and "set_config" in statement and params["local"]

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


@pytest.fixture
def world(store, database_url, uid):
    s = scenario.build(store, uid)
    with graphql_client(database_url) as client:
        data(client, "{ __typename }")  # the app's startup reads are not the request's
        yield s, client, client.app.state.store.read_engine


def test_backward_trace_statements(world):
    s, client, engine = world
    with counted(engine) as seen:
        trace = data(client, BACKWARD, serial=s.n("PRD-1"))["traceBackward"]
    assert trace["root"]["serial"] == s.n("PRD-1") and trace["materials"]
    # the walk, the unit records (the root's too), the work order; PostgreSQL adds the planner
    # switch and back (was 9 round trips: pre-ping, BEGIN, root, COMMIT); SQLite its in-process BEGIN
    expected = 5 if engine.dialect.name == "postgresql" else 4
    assert len(seen) == expected, [s[:60] for s in seen.sql]
    assert seen.in_transaction == 0 and seen.local_switches == 0


def test_forward_trace_statements(world):
    s, client, engine = world
    with counted(engine) as seen:
        trace = data(client, FORWARD, lot=s.n("REEL-CAP-A"), first=100)["traceForward"]
    assert trace["totalUnits"] > 0 and trace["topLevel"]
    # the reach walk, the unit records, the shipments; PostgreSQL adds the planner switch and
    # back (was 8 round trips); SQLite its in-process BEGIN
    expected = 5 if engine.dialect.name == "postgresql" else 4
    assert len(seen) == expected, [s[:60] for s in seen.sql]
    assert seen.in_transaction == 0 and seen.local_switches == 0


def test_terminated_read_connections_are_replaced_unseen(postgresql_url, uid):
    """The read pool does not ping: a connection the server terminated is found at checkout (it
    has something to read) or fails its first statement, and the read runs again on a new one."""
    with graphql_client(postgresql_url) as client:
        for _ in range(3):  # bounded: a few rounds of killing every connection of the database
            query = f'{{ unit(serial: "{uid}-U") {{ serial }} }}'
            assert data(client, query) == {"unit": None}
            name = postgresql_url.rsplit("/", 1)[1]
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
