"""Events: end-to-end latency and relay throughput.

Latency: a CFX WorkCompleted POSTed to /api/v1/cfx (after its WorkStarted) → the `unit.completed`
event at a websocket subscriber of the running app; and a command committed (RecordOperation
through `dispatch`, as an adapter runs it) → the event at the websocket subscriber and (with
RabbitMQ) at an AMQP consumer of a queue bound to the exchange. One event at a time; p50/p99.

Throughput: N events written to the outbox, then drained by one relay publishing with confirms
to the exchange (a durable queue bound, so the broker persists each message); printed beside
the same publisher fed the same envelopes without the database (the raw ceiling), and two relays
draining side by side (as two processes would).

    .venv/bin/python -m bench.events_latency --events 300 --throughput 20000 \\
        --database-url sqlite:////tmp/ev.db \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench --amqp-url amqp://guest:guest@127.0.0.1:5672/%2F
Without --amqp-url only the embedded mode (in-process bus) is measured.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pika
from pika.adapters.blocking_connection import BlockingChannel
from websockets.sync.client import ClientConnection, connect

from bench.serving import serving
from gateway.dispatch import dispatch
from gateway.events.amqp_publisher import AmqpPublisher
from gateway.events.envelope import Envelope
from gateway.events.relay import event_relay
from gateway.events.settings import EventsSettings
from gateway.security.settings import SecuritySettings
from gateway.settings import Settings
from traceability import outbox, schema
from traceability.commands import DefinePart, NewUnit, RecordOperation, RegisterUnits, SyncWorkOrder, execute
from traceability.database import Store, make_engine
from traceability.outbox import OutboxMessage

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _units(store: Store, prefix: str, n: int) -> list[str]:
    serials = [f"{prefix}-{i:06d}" for i in range(n)]
    with store.write() as s:
        execute(s, DefinePart(part_number=f"{prefix}-P", serialized=True))
        execute(s, SyncWorkOrder(number=f"{prefix}-WO", part_number=f"{prefix}-P", quantity=n, line="L1"))
        execute(s, RegisterUnits(units=[NewUnit(serial=sn, part_number=f"{prefix}-P") for sn in serials],
                                 work_order=f"{prefix}-WO"))
    return serials


class AmqpClock:
    """A consumer of unit.completed on its own thread, noting when each subject arrives."""

    def __init__(self, url: str, exchange: str) -> None:
        self.arrived: dict[str, float] = {}
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(url, exchange), daemon=True)
        self.thread.start()
        self.ready.wait(10)

    def _run(self, url: str, exchange: str) -> None:
        conn = pika.BlockingConnection(pika.URLParameters(url))
        ch = conn.channel()
        ch.exchange_declare(exchange, exchange_type="topic", durable=True)
        q = ch.queue_declare("", exclusive=True).method.queue
        ch.queue_bind(q, exchange, routing_key="unit.completed")

        def got(_ch, _m, _p, body: bytes) -> None:  # type: ignore[no-untyped-def]
            self.arrived[json.loads(body)["subject"]] = time.perf_counter()

        ch.basic_consume(q, got, auto_ack=True)
        self.ready.set()
        while not self.stop.is_set():
            conn.process_data_events(time_limit=0.05)
        conn.close()


# A client without TCP_NODELAY writes headers and body apart; Nagle then waits for the server's
# delayed ACK (40 ms on Linux) on every POST, which is the client's cost, not the gateway's.
_NO_DELAY = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])


def _cfx(name: str, source: str, at: datetime, body: dict) -> dict:
    return {"MessageName": name, "Version": "2.1", "TimeStamp": at.isoformat(), "UniqueID": str(uuid.uuid4()),
            "Source": source, "Target": None, "RequestID": None, "MessageBody": body}


def cfx_latency(http: httpx.Client, ws: ClientConnection, serials: list[str]) -> list[float]:
    """WorkStarted, then WorkCompleted POSTed to /api/v1/cfx: from sending WorkCompleted to the
    unit.completed event at the websocket subscriber."""
    out = []
    for i, sn in enumerate(serials):
        at, tx = T0 + timedelta(hours=1, seconds=i), str(uuid.uuid4())
        started = http.post("/api/v1/cfx", json=_cfx("CFX.Production.WorkStarted", "BENCH.ICT1", at, {
            "PrimaryIdentifier": sn, "HermesIdentifier": None, "TransactionID": tx, "Lane": 1,
            "UnitCount": 1, "Units": [], "RecipeName": None, "Revision": None,
            "WorkOrderIdentifier": None}))
        started.raise_for_status()
        sent = time.perf_counter()
        http.post("/api/v1/cfx", json=_cfx("CFX.Production.WorkCompleted", "BENCH.ICT1",
                                           at + timedelta(seconds=1), {
            "TransactionID": tx, "Result": "Completed", "PrimaryIdentifier": sn, "UnitCount": 0,
            "Units": []})).raise_for_status()
        while json.loads(ws.recv(timeout=10))["subject"] != sn:
            pass
        out.append((time.perf_counter() - sent) * 1000)
    return out


def latency(settings: Settings, n: int) -> dict[str, list[float]]:
    prefix = f"LAT{uuid.uuid4().hex[:6].upper()}"
    out: dict[str, list[float]] = {"websocket": [], "amqp": []}
    with serving(settings) as (base, app):
        store: Store = app.state.store
        serials = _units(store, prefix, 2 * n)
        clock = AmqpClock(settings.amqp_url, settings.events.exchange) if settings.amqp_url else None
        with connect(f"{base}/api/v1/events/ws?types=unit.completed") as ws, \
                httpx.Client(base_url=base.replace("ws:", "http:"), timeout=10, transport=_NO_DELAY) as http:
            out["CFX in → websocket"] = cfx_latency(http, ws, serials[n:])
            for i, sn in enumerate(serials[:n]):
                at = T0 + timedelta(seconds=i)
                cmd = RecordOperation(serial=sn, operation="ICT", station="ICT-1", started_at=at,
                                      completed_at=at + timedelta(seconds=1), result="pass")
                dispatch(store, cmd, source="bench", message_id=f"{prefix}-{i}")
                committed = time.perf_counter()
                while json.loads(ws.recv(timeout=10))["subject"] != sn:
                    pass
                out["websocket"].append((time.perf_counter() - committed) * 1000)
                if clock is not None:
                    for _ in range(1000):
                        if sn in clock.arrived:
                            break
                        time.sleep(0.001)
                    out["amqp"].append((clock.arrived[sn] - committed) * 1000)
        if clock is not None:
            clock.stop.set()
            clock.thread.join(5)
    return out


def throughput(store: Store, amqp_url: str, n: int, batch: int) -> dict[str, float]:
    exchange = f"tb.bench.events.{uuid.uuid4().hex[:8]}"
    queue = f"{exchange}.all"
    with _channel(amqp_url) as ch:
        ch.exchange_declare(exchange, exchange_type="topic", durable=True)
        ch.queue_declare(queue, durable=True)
        ch.queue_bind(queue, exchange, routing_key="#")
    out: dict[str, float] = {}
    publisher = AmqpPublisher(amqp_url, exchange, confirm_timeout=60).start()
    publisher.wait_ready(10)
    try:
        fake = [OutboxMessage(id=i, event_id=str(uuid.uuid4()), destination="events", type="unit.completed",
                              aggregate_type="unit", aggregate_id=f"RAW{i}", sequence=1,
                              payload={"serial": f"RAW{i}", "station": "ICT-1", "result": "pass"},
                              created_at=datetime.now(UTC), attempts=0) for i in range(n)]
        envelopes = [Envelope.from_outbox(m, source="urn:bench") for m in fake]
        t = time.perf_counter()
        for k in range(0, n, batch):
            results = publisher.publish(envelopes[k:k + batch])
            assert all(v is None for v in results.values()), "raw publish not confirmed"
        raw = n / (time.perf_counter() - t)

        prefix = f"THR{uuid.uuid4().hex[:6].upper()}"
        t = time.perf_counter()
        _write(store, f"{prefix}W", n)
        written = n / (time.perf_counter() - t)
        event_relay(store, publisher, source="urn:bench", batch_size=batch).drain(max_batches=n)
        out.update(raw=raw, written=written)
        for relays in (1, 2):  # two relays side by side, as two processes would run (SKIP LOCKED)
            _write(store, f"{prefix}R{relays}", n)
            counts = [0] * relays
            threads = [threading.Thread(target=_drain, args=(store, publisher, batch, n, counts, k))
                       for k in range(relays)]
            t = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            out[f"relayed{relays}"] = sum(counts) / (time.perf_counter() - t)
            out[f"sent{relays}"] = sum(counts)
        return out
    finally:
        publisher.close()
        with _channel(amqp_url) as ch:  # a fresh connection: the first would have missed heartbeats
            out["queued"] = ch.queue_declare(queue, passive=True).method.message_count
            ch.queue_delete(queue)
            ch.exchange_delete(exchange)


@contextmanager
def _channel(url: str) -> Iterator[BlockingChannel]:
    conn = pika.BlockingConnection(pika.URLParameters(url))
    try:
        yield conn.channel()
    finally:
        conn.close()


def _drain(store: Store, publisher: AmqpPublisher, batch: int, n: int, counts: list[int], k: int) -> None:
    relay = event_relay(store, publisher, source="urn:bench", batch_size=batch)
    counts[k] = relay.drain(max_batches=n // batch + 10)


def _write(store: Store, prefix: str, n: int) -> None:
    """n events into the outbox, 1,000 per transaction (as n commands' worth of events)."""
    for k in range(0, n, 1000):
        with store.write() as s:
            for i in range(k, min(n, k + 1000)):
                outbox.emit(s, "unit.completed", aggregate_type="unit", aggregate_id=f"{prefix}-{i}",
                            data={"serial": f"{prefix}-{i}", "station": "ICT-1", "result": "pass"})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", action="append", required=True)
    ap.add_argument("--amqp-url")
    ap.add_argument("--events", type=int, default=300, help="events timed one by one for latency")
    ap.add_argument("--throughput", type=int, default=20_000, help="events for the relay throughput")
    ap.add_argument("--batch", type=int, default=500, help="relay batch size")
    args = ap.parse_args()
    for url in args.database_url:
        engine = make_engine(url)
        schema.upgrade(engine)
        engine.dispose()
        dialect = url.split(":", 1)[0]
        modes = [("in-process bus", None)] + ([("RabbitMQ", args.amqp_url)] if args.amqp_url else [])
        for mode, amqp in modes:
            exchange = f"tb.bench.latency.{uuid.uuid4().hex[:8]}"
            # Auth off: this measures events (bench/security.py measures the guard).
            settings = Settings(database_url=url, amqp_url=amqp,
                                events=EventsSettings(exchange=exchange, poll_interval=0.1),
                                security=SecuritySettings(auth_required=False))
            got = latency(settings, args.events)
            for sink, ms in got.items():
                if ms:
                    what = sink if sink.startswith("CFX") else f"commit → {sink}"
                    print(f"latency  {dialect:10} {mode:15} {what:20}  n={len(ms):4}  "
                          f"p50 {statistics.median(ms):6.2f} ms  p99 {pct(ms, 99):6.2f} ms  "
                          f"max {max(ms):6.2f} ms")
            if amqp:
                with _channel(amqp) as ch:
                    ch.exchange_delete(exchange)
        if args.amqp_url:
            store = Store(make_engine(url))
            r = throughput(store, args.amqp_url, args.throughput, args.batch)
            store.dispose()
            print(f"relay    {dialect:10} {args.throughput} events, batches of {args.batch}, confirmed: "
                  f"1 relay {r['relayed1']:,.0f}/s, 2 relays {r['relayed2']:,.0f}/s; raw publisher "
                  f"{r['raw']:,.0f}/s (1 relay = {r['relayed1'] / r['raw']:.2f} of raw); outbox writes "
                  f"{r['written']:,.0f} events/s; {r['queued']:.0f} messages queued at the broker")


if __name__ == "__main__":
    main()
