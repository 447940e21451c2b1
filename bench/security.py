"""What security costs: the guard per request, the audit entry per command, sealing and verifying.

Prints, per store:
- guard: microseconds per request through the guard middleware in front of a bare ASGI app, with
  auth off, with a cached API key, and with the key looked up every time (cache 0 s);
- commands/s with the audit entry (ReportDeviceStatus, one command per transaction), next to the
  same commands' raw INSERT of one audit row each, to show what the entry adds;
- sealing and verifying: entries/s.

    .venv/bin/python -m bench.security --commands 2000 \\
        --database-url sqlite:////tmp/bench-sec.db --database-url postgresql://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from gateway.security.guard import Guard
from gateway.security.settings import SecuritySettings
from gateway.settings import Settings
from traceability import audit, credentials, schema
from traceability import commands as c
from traceability.database import Store, make_engine


async def _bare(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def guard_us(store: Store, *, auth: bool, cache: float, key: str, n: int) -> float:
    settings = Settings(database_url=str(store.engine.url),
                        security=SecuritySettings(auth_required=auth, auth_cache_seconds=cache))
    guard = Guard(_bare, settings=settings, store=lambda: store)
    scope = {"type": "http", "method": "GET", "path": "/api/v1/devices", "query_string": b"",
             "headers": [(b"authorization", f"Bearer {key}".encode())]}

    async def receive():  # type: ignore[no-untyped-def]
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses: list[int] = []

    async def send(message) -> None:  # type: ignore[no-untyped-def]
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def run() -> float:
        await guard(scope, receive, send)  # warm the cache
        t0 = time.perf_counter()
        for _ in range(n):
            await guard(scope, receive, send)
        return (time.perf_counter() - t0) / n * 1e6

    us = asyncio.run(run())
    assert set(statuses) == {200}, statuses
    return us


def commands_per_s(store: Store, run: str, n: int, batch: int = 100) -> tuple[float, float]:
    """Alternate batches with and without the audit entry so machine load hits both alike."""
    record = audit.record
    spent = {True: 0.0, False: 0.0}
    done = {True: 0, False: 0}
    for b in range(max(2, n // batch)):
        on = b % 2 == 0
        audit.record = record if on else (lambda *a, **k: None)  # bench only: the cost of one row
        t0 = time.perf_counter()
        for i in range(batch):
            with store.write() as session:
                c.execute(session, c.ReportDeviceStatus(source=f"B{run}-{i % 50}", kind="cfx", messages=1),
                          source="bench", message_id=f"{run}-{b}-{i}", actor="key:bench:x")
        spent[on] += time.perf_counter() - t0
        done[on] += batch
    audit.record = record
    return done[True] / spent[True], done[False] / spent[False]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", action="append", default=[])
    ap.add_argument("--commands", type=int, default=2000)
    ap.add_argument("--requests", type=int, default=5000)
    args = ap.parse_args()
    for url in args.database_url or ["sqlite:////tmp/bench-security.db"]:
        store = Store(make_engine(url))
        schema.upgrade(store.engine)
        with store.write() as session:
            _, key = credentials.create_key(session, name="bench", scopes=["admin"])
        print(f"== {store.dialect}")
        for label, auth, cache, n in (("auth off", False, 5.0, args.requests),
                                      ("API key, cached", True, 5.0, args.requests),
                                      ("API key, looked up each time", True, 0.0, args.requests // 10)):
            print(f"guard, {label}: {guard_us(store, auth=auth, cache=cache, key=key, n=n):.1f} us/request")
        run = uuid.uuid4().hex[:6]
        audit.seal_all(store)
        with_audit, without = commands_per_s(store, run, args.commands)
        print(f"commands, one per transaction: {with_audit:.0f}/s with the audit entry, {without:.0f}/s "
              f"with audit.record switched off (same run, alternating batches)")
        t0 = time.perf_counter()
        sealed = audit.seal_all(store)
        print(f"seal: {sealed} entries in {time.perf_counter() - t0:.2f} s "
              f"({sealed / (time.perf_counter() - t0):.0f} entries/s)")
        with store.read() as session:
            t0 = time.perf_counter()
            result = audit.verify(session)
            took = time.perf_counter() - t0
        print(f"verify: {result.entries} entries in {took:.2f} s ({result.entries / took:.0f} entries/s), "
              f"ok={result.ok}")
        store.dispose()


if __name__ == "__main__":
    main()
