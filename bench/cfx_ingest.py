"""CFX ingestion throughput: N MaterialsInstalled messages through RabbitMQ into the store.

Per store, prints installations/s through the real path (published to a topic exchange, consumed
by `CfxConsumer`: parse, translate, attribute each feeder location to the reel loaded there,
insert, ack after commit) next to the raw rate of the very rows it stored, inserted again in the
same batches (one transaction per batch) into the same database, and their ratio. The raw insert
is the best the store offers: on SQLite the driver's `executemany` of the stored values, on
PostgreSQL `COPY`. Also shown: SQLAlchemy Core `executemany` of the same rows (the statement the
store's own insert uses, with its per-row parameter processing), for comparison with older figures,
and the CPU ratio: the raw insert's CPU seconds over the consumer thread's, in this process only, so
it means something on SQLite (whose work runs in-process) and is steadier than wall clock on a busy
machine.

    .venv/bin/python -m bench.cfx_ingest --messages 400 --components 50 \\
        --database-url sqlite:////tmp/cfx-bench.db \\
        --database-url postgresql://postgres@127.0.0.1:5432/cfx_bench

Each run uses unique serials, lots, a unique exchange and queue (deleted afterwards); the databases
are migrated to head. Needs RabbitMQ (--amqp-url).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pika
from sqlalchemy import func, insert, select

from devices.cfx.consumer import CfxConsumer, declare
from devices.cfx.settings import CfxSettings
from traceability import commands as c
from traceability import schema
from traceability.database import Store, make_engine
from traceability.models import ComponentInstallation

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
FEEDERS = 24


def prepare(store: Store, p: str, messages: int) -> None:
    """Parts, one reel per feeder loaded on the machine, and the units the messages install into."""
    with store.write() as session:
        c.execute(session, c.DefinePart(part_number=f"{p}-PRD", serialized=True))
        for f in range(FEEDERS):
            c.execute(session, c.DefinePart(part_number=f"{p}-P{f}"))
            c.execute(session, c.ReceiveLot(lot=f"{p}-R{f}", part_number=f"{p}-P{f}", quantity=10**6))
            c.execute(session, c.LoadMaterial(station=f"{p}.SMT", location=f"F{f}", lot=f"{p}-R{f}",
                                              loaded_at=T0))
        c.execute(session, c.RegisterUnits(units=[c.NewUnit(serial=f"{p}-U{i}", part_number=f"{p}-PRD")
                                                  for i in range(messages)]))


def message(p: str, i: int, components: int) -> bytes:
    at = T0 + timedelta(seconds=10 + i)
    # As CFX groups them: one InstalledMaterial per feeder, with the designators placed from it.
    mats = [{"UnitIdentifier": f"{p}-U{i}", "QuantityInstalled": len(range(f, components, FEEDERS)),
             "Material": {"InternalPartNumber": f"{p}-P{f}"},
             "CarrierLocation": {"LocationIdentifier": f"F{f}", "LocationName": f"SLOT{f}"},
             "InstalledComponents": [{"ReferenceDesignator": f"C{n}", "InstallationTime": at.isoformat()}
                                     for n in range(f, components, FEEDERS)]}
            for f in range(min(FEEDERS, components))]
    return json.dumps({"MessageName": "CFX.Production.Assembly.MaterialsInstalled", "Version": "2.1",
                       "TimeStamp": at.isoformat(), "UniqueID": str(uuid.uuid4()), "Source": f"{p}.SMT",
                       "Target": None, "RequestID": None,
                       "MessageBody": {"TransactionId": None, "InstalledMaterials": mats}}).encode()


def real_path(store: Store, amqp_url: str, p: str, messages: int, components: int,
              settings: CfxSettings, *, timeout: float = 3600,
              cpu: list[float] | None = None) -> tuple[float, float]:
    """(publish seconds, consume seconds until every message is committed and acked). `cpu` gets the
    consumer thread's CPU seconds appended (on SQLite that includes the database's own work)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    declare(channel, settings)
    started = time.perf_counter()
    for i in range(messages):
        channel.basic_publish(settings.exchange, "CFX.Production.Assembly.MaterialsInstalled",
                              message(p, i, components), pika.BasicProperties(delivery_mode=2))
    published = time.perf_counter() - started
    consumer = CfxConsumer(store, amqp_url, settings, sweep_interval_s=3600)
    done = threading.Event()

    used = [0.0]

    def count(_: int) -> None:
        used[0] = time.thread_time()  # this thread's CPU since it started
        if consumer.stats.messages >= messages:
            done.set()

    thread = threading.Thread(target=consumer.run, kwargs={"on_batch": count}, daemon=True)
    started = time.perf_counter()
    thread.start()
    limit = time.monotonic() + timeout
    while not done.wait(0.5) and time.monotonic() < limit:
        if not thread.is_alive():
            raise SystemExit("the consumer stopped; see its error above")
    consumed = time.perf_counter() - started
    consumer.stop.set()
    thread.join(timeout=60)
    if cpu is not None:
        cpu.append(used[0])
    channel.queue_delete(settings.queue)
    channel.exchange_delete(settings.exchange)
    connection.close()
    return published, consumed


