"""Outbox → RabbitMQ: a committed change is published once (per event id), a rolled-back one never."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.events.amqp_publisher import AmqpPublisher
from gateway.events.relay import event_relay
from gateway.outbox_relay import OutboxRelay
from tests.events_support import Capture, a_lot, require_amqp, unique_exchange
from traceability import schema
from traceability.commands import PlaceHold, execute
from traceability.database import Store, make_engine
from traceability.models import OutboxEvent

BIN = Path(sys.executable).parent / "tracebridge"


@pytest.fixture
def exchange():
    url = require_amqp()
    name = unique_exchange()
    capture = Capture(name)
    publisher = AmqpPublisher(url, name, confirm_timeout=10).start()
    assert publisher.wait_ready(10)
    yield capture, publisher
    publisher.close()
    capture.close()


def _hold(store, lot: str) -> None:
    with store.write() as s:
        execute(s, PlaceHold(target_kind="lot", target=lot, reason="suspect reel", by="qe1"))


def _mine(messages: list[dict], subject: str) -> list[dict]:
    return [m for m in messages if m["subject"] == subject]


def test_a_committed_change_is_published_once_with_confirms(store, uid, exchange):
    capture, publisher = exchange
    lot = a_lot(store, uid)
    _hold(store, lot)
    assert event_relay(store, publisher, source="urn:test").drain() >= 3
    got = _mine(capture.take(), lot)
    assert [m["type"] for m in got] == ["lot.received", "lot.held"]
    held = got[1]
    assert held["_routing_key"] == "lot.held" and held["_message_id"] == held["id"]
    assert held["specversion"] == "1.0" and held["source"] == "urn:test"
    assert held["sequence"] == 2 and held["aggregate"] == "lot"
    assert held["dataschema"] == "urn:tracebridge:events:lot.held:v1"
    assert held["data"]["target"] == lot and held["data"]["reason"] == "suspect reel"
    with store.read() as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.aggregate_id == lot)).all()
    assert {r.status for r in rows} == {"sent"} and {r.event_id for r in rows} == {m["id"] for m in got}
    # Nothing is due any more: a second relay publishes nothing of ours.
    event_relay(store, publisher, source="urn:test").drain()
    assert _mine(capture.take(), lot) == []


class _Killed(BaseException):
    """The relay process dies: not an error the relay handles, it just stops."""


def test_a_relay_killed_between_publish_and_mark_causes_one_duplicate_with_the_same_id(
        store, uid, exchange):
    capture, publisher = exchange
    lot = a_lot(store, uid)
    event_relay(store, publisher, source="urn:test").drain()
    capture.take()
    _hold(store, lot)
    real = event_relay(store, publisher, source="urn:test", lease=timedelta(seconds=-1))

    def publish_then_die(batch):
        real.deliver(batch)  # confirmed by the broker ...
        raise _Killed  # ... and the process is gone before it marks the rows sent

    dying = OutboxRelay(store, "events", publish_then_die, lease=timedelta(seconds=-1))
    with pytest.raises(_Killed):
        dying.run_once()
    with store.read() as s:
        row = s.scalars(select(OutboxEvent).where(OutboxEvent.aggregate_id == lot,
                                                  OutboxEvent.type == "lot.held")).one()
    assert row.status == "sending"  # claimed, never marked
    # Its lease has run out: the next relay takes the row over and publishes it again.
    event_relay(store, publisher, source="urn:test").drain()
    got = _mine(capture.take(), lot)
    assert [m["type"] for m in got] == ["lot.held", "lot.held"]
    assert got[0]["id"] == got[1]["id"] == row.event_id and got[0]["sequence"] == got[1]["sequence"]
    assert len({m["id"] for m in got}) == 1  # a consumer keeping ids sees exactly one event
    with store.read() as s:
        assert s.get(OutboxEvent, row.id).status == "sent"


def test_a_rolled_back_change_publishes_nothing(store, uid, exchange):
    capture, publisher = exchange
    lot = a_lot(store, uid)
    with pytest.raises(RuntimeError), store.write() as s:
        execute(s, PlaceHold(target_kind="lot", target=lot, reason="never", by="qe1"))
        raise RuntimeError("the request failed after the command ran")
    _hold(store, lot)  # a later, committed change: once it has arrived, nothing else can follow
    event_relay(store, publisher, source="urn:test").drain()
    got = _mine(capture.take(), lot)
    assert [(m["type"], m["data"].get("reason")) for m in got] == [
        ("lot.received", None), ("lot.held", "suspect reel")]
    assert [m["sequence"] for m in got] == [1, 2]  # the rolled-back event left no gap either


def test_a_broker_that_is_unreachable_leaves_the_rows_for_later(store, uid):
    lot = a_lot(store, uid)
    dead = AmqpPublisher("amqp://guest:guest@127.0.0.1:1/%2F", unique_exchange(),
                         connect_timeout=0.2).start()
    try:
        relay = event_relay(store, dead, source="urn:test")
        relay.run_once()
    finally:
        dead.close()
    with store.read() as s:
        row = s.scalars(select(OutboxEvent).where(OutboxEvent.aggregate_id == lot)).one()
    assert row.status == "pending" and row.attempts >= 1 and "not connected" in row.last_error


def test_the_relay_command_publishes_what_is_due_and_refuses_without_a_broker(tmp_path, uid):
    url = require_amqp()
    db = f"sqlite:///{tmp_path / 'relay.db'}"
    engine = make_engine(db)
    schema.upgrade(engine)
    store = Store(engine)
    lot = a_lot(store, uid)
    store.dispose()
    name = unique_exchange()
    capture = Capture(name)
    env = {**os.environ, "TRACEBRIDGE_DATABASE_URL": db, "TRACEBRIDGE_EVENTS_EXCHANGE": name,
           "TRACEBRIDGE_AMQP_URL": url}
    try:
        out = subprocess.run([str(BIN), "relay", "--once"], env=env, capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0, out.stderr
        assert f"2 event(s) published to {name}" in out.stdout
        got = capture.take()
        assert [(m["type"], m["subject"]) for m in got] == [("part.defined", f"{uid}-CAP"),
                                                             ("lot.received", lot)]
    finally:
        capture.close()
    del env["TRACEBRIDGE_AMQP_URL"]
    refused = subprocess.run([str(BIN), "relay", "--once"], env=env, capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode == 2 and "TRACEBRIDGE_AMQP_URL" in refused.stderr
