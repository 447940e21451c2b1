"""GraphQL trace latency over real HTTP: traceBackward and traceForward against a generated plant.

Per store: builds a plant with bench/generate.py (a unique prefix, so runs can share a database),
serves create_app with uvicorn on a free 127.0.0.1 port, and times each query from an httpx client,
next to the same genealogy call made directly on the store (what GraphQL adds on top).

    .venv/bin/python -m bench.graphql_trace --units 2000 --samples 200 \\
        --database-url sqlite:////tmp/bench-graphql.db \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import threading
import time
import uuid
from collections.abc import Callable

import httpx
import uvicorn

from bench.generate import generate
from gateway.app import create_app
from gateway.events.settings import EventsSettings
from gateway.graph.trace_reads import as_built, recall_scope
from gateway.security.settings import SecuritySettings
from gateway.settings import Settings
from traceability import schema
from traceability.database import Store, make_engine

BACKWARD = """query($serial: String!) { traceBackward(serial: $serial) {
  root { serial workOrder { number } }
  units { depth unit { serial } }
  materials { lotCode partNumber referenceDesignator station installedAt unit { serial } } } }"""
FORWARD = """query($lot: String!, $first: Int) { traceForward(lot: $lot, first: $first) {
  totalUnits
  units { edges { node { serial kind } } pageInfo { hasNextPage endCursor } }
  topLevel { serial } shipments { code customer } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(samples: int, call: Callable[[int], object]) -> list[float]:
    out = []
    for i in range(samples):
        t0 = time.perf_counter()
        call(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def line(name: str, ms: list[float], extra: str = "") -> str:
    ms = sorted(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return f"  {name:<34} p50 {statistics.median(ms):7.2f} ms   p99 {p99:7.2f} ms   n={len(ms)} {extra}"


def bench(url: str, units: int, placements: int, samples: int, page: int) -> None:
    store = Store(make_engine(url))
    schema.upgrade(store.engine)
    prefix = f"Q{uuid.uuid4().hex[:5].upper()}"
    plant = generate(store, units, prefix=prefix, placements=placements)
    if store.dialect == "postgresql":
        # Fresh bulk rows have no planner statistics until autovacuum gets to them; without them the
        # traces' recursive CTEs scan whole tables (seconds instead of milliseconds). A running
        # plant has them; SQLite is left without (ANALYZE slows its traces, see STACK-NOTES).
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    print(f"{store.dialect}: {plant.products} products, {plant.units} units, {plant.installations} "
          f"installations (this plant), {plant.reels} reels; generated in {plant.seconds:.1f} s")
    rnd = random.Random(7)
    serials = [rnd.choice(plant.serials) for _ in range(samples)]
    lots = [rnd.choice(plant.lots) for _ in range(samples)]

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(_open(url)), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            reached: list[int] = []

            def ask(query: str, **variables: object) -> dict:
                body = client.post("/graphql", json={"query": query, "variables": variables}).json()
                assert not body.get("errors"), body["errors"]
                return body["data"]

            ask(BACKWARD, serial=serials[0])  # warm up: plans, statement caches, connections
            ask(FORWARD, lot=lots[0], first=page)
            back = timed(samples, lambda i: ask(BACKWARD, serial=serials[i]))
            fwd = timed(samples, lambda i: reached.append(
                ask(FORWARD, lot=lots[i], first=page)["traceForward"]["totalUnits"]))
        with store.read() as session:  # what each request reads in its one thread hop
            raw_back = timed(samples, lambda i: as_built(session, serials[i], at=None, include_removed=False))
            raw_fwd = timed(samples, lambda i: recall_scope(
                session, lots[i], first=page, after_id=0, include_removed=False, with_page=True,
                with_top_level=True, with_containers=True))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.dispose()
    print(line("traceBackward (GraphQL over HTTP)", back))
    print(line("  as_built (direct, no GraphQL)", raw_back))
    print(line(f"traceForward first={page} (HTTP)", fwd,
               f"units reached: median {statistics.median(reached):.0f}, max {max(reached)}"))
    print(line("  recall_scope (direct, no GraphQL)", raw_fwd))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", action="append", required=True)
    parser.add_argument("--units", type=int, default=2000, help="finished products to generate")
    parser.add_argument("--placements", type=int, default=20)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--page", type=int, default=100, help="traceForward first")
    args = parser.parse_args()
    for url in args.database_url:
        bench(url, args.units, args.placements, args.samples, args.page)


def _open(url: str) -> Settings:
    """Auth off: the bench measures traces, not the guard (bench/security.py measures that). Relay
    off: the generated plant's events wait in the outbox, and draining them is not a trace."""
    return Settings(database_url=url, security=SecuritySettings(auth_required=False),
                    events=EventsSettings(relay=False))


if __name__ == "__main__":
    main()