def _consumer_process(url: str, amqp_url: str, settings: CfxSettings, go: Any, stop: Any,
                      peaks: Any) -> None:
    """One consumer process (its own engine and connection) until the parent says stop. It waits
    for `go`, so the clock does not count the interpreter's start-up and imports."""
    store = Store(make_engine(url))
    consumer = CfxConsumer(store, amqp_url, settings, sweep_interval_s=3600)
    thread = threading.Thread(target=consumer.run, daemon=True)
    peaks.put("ready")
    go.wait(120)
    thread.start()
    while not stop.wait(0.2) and thread.is_alive():
        pass
    consumer.stop.set()
    thread.join(timeout=60)
    store.dispose()
    peaks.put(peak_mb())


def real_path_processes(store: Store, url: str, amqp_url: str, p: str, messages: int, components: int,
                        settings: CfxSettings, processes: int, *,
                        timeout: float = 3600) -> tuple[float, list[float]]:
    """Messages published first, then `processes` consumers on the one queue; (seconds until every
    row is in the store, each consumer's peak memory in MB)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    declare(channel, settings)
    for i in range(messages):
        channel.basic_publish(settings.exchange, "CFX.Production.Assembly.MaterialsInstalled",
                              message(p, i, components), pika.BasicProperties(delivery_mode=2))
    ctx = multiprocessing.get_context("spawn")  # no engine or socket inherited from this process
    go, stop, peaks = ctx.Event(), ctx.Event(), ctx.Queue()
    table = ComponentInstallation.__table__
    count = select(func.count()).select_from(table).where(table.c.station == f"{p}.SMT")
    workers = [ctx.Process(target=_consumer_process, args=(url, amqp_url, settings, go, stop, peaks))
               for _ in range(processes)]
    for w in workers:
        w.start()
    for _ in workers:
        peaks.get(timeout=120)  # "ready"
    started = time.perf_counter()
    go.set()
    limit = time.monotonic() + timeout
    with store.engine.connect() as conn:
        while (conn.execute(count).scalar() or 0) < messages * components and time.monotonic() < limit:
            conn.rollback()
            time.sleep(0.1)
    consumed = time.perf_counter() - started
    stop.set()
    mbs = [peaks.get(timeout=90) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    channel.queue_delete(settings.queue)
    channel.exchange_delete(settings.exchange)
    connection.close()
    return consumed, mbs


def peak_mb() -> float:
    """This process's peak resident memory (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw_path(store: Store, p: str, messages: int, components: int, batch: int) -> tuple[float, int]:
    """The very rows the real path stored, read back as the driver returns them and inserted again
    in the same batches (one transaction per batch) the fastest way the store has: SQLite's
    `executemany`, PostgreSQL's `COPY`. Returns (seconds, rows)."""
    table = ComponentInstallation.__table__
    columns = [c.name for c in table.columns if c.name != "id"]
    names = ", ".join(columns)
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        mark = "?" if store.dialect == "sqlite" else "%s"
        cur.execute(f"SELECT {names} FROM {table.name} WHERE station = {mark} ORDER BY id LIMIT {mark}",
                    (f"{p}.SMT", messages * components))
        rows = cur.fetchall()
        raw.commit()
        statement = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join([mark] * len(columns))})"
        per_batch = batch * components
        started = time.perf_counter()
        for first in range(0, len(rows), per_batch):
            chunk = rows[first:first + per_batch]
            if store.dialect == "postgresql":
                with cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                cur.execute("BEGIN IMMEDIATE")
                cur.executemany(statement, chunk)
            raw.commit()
        return time.perf_counter() - started, len(rows)
    finally:
        raw.close()


