"""Trace latency against the raw database: GraphQL over HTTP vs the bare recursive SQL, same data.

Backward: random finished products. Forward: random reels. For each, p50/p99 of
- the GraphQL query over HTTP (a gateway process on a free 127.0.0.1 port, an httpx client), and
- the very SQL genealogy runs (its recursive CTEs compiled for the dialect), executed on a DBAPI
  cursor with no ORM and no GraphQL: what the database itself needs,
and their ratio. Works on a plant already built with `tracebridge bench generate --prefix P`
(the figures at scale), or builds one of `--units` when the prefix has none yet.

    .venv/bin/python -m bench.trace_vs_sql --database-url postgresql://postgres@127.0.0.1:5432/bench \\
        --prefix G --units 10000 --samples 200

PostgreSQL: ANALYZE after a bulk load (else the CTEs scan), JIT off (the store's engine sets it).
SQLite: no ANALYZE on these tables (statistics made its recursive steps 30-130x slower here).
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select, text

from bench.generate import generate
from bench.graphql_trace import BACKWARD, FORWARD, timed
from bench.serving import server_process
from traceability import genealogy, schema
from traceability.database import Store, make_engine
from traceability.models import MaterialLot, Unit


def peak_mb() -> float:
    """This process's peak resident memory (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(ms: list[float], q: float) -> float:
    ms = sorted(ms)
    return ms[min(len(ms) - 1, int(len(ms) * q))]


class BareSql:
    """genealogy's own walks, compiled once, run on the DBAPI cursor (no ORM rows): backward the
    as-built statement; forward the reach (every unit id and its top-level flag) and the containers
    of those units — the statements a traceForward walks with, without the page's unit records."""

    def __init__(self, store: Store) -> None:
        self.dialect = store.engine.dialect
        self.raw = store.engine.raw_connection()
        cur = self.raw.cursor()
        if self.dialect.name == "postgresql":  # what genealogy's graph_walk sets for its walks
            cur.execute("SET enable_mergejoin = off")
            cur.execute("SET enable_hashjoin = off")
        self.backward = self._compiled(genealogy._backward_statement(False, False))
        self.forward = self._compiled(genealogy._forward_reach_statement(False))
        self.containers = self._compiled(genealogy._containers_statement(self.dialect.name))

    def _compiled(self, stmt: Any) -> tuple[str, Any]:
        c = stmt.compile(dialect=self.dialect)
        return str(c), c

    def _run(self, compiled: tuple[str, Any], params: dict) -> list:
        sql, c = compiled
        full = c.construct_params(params)  # the statement's own literals (e.g. a kind) included
        args = tuple(full[k] for k in c.positiontup) if c.positional else full
        cur = self.raw.cursor()
        cur.execute(sql, args)
        return cur.fetchall()

    def trace_backward(self, serial: str) -> int:
        return len(self._run(self.backward, {"serial": serial}))

    def trace_forward(self, lot: str) -> int:
        units = self._run(self.forward, {"lot": lot})
        ids = [r[0] for r in units]
        if not ids:
            return 0
        # The containers up to shipments, as forward does (SQLite: the id list expanded per call).
        sql, c = self.containers
        if c.positional:
            st = c.construct_expanded_state({"unit_ids": ids})
            sql, args = st.statement, tuple(st.parameters[k] for k in st.positiontup)
        else:
            args = c.construct_params({"unit_ids": ids})
        cur = self.raw.cursor()
        cur.execute(sql, args)
        cur.fetchall()
        return len(units)

    def close(self) -> None:
        self.raw.rollback()
        self.raw.close()


def _sample(store: Store, prefix: str, samples: int, seed: int) -> tuple[list[str], list[str]]:
    with store.read() as session:
        serials = list(session.scalars(select(Unit.serial).where(Unit.serial.like(f"{prefix}-PRD-%"))))
        lots = list(session.scalars(select(MaterialLot.lot_code).where(
            MaterialLot.lot_code.like(f"{prefix}-R%"))))
    if not serials or not lots:
        return [], []
    rnd = random.Random(seed)
    return [rnd.choice(serials) for _ in range(samples)], [rnd.choice(lots) for _ in range(samples)]


