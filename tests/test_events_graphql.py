"""GraphQL subscriptions at /graphql over graphql-transport-ws, as a dashboard speaks them."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time

import pytest
from websockets.sync.client import connect

from bench.serving import serving
from gateway.dispatch import dispatch
from gateway.events.settings import EventsSettings
from gateway.settings import Settings
from tests.events_support import a_lot, a_work_order, complete, require_amqp, scratch_exchange
from traceability import outbox, schema
from traceability.commands import PlaceHold
from traceability.database import make_engine

WAIT = 15.0

exchange = pytest.fixture(scratch_exchange)


class GraphQLSubscriber:
    """graphql-transport-ws: init, ack, subscribe; `next` payloads come back by operation id."""

    def __init__(self, base: str) -> None:
        self.ws = connect(f"{base}/graphql", subprotocols=["graphql-transport-ws"])
        self.ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(self.ws.recv(timeout=WAIT))["type"] == "connection_ack"

    def subscribe(self, op_id: str, query: str) -> None:
        self.ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))

    def next(self) -> dict:
        msg = json.loads(self.ws.recv(timeout=WAIT))
        assert msg["type"] == "next", msg
        return msg

    def close(self) -> None:
        self.ws.close()


def _subscribed(app, count: int) -> None:
    """graphql-transport-ws has no 'subscribed' answer: wait until the feed has the subscribers."""
    for _ in range(300):
        if app.state.events.feed.subscribers >= count:
            return
        time.sleep(0.02)
    raise AssertionError("the subscriptions never reached the feed")


UNIT_COMPLETED = 'subscription { unitCompleted(line: "L1") { eventId serial operation station line ' \
                 'workOrder result completedAt } }'
ALARMS = "subscription { alarms { type subject sequence data } }"
EVENTS = 'subscription { events(types: ["lot.*"]) { id type subject aggregate dataschema data } }'


def _embedded(tmp_path) -> Settings:
    url = f"sqlite:///{tmp_path / 'graphql.db'}"
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    return Settings(database_url=url, amqp_url=None, events=EventsSettings(poll_interval=0.05))


def test_subscriptions_in_embedded_mode(tmp_path, uid):
    with serving(_embedded(tmp_path)) as (base, app):
        store = app.state.store
        [serial] = a_work_order(store, uid, line="L1")
        lot = a_lot(store, uid)
        client = GraphQLSubscriber(base)
        try:
            client.subscribe("done", UNIT_COMPLETED)
            client.subscribe("alarms", ALARMS)
            client.subscribe("lots", EVENTS)
            _subscribed(app, 3)
            dispatch(store, complete(serial), source="test", message_id=f"{uid}-1")
            dispatch(store, PlaceHold(target_kind="lot", target=lot, reason="suspect", by="qe"),
                     source="test", message_id=f"{uid}-2")
            got = {}
            for _ in range(3):
                msg = client.next()
                got[msg["id"]] = msg["payload"]["data"]
        finally:
            client.close()
    done = got["done"]["unitCompleted"]
    assert {k: done[k] for k in ("serial", "operation", "station", "line", "workOrder", "result")} == {
        "serial": serial, "operation": "ICT", "station": "ICT-1", "line": "L1", "workOrder": f"{uid}-WO",
        "result": "pass"}
    assert got["alarms"]["alarms"]["type"] == "lot.held" and got["alarms"]["alarms"]["subject"] == lot
    lots = got["lots"]["events"]
    assert lots["type"] == "lot.held" and lots["dataschema"] == "urn:tracebridge:events:lot.held:v1"
    assert lots["data"]["reason"] == "suspect"


def test_a_graphql_subscriber_on_one_process_sees_what_another_caused(postgresql_url, uid, exchange):
    amqp = require_amqp()

    def settings(relay: bool) -> Settings:
        return Settings(database_url=postgresql_url, amqp_url=amqp,
                        events=EventsSettings(exchange=exchange, relay=relay, poll_interval=0.05))

    with serving(settings(relay=False)) as (base_a, app_a), serving(settings(relay=True)) as (_, app_b):
        [serial] = a_work_order(app_b.state.store, uid, line="L1")
        client = GraphQLSubscriber(base_a)
        try:
            client.subscribe("done", UNIT_COMPLETED)
            _subscribed(app_a, 1)
            dispatch(app_b.state.store, complete(serial), source="test", message_id=f"{uid}-1")
            msg = client.next()
        finally:
            client.close()
    assert msg["payload"]["data"]["unitCompleted"]["serial"] == serial


def test_an_unknown_field_is_refused_like_any_graphql_error(tmp_path):
    with serving(_embedded(tmp_path)) as (base, _app):
        client = GraphQLSubscriber(base)
        try:
            client.subscribe("bad", "subscription { unitCompleted { nope } }")
            msg = json.loads(client.ws.recv(timeout=WAIT))
        finally:
            client.close()
    assert msg["type"] == "error" and "nope" in msg["payload"][0]["message"]


@pytest.fixture(autouse=True)
def _quiet_deprecations(recwarn):  # websockets' legacy module warns on import under uvicorn
    yield


def _frame(text: str) -> bytes:
    """One masked text frame, as a websocket client must send it."""
    payload, key = text.encode(), os.urandom(4)
    size = bytes([0x80 | len(payload)]) if len(payload) < 126 else bytes([0x80 | 126]) + struct.pack(
        "!H", len(payload))
    return b"\x81" + size + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def _silent_graphql_subscriber(base: str, query: str) -> socket.socket:
    """Subscribes over graphql-transport-ws, then reads nothing (a tiny receive buffer)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(WAIT)
    sock.connect(("127.0.0.1", int(base.rsplit(":", 1)[1])))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                 "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n".encode())
    got = b""
    for _ in range(200):
        if b"\r\n\r\n" in got:
            break
        got += sock.recv(1)
    sock.sendall(_frame(json.dumps({"type": "connection_init", "payload": {}})))
    for _ in range(100):
        if b"connection_ack" in got:
            break
        got += sock.recv(4096)
    assert got.startswith(b"HTTP/1.1 101") and b"connection_ack" in got, got
    sock.sendall(_frame(json.dumps({"id": "slow", "type": "subscribe", "payload": {"query": query}})))
    return sock


def test_a_slow_graphql_subscriber_is_told_and_dropped_while_another_gets_everything(tmp_path, uid):
    n, query = 400, 'subscription { events(types: ["test.*"]) { id data } }'
    settings = _embedded(tmp_path)
    settings.events.subscriber_queue = 64
    with serving(settings, send_buffer=16384) as (base, app):
        slow = _silent_graphql_subscriber(base, query)
        fast = GraphQLSubscriber(base)
        try:
            fast.subscribe("fast", query)
            _subscribed(app, 2)
            got: list[int] = []
            for chunk in range(0, n, 10):  # 4 kB events, 10 per transaction, as fast as `fast` reads
                with app.state.store.write() as s:
                    for i in range(chunk, chunk + 10):
                        outbox.emit(s, "test.padded", aggregate_type="test", aggregate_id=uid,
                                    data={"i": i, "pad": "x" * 4000})
                got += [fast.next()["payload"]["data"]["events"]["data"]["i"] for _ in range(10)]
        finally:
            fast.close()
        received = b""
        for _ in range(10_000):  # now the slow one reads: what was buffered, then the error
            chunk = slow.recv(65536)
            received += chunk
            if not chunk or b'"overflow"' in received:
                break
        slow.close()
    assert got == list(range(n))
    assert b'"code": "overflow"' in received or b'"code":"overflow"' in received
    assert received.count(b"test.padded") < n