def raw_core_path(store: Store, p: str, messages: int, components: int, batch: int) -> tuple[float, int]:
    """The same rows through SQLAlchemy Core `insert` + `executemany` (as the store's own insert
    runs, bind processors included), in the same batches. Returns (seconds, rows)."""
    table = ComponentInstallation.__table__
    with store.read() as session:
        rows = [dict(r._mapping) for r in session.execute(
            select(table).where(table.c.station == f"{p}.SMT").order_by(table.c.id)
            .limit(messages * components))]
    for r in rows:
        del r["id"]
    per_batch = batch * components
    started = time.perf_counter()
    for first in range(0, len(rows), per_batch):
        with store.write() as session:
            session.execute(insert(table), rows[first:first + per_batch])
    return time.perf_counter() - started, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", action="append", required=True)
    parser.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/%2F")
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--components", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--prefetch", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3, help="real and raw alternate; the median is shown")
    parser.add_argument("--processes", type=int, nargs="*", default=[],
                        help="also run the real path with this many consumer processes (e.g. 1 2 4)")
    args = parser.parse_args()
    rows = args.messages * args.components
    print(f"{args.messages} MaterialsInstalled x {args.components} components = {rows} installations "
          f"per round, batches of {args.batch_size}, prefetch {args.prefetch}, {args.rounds} round(s)")
    print(f"{'store':<12}{'round':>6}{'published/s':>13}{'real inst/s':>14}{'raw rows/s':>13}"
          f"{'real/raw':>10}{'Core rows/s':>13}{'real/Core':>11}{'cpu ratio':>10}")
    for url in args.database_url:
        store = Store(make_engine(url))
        schema.upgrade(store.engine)
        reals: list[float] = []
        raws: list[float] = []
        cores: list[float] = []
        cpus: list[float] = []  # raw CPU seconds / real CPU seconds, this process only
        for n in range(1, args.rounds + 1):
            p = f"CB{uuid.uuid4().hex[:6].upper()}"
            settings = CfxSettings(exchange=f"cfx.bench.{p}", queue=f"tracebridge.cfx.bench.{p}",
                                   batch_size=args.batch_size, prefetch=args.prefetch, batch_wait_s=0.05)
            prepare(store, p, args.messages)
            cpu: list[float] = []
            published, consumed = real_path(store, args.amqp_url, p, args.messages, args.components, settings,
                                            cpu=cpu)
            before = time.thread_time()
            raw, copied = raw_path(store, p, args.messages, args.components, args.batch_size)
            cpu.append(time.thread_time() - before)
            core, core_rows = raw_core_path(store, p, args.messages, args.components, args.batch_size)
            cpus.append(cpu[1] / cpu[0])
            reals.append(rows / consumed)
            raws.append(copied / raw)
            cores.append(core_rows / core)
            print(f"{store.dialect:<12}{n:>6}{args.messages / published:>13.0f}{reals[-1]:>14.0f}"
                  f"{raws[-1]:>13.0f}{reals[-1] / raws[-1]:>10.2f}{cores[-1]:>13.0f}"
                  f"{reals[-1] / cores[-1]:>11.2f}{cpus[-1]:>10.2f}")
        if reals:
            ratios = [r / w for r, w in zip(reals, raws, strict=True)]
            core_ratios = [r / w for r, w in zip(reals, cores, strict=True)]
            print(f"{store.dialect:<12}{'median':>6}{'':>13}{statistics.median(reals):>14.0f}"
                  f"{statistics.median(raws):>13.0f}{statistics.median(ratios):>10.2f}"
                  f"{statistics.median(cores):>13.0f}{statistics.median(core_ratios):>11.2f}"
                  f"{statistics.median(cpus):>10.2f}")
        for n in args.processes:
            scaling(store, url, args, n)
        store.dispose()
    print(f"peak memory of this process (publisher, threaded consumer, raw path): {peak_mb():.0f} MB")


def scaling(store: Store, url: str, args: argparse.Namespace, processes: int) -> dict:
    """One round with `processes` consumer processes on the queue, next to the raw rate."""
    p = f"CP{uuid.uuid4().hex[:6].upper()}"
    settings = CfxSettings(exchange=f"cfx.bench.{p}", queue=f"tracebridge.cfx.bench.{p}",
                           batch_size=args.batch_size, prefetch=args.prefetch, batch_wait_s=0.05)
    prepare(store, p, args.messages)
    consumed, mbs = real_path_processes(store, url, args.amqp_url, p, args.messages, args.components,
                                       settings, processes)
    raw, copied = raw_path(store, p, args.messages, args.components, args.batch_size)
    core, core_rows = raw_core_path(store, p, args.messages, args.components, args.batch_size)
    real, raw_rate, core_rate = args.messages * args.components / consumed, copied / raw, core_rows / core
    print(f"{store.dialect:<12}{f'{processes} proc':>6}{'':>13}{real:>14.0f}{raw_rate:>13.0f}"
          f"{real / raw_rate:>10.2f}{core_rate:>13.0f}{real / core_rate:>11.2f}"
          f"   consumer peak memory {max(mbs):.0f} MB")
    return {"processes": processes, "real": real, "raw": raw_rate, "core": core_rate, "peak_mb": max(mbs)}


if __name__ == "__main__":
    main()