def bench(url: str, prefix: str, units: int, placements: int, samples: int, page: int) -> list[dict]:
    store = Store(make_engine(url))
    schema.upgrade(store.engine)
    serials, lots = _sample(store, prefix, 1, 0)
    if not serials:
        plant = generate(store, units, prefix=prefix, placements=placements)
        print(f"generated {plant.products} products, {plant.installations} installations "
              f"in {plant.seconds:.1f} s")
    if store.dialect == "postgresql":
        with store.engine.connect() as conn:  # fresh bulk rows have no statistics yet
            conn.execute(text("ANALYZE"))
            conn.commit()
    serials, lots = _sample(store, prefix, samples, 7)
    # The gateway in a process of its own, as deployed: the client does not share its interpreter
    # lock. Auth off: a checked key is cached for seconds, so it would add a constant, not the
    # trace. Relay off (server_process's default): the generator leaves its events in the outbox
    # (in a plant a relay keeps up), and a gateway draining that backlog would be measured instead.
    with store.engine.connect() as conn:
        backlog = conn.execute(text("SELECT count(*) FROM outbox_event WHERE status = 'pending'")).scalar()
    print(f"outbox backlog left to a relay (not drained by the measured gateway): {backlog} events")
    reached: list[int] = []
    env = {"TRACEBRIDGE_DATABASE_URL": url, "TRACEBRIDGE_AUTH_REQUIRED": "false"}
    try:
        with server_process(env) as gateway, httpx.Client(base_url=gateway.base, timeout=120) as client:
            def ask(query: str, **variables: object) -> dict:
                body = client.post("/graphql", json={"query": query, "variables": variables}).json()
                assert not body.get("errors"), body["errors"]
                return body["data"]

            ask(BACKWARD, serial=serials[0])  # warm up plans and connections
            ask(FORWARD, lot=lots[0], first=page)
            floor = timed(samples, lambda i: ask("{ __typename }"))
            gql_back = timed(samples, lambda i: ask(BACKWARD, serial=serials[i]))
            gql_fwd = timed(samples, lambda i: ask(FORWARD, lot=lots[i], first=page))
            print(f"GraphQL floor, {{ __typename }} over HTTP: p50 {statistics.median(floor):.2f} ms, "
                  f"p99 {pct(floor, 0.99):.2f} ms; gateway process peak {gateway.peak_mb():.0f} MB")
        bare = BareSql(store)
        try:
            bare.trace_backward(serials[0])
            bare.trace_forward(lots[0])
            sql_back = timed(samples, lambda i: bare.trace_backward(serials[i]))
            sql_fwd = timed(samples, lambda i: reached.append(bare.trace_forward(lots[i])))
        finally:
            bare.close()
    finally:
        store.dispose()
    rows = []
    for name, gql, sql in (("backward", gql_back, sql_back), ("forward", gql_fwd, sql_fwd)):
        rows.append({"store": store.dialect, "trace": name, "gql_p50": statistics.median(gql),
                     "gql_p99": pct(gql, 0.99), "sql_p50": statistics.median(sql), "sql_p99": pct(sql, 0.99),
                     "ratio": statistics.median(gql) / max(statistics.median(sql), 1e-9)})
    print(f"forward: units reached per lot median {statistics.median(reached):.0f}, max {max(reached)}")
    return rows


def table(rows: list[dict], out: Callable[[str], None] = print) -> None:
    out(f"{'store':<11}{'trace':<10}{'GraphQL p50':>12}{'p99':>9}{'bare SQL p50':>14}{'p99':>9}"
        f"{'p50 ratio':>10}  (ms)")
    for r in rows:
        out(f"{r['store']:<11}{r['trace']:<10}{r['gql_p50']:>12.2f}{r['gql_p99']:>9.2f}{r['sql_p50']:>14.2f}"
            f"{r['sql_p99']:>9.2f}{r['ratio']:>10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", action="append", required=True)
    parser.add_argument("--prefix", default="G", help="the plant to trace (built if absent)")
    parser.add_argument("--units", type=int, default=2000, help="products to build if the plant is absent")
    parser.add_argument("--placements", type=int, default=20)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--page", type=int, default=100, help="traceForward first")
    args = parser.parse_args()
    rows = [r for url in args.database_url
            for r in bench(url, args.prefix, args.units, args.placements, args.samples, args.page)]
    table(rows)
    print(f"peak memory of this process: {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
