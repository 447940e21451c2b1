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
import socket
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import uvicorn
from sqlalchemy import func, select, text

from bench.generate import generate
from gateway.app import create_app
from gateway.settings import Settings
from quality.commands import ContainLot
from quality.interlock import UnitCheck, check_units
from traceability import commands as c
from traceability import schema
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentiles(samples: list[float]) -> str:
    ms = sorted(x * 1000 for x in samples)
    q = statistics.quantiles(ms, n=100)
    return f"p50 {q[49]:6.2f} ms   p90 {q[89]:6.2f} ms   p99 {q[98]:6.2f} ms   max {ms[-1]:6.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/tb_bench_quality")
    ap.add_argument("--products", type=int, default=10_000, help="generated plant size (bench.generate)")
    ap.add_argument("--routed", type=int, default=5_000, help="units on the routed line")
    ap.add_argument("--checks", type=int, default=3_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse", action="store_true", help="measure on the routed line a previous run built")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    prefix = f"QB{uuid.uuid4().hex[:6].upper()}"
    ensure_database(args.database_url)
    store = Store(make_engine(args.database_url))
    schema.upgrade(store.engine)
    t0 = time.perf_counter()
    if args.reuse:
        prefix, units = previous_line(store)
    else:
        gen = generate(store, args.products, seed=args.seed, prefix=prefix)
        with store.write() as s:
            c.execute(s, ContainLot(lot=gen.lots[0], reason="bench containment", by="bench"))
        units = routed_line(store, prefix, args.routed, rnd)
    if store.dialect == "postgresql":  # planner statistics, as autovacuum keeps them in production
        with store.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    with store.read() as s:
        counts = {t.__tablename__: s.scalar(select(func.count()).select_from(t))
                  for t in (Unit, ComponentInstallation, UnitOperation, Hold)}
    print(f"dataset on {store.dialect}: {counts['unit']} units, {counts['component_installation']} "
          f"installations, {counts['unit_operation']} operations, {counts['hold']} holds; "
          f"{len(units)} routed units ({prefix}); ready in {time.perf_counter() - t0:.0f} s")

    def request() -> tuple[str, dict]:
        serial, depth = rnd.choice(units)
        step = STEPS[depth] if rnd.random() < 0.8 else rnd.choice(STEPS)
        return serial, {"station": f"{prefix}-{step}-1", "operation": step}

    port = free_port()
    app = create_app(Settings(database_url=args.database_url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):  # bounded wait for startup
        if server.started:
            break
        time.sleep(0.05)
    http, floor, go = [], [], 0
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for _ in range(args.checks // 2):  # the HTTP floor: a route that does nothing
                t = time.perf_counter()
                client.get("/health").raise_for_status()
                floor.append(time.perf_counter() - t)
            for i in range(args.checks + 200):
                serial, body = request()
                t = time.perf_counter()
                answer = client.post(f"/api/v1/units/{serial}/check", json=body)
                elapsed = time.perf_counter() - t
                answer.raise_for_status()
                if i >= 200:  # the first requests warm the pool and the statement caches
                    http.append(elapsed)
                    go += answer.json()["go"]
    finally:
        server.should_exit = True
        thread.join(10)
    direct, batch, ping = [], [], []
    for _ in range(args.checks // 2):  # the database floor: a session with one trivial statement
        t = time.perf_counter()
        with store.read() as s:
            s.execute(text("SELECT 1")).all()
        ping.append(time.perf_counter() - t)
    for i in range(args.checks + 200):
        serial, body = request()
        t = time.perf_counter()
        with store.read() as s:
            check_units(s, [UnitCheck(serial, body["station"], body["operation"])])
            s.commit()  # as the route does: keeps psycopg's prepared statements
        if i >= 200:
            direct.append(time.perf_counter() - t)
    for _ in range(300):
        reqs = [UnitCheck(serial, b["station"], b["operation"])
                for serial, b in (request() for _ in range(20))]
        t = time.perf_counter()
        with store.read() as s:
            check_units(s, reqs)
            s.commit()
        batch.append(time.perf_counter() - t)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"floor: GET /health over HTTP, {len(floor)} requests:")
    print(f"  {percentiles(floor)}")
    print(f"floor: session with SELECT 1, {len(ping)} calls:")
    print(f"  {percentiles(ping)}")
    print(f"check over HTTP (uvicorn, keep-alive), {len(http)} requests, {go} go:")
    print(f"  {percentiles(http)}")
    print(f"check in-process (session + 2 statements), {len(direct)} calls:")
    print(f"  {percentiles(direct)}")
    print(f"batch of 20 units in-process, {len(batch)} calls:")
    print(f"  {percentiles(batch)}")
    store.dispose()


if __name__ == "__main__":
    main()
