"""Route interlock latency: `POST /api/v1/units/{serial}/check` over real HTTP (uvicorn, keep-alive).

Fills the store with a generated plant (`bench.generate`: panels, placements, reels, boxes,
pallets, shipments) and a routed line on top of it: a released work order on a 7-step routing,
units at every depth of it (some failed AOI and were re-inspected), some boxed, reels loaded at
every station, holds on a few units, a box and a reel family (a containment case). Then asks the
check for random units, mostly at their next step, and prints p50/p90/p99/max over HTTP, the same
check in-process without HTTP, and a 20-unit batch (a CFX ValidateUnitsRequest's size).

    .venv/bin/python -m bench.interlock --database-url postgresql://postgres@127.0.0.1:5432/tb_bench_quality
The database is created when missing and migrated to head; each run writes under a fresh prefix.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
import psycopg
from sqlalchemy import func, select, text

from bench.generate import generate
from bench.serving import server_process
from quality.commands import ContainLot
from quality.interlock import UnitCheck, check_units
from traceability import commands as c
from traceability import credentials, schema
from traceability.database import Store, make_engine
from traceability.models import ComponentInstallation, Hold, Unit, UnitOperation

STEPS = ["PASTE", "SMT", "REFLOW", "AOI", "ICT", "FCT", "PACK"]
START = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def ensure_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def routed_line(store: Store, p: str, units: int, rnd: random.Random) -> list[tuple[str, int]]:
    """Units on a released order, each having passed its first `depth` steps: (serial, depth)."""
    with store.write() as s:
        for cmd in [c.DefinePart(part_number=f"{p}-RB", serialized=True),
                    c.DefinePart(part_number=f"{p}-RCAP"),
                    c.DefineRouting(part_number=f"{p}-RB", revision="A", operations=[
                        c.RoutingStep(sequence=10 * (i + 1), code=code, allow_repeat=code in ("AOI", "ICT"))
                        for i, code in enumerate(STEPS)]),
                    c.SyncWorkOrder(number=f"{p}-RWO", part_number=f"{p}-RB", quantity=units,
                                    routing_revision="A", status="released"),
                    c.ReceiveLot(lot=f"{p}-RCAP-LOT", part_number=f"{p}-RCAP", quantity=1e9)]:
            c.execute(s, cmd)
        for code in STEPS:
            for f in range(8):  # eight reels on every station, split from one lot
                reel = f"{p}-RREEL-{code}-{f}"
                c.execute(s, c.SplitLot(lot=f"{p}-RCAP-LOT", new_lot=reel, quantity=1000))
                c.execute(s, c.LoadMaterial(station=f"{p}-{code}-1", location=f"F{f}", lot=reel,
                                            loaded_at=START))
    serials = [f"{p}-R{i:06d}" for i in range(units)]
    out = []
    for chunk in range(0, units, 250):
        batch = serials[chunk:chunk + 250]
        with store.write() as s:
            c.execute(s, c.RegisterUnits(work_order=f"{p}-RWO", registered_at=START, units=[
                c.NewUnit(serial=x, part_number=f"{p}-RB", kind="board") for x in batch]))
            for k, serial in enumerate(batch):
                depth = rnd.randint(0, len(STEPS) - 1)
                at = START + timedelta(minutes=chunk + k)
                for j, code in enumerate(STEPS[:depth]):
                    results = ["fail", "pass"] if code == "AOI" and rnd.random() < 0.05 else ["pass"]
                    for n, result in enumerate(results):
                        t0 = at + timedelta(minutes=10 * j + n)
                        c.execute(s, c.RecordOperation(serial=serial, operation=code, station=f"{p}-{code}-1",
                                                       started_at=t0, completed_at=t0 + timedelta(seconds=30),
                                                       result=result))
                out.append((serial, depth))
            boxed = batch[:25]
            c.execute(s, c.Pack(container=f"{p}-RBOX-{chunk}", kind="box", packed_at=START,
                                items=[c.PackedItem(serial=x) for x in boxed]))
            c.execute(s, c.PlaceHold(target_kind="unit", target=batch[-1], reason="bench hold", by="bench"))
    with store.write() as s:
        c.execute(s, c.PlaceHold(target_kind="container", target=f"{p}-RBOX-0", reason="dropped", by="bench"))
    return out


def previous_line(store: Store) -> tuple[str, list[tuple[str, int]]]:
    """The newest routed line in the store: its prefix and (serial, steps passed) per unit."""
    with store.read() as s:
        last = s.scalar(select(Unit.serial).where(Unit.serial.like("QB%-R000000")).order_by(Unit.id.desc()))
        if last is None:
            raise SystemExit("no routed line in this database: run once without --reuse")
        prefix = last.removesuffix("-R000000")
        done = dict(s.execute(select(Unit.serial, func.count(func.distinct(UnitOperation.operation)))
                              .outerjoin(UnitOperation, UnitOperation.unit_id == Unit.id)
                              .where(Unit.serial.like(f"{prefix}-R%")).group_by(Unit.serial)).all())
    return prefix, [(serial, min(n, len(STEPS) - 1)) for serial, n in done.items()]


def quantiles_ms(samples: list[float]) -> dict[str, float]:
    ms = sorted(x * 1000 for x in samples)
    if len(ms) < 2:
        return dict.fromkeys(("p50", "p90", "p99", "max"), ms[0] if ms else 0.0)
    q = statistics.quantiles(ms, n=100)
    return {"p50": q[49], "p90": q[89], "p99": q[98], "max": ms[-1]}


def percentiles(samples: list[float]) -> str:
    q = quantiles_ms(samples)
    return "   ".join(f"{name} {q[name]:6.2f} ms" for name in ("p50", "p90", "p99", "max"))


@dataclass
class Timings:
    """Seconds per call of each measured path; the gateway process's CPU and peak memory."""

    health: list[float] = field(default_factory=list)  # the HTTP floor: GET /health
    http: list[float] = field(default_factory=list)  # POST /api/v1/units/{serial}/check
    ping: list[float] = field(default_factory=list)  # the database floor: a session, SELECT 1
    direct: list[float] = field(default_factory=list)  # the check in-process, no HTTP
    batch: list[float] = field(default_factory=list)  # 20 units in-process
    go: int = 0
    server_cpu_ms: dict[str, float] = field(default_factory=dict)  # per request, by route
    server_peak_mb: float = 0.0


