"""The EPCIS capture stream, measured: what the recording triggers cost the writes, and how fast the
stream publishes a history (confirmed by RabbitMQ).

Each run builds the `bench.standards` plant (`--units` products, 4-up panels, `--designators`
components per board, every operation recorded) twice on fresh databases: once as migrated (with
the recording triggers of 0018_epcis_stream), once with the triggers dropped, and inserts each
one's installation rows again with `executemany` (the insert path the triggers sit on); then
streams the first one's whole history to a bench exchange with a queue bound to it. Prints each run and the
median of `--runs`.

    python -m bench.epcis_stream --units 400 --database-url sqlite \
        --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pika
import psycopg
from sqlalchemy import insert, select, text

from bench.standards import build
from gateway.events.amqp_publisher import AmqpPublisher
from integrations.epcis.settings import EpcisSettings
from integrations.epcis.stream import EpcisStream
from traceability import schema
from traceability.database import Store, make_engine
from traceability.history import recording
from traceability.models import ComponentInstallation


@contextmanager
def fresh(url: str) -> Iterator[str]:
    """A new empty database: a temporary SQLite file, or a database on the PostgreSQL server of `url`."""
    if url.startswith("sqlite"):  # "sqlite" or any SQLite URL: each run gets its own file
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    name = f"tb_bench_epcis_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_triggers(store: Store) -> None:
    tables = {c.table.name for c in recording.COLUMNS}
    with store.write() as s:
        for table in tables:
            if store.engine.dialect.name == "postgresql":
                s.execute(text(f"DROP TRIGGER tb_{table}_recorded ON {table}"))
            else:
                for (name,) in s.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                              "AND tbl_name = :t"), {"t": table}).all():
                    s.execute(text(f"DROP TRIGGER {name}"))


def timed_build(url: str, units: int, designators: int, *, triggers: bool) -> tuple[float, Store]:
    """(seconds to build the plant through the commands, the store)."""
    store = Store(make_engine(url))
    schema.upgrade(store.engine)
    if not triggers:
        drop_triggers(store)
    t0 = time.perf_counter()
    build(store, "EB", units, designators)
    return time.perf_counter() - t0, store


def raw_inserts(store: Store, batch: int = 5000) -> float:
    """The plant's installation rows inserted again with `executemany`, `batch` per transaction:
    the insert path the triggers sit on, without the commands around it. Rows/s."""
    table = ComponentInstallation.__table__
    with store.read() as session:
        rows = [dict(r._mapping) for r in session.execute(select(table).order_by(table.c.id))]
    for r in rows:
        del r["id"]
    started = time.perf_counter()
    for first in range(0, len(rows), batch):
        with store.write() as session:
            session.execute(insert(table), rows[first:first + batch])
    return len(rows) / (time.perf_counter() - started)


def stream(store: Store, amqp_url: str, batch: int) -> tuple[int, float, int]:
    exchange = f"tb.bench.epcis.{uuid.uuid4().hex[:8]}"
    conn = pika.BlockingConnection(pika.URLParameters(amqp_url))
    ch = conn.channel()
    ch.exchange_declare(exchange, exchange_type="topic", durable=True)
    queue = ch.queue_declare("", exclusive=True).method.queue
    ch.queue_bind(queue, exchange, routing_key="epcis.#")
    publisher = AmqpPublisher(amqp_url, exchange).start()
    try:
        assert publisher.wait_ready(30), "broker not reachable"
        runner = EpcisStream(store, publisher, EpcisSettings(stream_batch=batch))
        t0 = time.perf_counter()
        sent = runner.drain()
        elapsed = time.perf_counter() - t0
        queued = ch.queue_declare(queue, passive=True).method.message_count
    finally:
        publisher.close()
        ch.exchange_delete(exchange)
        conn.close()
    return sent, elapsed, queued


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=400)
    parser.add_argument("--designators", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database-url", action="append", default=[],
                        help="'sqlite' (or a SQLite URL) or a PostgreSQL server URL (a new database per run)")
    parser.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/%2F")
    args = parser.parse_args()
    for url in args.database_url or ["sqlite"]:
        rows = []
        for run in range(1, args.runs + 1):
            with fresh(url) as plain_url:
                plain, plain_store = timed_build(plain_url, args.units, args.designators, triggers=False)
                plain_raw = raw_inserts(plain_store)
                plain_store.dispose()
            with fresh(url) as db_url:
                built, store = timed_build(db_url, args.units, args.designators, triggers=True)
                sent, elapsed, queued = stream(store, args.amqp_url, args.batch)
                raw = raw_inserts(store)  # after the stream: the copies would join its groups
                dialect = store.engine.dialect.name
                store.dispose()
            rows.append((built, plain, raw, plain_raw, sent / elapsed))
            print(f"{dialect:<10} run {run}: build {built:.1f}s with triggers, {plain:.1f}s without "
                  f"({(built / plain - 1) * 100:+.0f}%); raw installation inserts {raw:.0f} rows/s with, "
                  f"{plain_raw:.0f} without ({(raw / plain_raw - 1) * 100:+.0f}%); stream {sent} events "
                  f"in {elapsed:.2f}s = {sent / elapsed:.0f} events/s confirmed, {queued} queued", flush=True)
        b, p, rw, prw, r = (statistics.median(x) for x in zip(*rows, strict=True))
        print(f"{dialect:<10} median of {len(rows)}: build {b:.1f}s with triggers vs {p:.1f}s without "
              f"({(b / p - 1) * 100:+.0f}%), raw inserts {rw:.0f} vs {prw:.0f} rows/s "
              f"({(rw / prw - 1) * 100:+.0f}%), stream {r:.0f} events/s")


if __name__ == "__main__":
    main()
