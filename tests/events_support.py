"""Helpers for event tests: the local RabbitMQ, unique exchanges, a capturing queue, a lot to hold."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pika
import pytest

from traceability.commands import (
    DefinePart,
    NewUnit,
    ReceiveLot,
    RecordOperation,
    RegisterUnits,
    SyncWorkOrder,
    execute,
)
from traceability.database import Store

AMQP_URL = os.environ.get("TRACEBRIDGE_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/%2F")
REQUIRE = os.environ.get("CI") == "true" or os.environ.get("TRACEBRIDGE_REQUIRE_PG") == "1"
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def amqp_available() -> bool:
    try:
        params = pika.URLParameters(AMQP_URL + "?connection_attempts=1&socket_timeout=2")
        pika.BlockingConnection(params).close()
        return True
    except pika.exceptions.AMQPError:
        return False


def require_amqp() -> str:
    if not amqp_available():
        if REQUIRE:
            pytest.fail("RabbitMQ at 127.0.0.1:5672 is required in CI and is not reachable")
        pytest.skip("RabbitMQ not reachable")
    return AMQP_URL


def unique_exchange() -> str:
    return f"tb.test.events.{uuid.uuid4().hex[:10]}"


def scratch_exchange() -> Iterator[str]:
    """For a fixture: a unique exchange name, the exchange deleted after the test."""
    require_amqp()
    name = unique_exchange()
    yield name
    conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        conn.channel().exchange_delete(name)
    finally:
        conn.close()


class Capture:
    """An exclusive queue bound to the exchange: what a downstream consumer would receive."""

    def __init__(self, exchange: str, binding: str = "#") -> None:
        self.conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        self.ch = self.conn.channel()
        self.ch.exchange_declare(exchange, exchange_type="topic", durable=True)
        self.queue = self.ch.queue_declare("", exclusive=True, auto_delete=True).method.queue
        self.ch.queue_bind(self.queue, exchange, routing_key=binding)
        self.exchange = exchange

    def take(self, *, quiet: float = 0.3, limit: int = 10_000, timeout: float = 10.0) -> list[dict]:
        """Every message now in the queue (until it stays empty for `quiet` seconds), decoded."""
        out: list[dict] = []
        deadline, idle_since = time.monotonic() + timeout, None
        while len(out) < limit and time.monotonic() < deadline:
            method, props, body = self.ch.basic_get(self.queue, auto_ack=True)
            if method is None:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= quiet:
                    break
                self.conn.sleep(0.02)
                continue
            idle_since = None
            msg = json.loads(body)
            msg["_routing_key"], msg["_message_id"] = method.routing_key, props.message_id
            out.append(msg)
        return out

    def close(self) -> None:
        try:
            self.ch.exchange_delete(self.exchange)
        finally:
            self.conn.close()


def a_lot(store: Store, uid: str) -> str:
    """A part and a lot of it; returns the lot code."""
    with store.write() as s:
        execute(s, DefinePart(part_number=f"{uid}-CAP", description="capacitor"))
        execute(s, ReceiveLot(lot=f"{uid}-LOT", part_number=f"{uid}-CAP", quantity=100))
    return f"{uid}-LOT"


def a_work_order(store: Store, uid: str, *, line: str = "L1", units: int = 1) -> list[str]:
    """A work order on `line` with `units` registered serials; returns the serials."""
    serials = [f"{uid}-SN{i:04d}" for i in range(units)]
    with store.write() as s:
        execute(s, DefinePart(part_number=f"{uid}-MOD", serialized=True))
        execute(s, SyncWorkOrder(number=f"{uid}-WO", part_number=f"{uid}-MOD", quantity=units, line=line))
        execute(s, RegisterUnits(units=[NewUnit(serial=sn, part_number=f"{uid}-MOD") for sn in serials],
                                 work_order=f"{uid}-WO"))
    return serials


def complete(serial: str, *, station: str = "ICT-1", result: str = "pass",
             minute: int = 0) -> RecordOperation:
    at = NOW + timedelta(minutes=minute)
    return RecordOperation(serial=serial, operation="ICT", station=station, started_at=at,
                           completed_at=at + timedelta(seconds=30), result=result)