def prepare(store: Store, *, products: int, routed: int, seed: int, reuse: bool,
            ) -> tuple[str, list[tuple[str, int]]]:
    """The generated plant and the routed line on top (or the newest one, with `reuse`)."""
    if reuse:
        return previous_line(store)
    prefix = f"QB{uuid.uuid4().hex[:6].upper()}"
    gen = generate(store, products, seed=seed, prefix=prefix)
    with store.write() as s:
        c.execute(s, ContainLot(lot=gen.lots[0], reason="bench containment", by="bench"))
    units = routed_line(store, prefix, routed, random.Random(seed))
    if store.dialect == "postgresql":  # planner statistics, as autovacuum keeps them in production
        with store.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return prefix, units


def requests(prefix: str, units: list[tuple[str, int]], rnd: random.Random) -> Iterator[tuple[str, dict]]:
    """Endless (serial, body): a random unit, at its next step 80% of the time."""
    while True:
        serial, depth = rnd.choice(units)
        step = STEPS[depth] if rnd.random() < 0.8 else rnd.choice(STEPS)
        yield serial, {"station": f"{prefix}-{step}-1", "operation": step}


def over_http(url: str, prefix: str, units: list[tuple[str, int]], checks: int, rnd: random.Random,
              out: Timings, *, key: str | None = None) -> None:
    """GET /health, then the check, against a gateway in its own process (as deployed), keep-alive."""
    env = {"TRACEBRIDGE_DATABASE_URL": url, "TRACEBRIDGE_AUTH_REQUIRED": "true" if key else "false",
           # The check is a POST, so the guard counts it as a write: lift the per-credential write
           # rate so the bench measures the check, not the token bucket (see docs/BENCHMARKS.md 5).
           "TRACEBRIDGE_WRITE_RATE_PER_SECOND": "1000000", "TRACEBRIDGE_WRITE_BURST": "1000000"}
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    asks = requests(prefix, units, rnd)
    with server_process(env) as server, \
            httpx.Client(base_url=server.base, timeout=10, headers=headers) as client:
        for _ in range(min(200, checks)):  # warm the pool, the statement and key caches
            client.get("/health").raise_for_status()
            serial, body = next(asks)
            client.post(f"/api/v1/units/{serial}/check", json=body).raise_for_status()
        cpu = server.cpu_seconds()
        for _ in range(max(1, checks // 2)):
            t = time.perf_counter()
            client.get("/health").raise_for_status()
            out.health.append(time.perf_counter() - t)
        out.server_cpu_ms["health"] = (server.cpu_seconds() - cpu) * 1000 / len(out.health)
        cpu = server.cpu_seconds()
        for _ in range(checks):
            serial, body = next(asks)
            t = time.perf_counter()
            answer = client.post(f"/api/v1/units/{serial}/check", json=body)
            out.http.append(time.perf_counter() - t)
            answer.raise_for_status()
            out.go += answer.json()["go"]
        out.server_cpu_ms["check"] = (server.cpu_seconds() - cpu) * 1000 / len(out.http)
        out.server_peak_mb = server.peak_mb()


def in_process(store: Store, prefix: str, units: list[tuple[str, int]], checks: int, rnd: random.Random,
               out: Timings) -> None:
    """The database floor, the check without HTTP, and batches of 20 (a CFX ValidateUnitsRequest)."""
    asks = requests(prefix, units, rnd)
    warm = min(200, checks)
    for _ in range(max(1, checks // 2)):
        t = time.perf_counter()
        store.query(lambda s: s.execute(text("SELECT 1")).all())
        out.ping.append(time.perf_counter() - t)
    for i in range(checks + warm):
        serial, body = next(asks)
        asked = [UnitCheck(serial, body["station"], body["operation"])]
        t = time.perf_counter()
        store.query(partial(check_units, requests=asked))  # as the route reads
        if i >= warm:
            out.direct.append(time.perf_counter() - t)
    for _ in range(max(1, checks // 10)):
        reqs = [UnitCheck(serial, b["station"], b["operation"])
                for serial, b in (next(asks) for _ in range(20))]
        t = time.perf_counter()
        store.query(partial(check_units, requests=reqs))
        out.batch.append(time.perf_counter() - t)


def run(url: str, *, products: int, routed: int, checks: int, seed: int = 1, reuse: bool = False,
        auth: bool = False) -> Timings:
    """Build (or reuse) the line, then time the check over HTTP and in-process."""
    ensure_database(url)
    store = Store(make_engine(url))
    try:
        schema.upgrade(store.engine)
        t0 = time.perf_counter()
        prefix, units = prepare(store, products=products, routed=routed, seed=seed, reuse=reuse)
        with store.read() as s:
            counts = {t.__tablename__: s.scalar(select(func.count()).select_from(t))
                      for t in (Unit, ComponentInstallation, UnitOperation, Hold)}
        print(f"dataset on {store.dialect}: {counts['unit']} units, {counts['component_installation']} "
              f"installations, {counts['unit_operation']} operations, {counts['hold']} holds; "
              f"{len(units)} routed units ({prefix}); ready in {time.perf_counter() - t0:.0f} s")
        key = None
        if auth:
            with store.write() as s:
                _, key = credentials.create_key(s, name=f"{prefix}-station", scopes=["quality:write"])
        rnd = random.Random(seed)
        out = Timings()
        over_http(url, prefix, units, checks, rnd, out, key=key)
        in_process(store, prefix, units, checks, rnd, out)
        return out
    finally:
        store.dispose()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(t: Timings, *, auth: bool) -> None:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    cpu = t.server_cpu_ms
    print(f"floor: GET /health over HTTP, {len(t.health)} requests "
          f"(gateway CPU {cpu['health']:.2f} ms each):")
    print(f"  {percentiles(t.health)}")
    print(f"floor: session with SELECT 1, {len(t.ping)} calls:")
    print(f"  {percentiles(t.ping)}")
    who = "a cached API key" if auth else "auth off"
    print(f"check over HTTP (gateway process, keep-alive, {who}), {len(t.http)} requests, {t.go} go "
          f"(gateway CPU {cpu['check']:.2f} ms each):")
    print(f"  {percentiles(t.http)}")
    print(f"check in-process (session + 2 statements), {len(t.direct)} calls:")
    print(f"  {percentiles(t.direct)}")
    print(f"batch of 20 units in-process, {len(t.batch)} calls:")
    print(f"  {percentiles(t.batch)}")
    print(f"peak memory: gateway process {t.server_peak_mb:.0f} MB, bench process {peak_mb():.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/tb_bench_quality")
    ap.add_argument("--products", type=int, default=10_000, help="generated plant size (bench.generate)")
    ap.add_argument("--routed", type=int, default=5_000, help="units on the routed line")
    ap.add_argument("--checks", type=int, default=3_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse", action="store_true", help="measure on the routed line a previous run built")
    ap.add_argument("--auth", action="store_true", help="the station presents an API key (the guard on)")
    args = ap.parse_args()
    t = run(args.database_url, products=args.products, routed=args.routed, checks=args.checks,
            seed=args.seed, reuse=args.reuse, auth=args.auth)
    report(t, auth=args.auth)


if __name__ == "__main__":
    main()
