"""Subscribers see events caused anywhere: in one embedded process, or through another gateway
process sharing the PostgreSQL store and the RabbitMQ exchange."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct

import httpx
import pytest
from sqlalchemy import select
from websockets.sync.client import connect

from bench.serving import serving
from gateway.dispatch import dispatch
from gateway.events.settings import EventsSettings
from gateway.settings import Settings
from tests.events_support import (
    a_work_order,
    complete,
    require_amqp,
    scratch_exchange,
)
from traceability import outbox, schema
from traceability.database import Store, make_engine
from traceability.models import OutboxEvent

WAIT = 15.0  # seconds a subscriber waits for one event before the test fails

exchange = pytest.fixture(scratch_exchange)


def _event_id(store: Store, subject: str, type: str) -> str:
    with store.read() as s:
        return s.scalars(select(OutboxEvent.event_id).where(
            OutboxEvent.aggregate_id == subject, OutboxEvent.type == type)).one()


def _next(ws, *, skip_other_subjects: str) -> dict:
    """The next event about our subject (other tests' events may share the database)."""
    for _ in range(1000):
        msg = json.loads(ws.recv(timeout=WAIT))
        if msg.get("subject") == skip_other_subjects or "error" in msg:
            return msg
    raise AssertionError("no event about the subject among 1000")


def test_embedded_sqlite_and_in_process_bus(tmp_path, uid):
    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    settings = Settings(database_url=url, amqp_url=None, events=EventsSettings(poll_interval=0.05))
    with serving(settings) as (base, app):
        store = app.state.store
        [serial] = a_work_order(store, uid, line="L1")
        with connect(f"{base}/api/v1/events/ws?types=unit.completed&line=L1") as ws:
            dispatch(store, complete(serial), source="test", message_id=f"{uid}-1")
            got = _next(ws, skip_other_subjects=serial)
    assert got["type"] == "unit.completed" and got["data"]["result"] == "pass"
    assert got["line"] == "L1" and got["station"] == "ICT-1"
    assert got["id"] == _event_id(store, serial, "unit.completed")


def test_a_subscriber_on_one_process_sees_an_event_caused_through_another(postgresql_url, uid, exchange):
    amqp = require_amqp()

    def settings(relay: bool) -> Settings:
        return Settings(database_url=postgresql_url, amqp_url=amqp,
                        events=EventsSettings(exchange=exchange, relay=relay, poll_interval=0.05))

    # A publishes nothing itself: what its subscriber sees came through the exchange from B.
    with serving(settings(relay=False)) as (base_a, _app_a), serving(settings(relay=True)) as (base_b, app_b):
        store_b = app_b.state.store
        [serial] = a_work_order(store_b, uid, line="L2")
        with connect(f"{base_a}/api/v1/events/ws?types=unit.*,workorder.held,workorder.released") as ws:
            dispatch(store_b, complete(serial, station="FCT-2"), source="test", message_id=f"{uid}-1")
            hold = {"target_kind": "work_order", "target": f"{uid}-WO", "reason": "x-ray", "by": "qe1"}
            for _ in range(2):  # the REST hook on B, sent twice under one Idempotency-Key
                answer = httpx.post(f"{base_b.replace('ws:', 'http:')}/api/v1/holds", json=hold,
                                    headers={"Idempotency-Key": f"{uid}-2"}, timeout=WAIT)
                assert answer.status_code == 201, answer.text
            httpx.post(f"{base_b.replace('ws:', 'http:')}/api/v1/holds/{answer.json()['hold_id']}/release",
                       json={"by": "qe1"}, headers={"Idempotency-Key": f"{uid}-3"}, timeout=WAIT)
            done = _next(ws, skip_other_subjects=serial)
            held = _next(ws, skip_other_subjects=f"{uid}-WO")
            released = _next(ws, skip_other_subjects=f"{uid}-WO")
    assert done["type"] == "unit.completed" and done["station"] == "FCT-2" and done["line"] == "L2"
    assert done["id"] == _event_id(store_b, serial, "unit.completed")
    assert held["type"] == "workorder.held" and held["data"]["reason"] == "x-ray"
    # The resend changed nothing, so the next event about the order is its release.
    assert released["type"] == "workorder.released" and released["sequence"] == held["sequence"] + 1


def _embedded(tmp_path, **events) -> Settings:
    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    return Settings(database_url=url, amqp_url=None, events=EventsSettings(poll_interval=0.05, **events))


def _silent_subscriber(base: str, path: str) -> socket.socket:
    """A websocket client that completes the handshake and then reads nothing, on a tiny buffer."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(WAIT)
    sock.connect(("127.0.0.1", int(base.rsplit(":", 1)[1])))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n".encode())
    head = b""
    for _ in range(100):
        if b"\r\n\r\n" in head:
            break
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def test_a_slow_subscriber_is_told_and_disconnected_while_another_gets_everything(tmp_path, uid):
    n = 400
    settings = _embedded(tmp_path, subscriber_queue=64)
    with serving(settings, send_buffer=16384) as (base, app):
        slow = _silent_subscriber(base, "/api/v1/events/ws?types=test.*")
        with connect(f"{base}/api/v1/events/ws?types=test.*") as fast:
            got: list[int] = []
            for chunk in range(0, n, 10):  # 4 kB events, 10 per transaction, as fast as `fast` reads
                with app.state.store.write() as s:
                    for i in range(chunk, chunk + 10):
                        outbox.emit(s, "test.padded", aggregate_type="test", aggregate_id=uid,
                                    data={"i": i, "pad": "x" * 4000})
                got += [json.loads(fast.recv(timeout=WAIT))["data"]["i"] for _ in range(10)]
        # Now the slow one reads: what was buffered for it, then the notice and the close.
        received, close = b"", struct.pack("!H", 1013) + b"subscriber too slow"
        for _ in range(10_000):
            chunk = slow.recv(65536)
            received += chunk
            if not chunk or close in received:
                break
        slow.close()
    assert got == list(range(n))  # the fast one missed nothing and was not held up
    assert b'"code":"overflow"' in received
    assert received.count(b'"type":"test.padded"') < n  # it was cut off, not served everything
    assert close in received  # the close frame: code 1013, try again later
