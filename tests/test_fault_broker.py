"""The event relay through a TCP proxy the test cuts mid-stream: after recovery every event was
published at least once (same id on a repeat) and no id is missing. (The CFX consumer's side of the
same fault is tests/test_cfx_amqp.py::test_broker_connection_cut_mid_stream_loses_nothing.)

The proxy, not `rabbitmqctl stop_app`: the broker is shared with other test runs on this machine,
and stopping it would fail theirs."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from gateway.events.amqp_publisher import AmqpPublisher
from gateway.events.relay import RelayThread, event_relay
from tests.amqp_support import TcpProxy, wait_for
from tests.events_support import Capture, require_amqp, unique_exchange
from tests.fault_support import Outcome
from traceability import commands as c
from traceability.models import OutboxEvent

LOTS = 600


def _undelivered(store, ids: set[str]) -> int:  # type: ignore[no-untyped-def]
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.event_id.in_(ids), OutboxEvent.status != "sent"))


def test_relay_connection_cut_mid_stream_publishes_every_event(pg_store, uid):
    require_amqp()
    store = pg_store
    with store.write() as s:
        c.execute(s, c.DefinePart(part_number=f"{uid}-CAP"))
        for i in range(LOTS):
            c.execute(s, c.ReceiveLot(lot=f"{uid}-L{i}", part_number=f"{uid}-CAP", quantity=1))
    with store.read() as s:
        expected = set(s.scalars(select(OutboxEvent.event_id).where(
            OutboxEvent.destination == "events", OutboxEvent.aggregate_id.like(f"{uid}-%"))))
    name = unique_exchange()
    capture = Capture(name)
    proxy = TcpProxy()
    publisher = AmqpPublisher(proxy.url, name, confirm_timeout=5).start()
    relay = event_relay(store, publisher, source="urn:test", batch_size=50)
    relay.base_delay, relay.max_delay = 0.05, 0.5  # retry soon after the broker is back
    runner = RelayThread(relay, poll_interval=0.05)
    cuts_mid_stream = 0
    try:
        assert publisher.wait_ready(10)
        runner.start()
        for _ in range(3):  # cut while events are still flowing (bounded: three cuts)
            if not wait_for(lambda: 0 < _undelivered(store, expected) < len(expected), timeout=10,
                            interval=0.01):
                break
            proxy.cut()
            cuts_mid_stream += 1
            time.sleep(0.3)
        assert wait_for(lambda: _undelivered(store, expected) == 0, timeout=60), "outbox not drained"
        got = [m for m in capture.take(limit=20 * LOTS, timeout=30) if m["id"] in expected]
    finally:
        runner.stop()
        publisher.close()
        proxy.close()
        capture.close()
    ids = [m["id"] for m in got]
    lost = len(expected - set(ids))
    Outcome("event relay, broker connection cut", sent=len(expected), stored=len(set(ids)),
            duplicated=len(ids) - len(set(ids)), lost=lost,
            note=f"{cuts_mid_stream} cut(s) mid-stream, {proxy.cuts} in all; 'stored' = distinct ids "
                 "received").report()
    assert cuts_mid_stream >= 1
    assert lost == 0
    # A repeat is the same event: same id and sequence, so a consumer keeping ids drops it.
    seen: dict[str, int] = {}
    for m in got:
        assert seen.setdefault(m["id"], m["sequence"]) == m["sequence"]
