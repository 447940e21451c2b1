"""The EPCIS capture stream on the real RabbitMQ, on SQLite and PostgreSQL.

The foundation scenario's history is streamed to a test exchange and consumed from a queue bound
to it: every message is a valid EPCIS document of one event, the streamed events are the export's
(same ids), a second run sends nothing, a late fact is sent, a broker that does not answer leaves
the cursor where it was, two streamers at once advance it once, and the documents alone rebuild
the store's forward and backward traces.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

import pika
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.events.amqp_publisher import AmqpPublisher
from gateway.settings import Settings
from integrations.epcis.identifiers import Identifiers
from integrations.epcis.settings import EpcisSettings
from integrations.epcis.stream import EpcisStream
from tests import standards_scenario
from tests.amqp_support import URL, require_broker
from tests.epcis_checks import check_document
from tests.epcis_genealogy import Rebuilt
from tests.scenario import t
from tests.test_epcis import GTIN_CAP, ZONE, _all_pages, _events, _lot_uri, _scenario, _uri
from traceability import commands as c
from traceability import genealogy
from traceability.history import cursor, recording

MAX_MESSAGES = 5000


@dataclass
class Received:
    message_id: str
    routing_key: str
    content_type: str
    doc: dict


class Queue:
    """A test exchange and an exclusive queue bound to `epcis.#` on it."""

    def __init__(self, exchange: str) -> None:
        self.exchange = exchange
        self.connection = pika.BlockingConnection(pika.URLParameters(URL))
        self.channel = self.connection.channel()
        self.channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, exchange, routing_key="epcis.#")

    def take(self) -> list[Received]:
        """Everything queued now (publisher confirms came first, so it is all routed)."""
        out = []
        for _ in range(MAX_MESSAGES):
            method, props, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                return out
            out.append(Received(props.message_id, method.routing_key, props.content_type, json.loads(body)))
        raise AssertionError("more messages than the bound")

    def close(self) -> None:
        self.channel.exchange_delete(self.exchange)
        self.connection.close()


@pytest.fixture
def queue(uid):  # type: ignore[no-untyped-def]
    require_broker()
    q = Queue(f"tb.epcis.test.{uid}")
    yield q
    q.close()


@pytest.fixture
def publisher(queue):  # type: ignore[no-untyped-def]
    p = AmqpPublisher(URL, queue.exchange).start()
    assert p.wait_ready(30)
    yield p
    p.close()


def _settings(uid: str, **extra) -> EpcisSettings:  # type: ignore[no-untyped-def]
    return EpcisSettings(time_zone=ZONE, stream_from="now", stream_name=f"epcis-{uid}", **extra)


def _stream(store, publisher, uid, **extra) -> EpcisStream:  # type: ignore[no-untyped-def]
    s = EpcisStream(store, publisher, _settings(uid, **extra))
    s.start_cursor()  # before the scenario: the stream carries exactly what the test records
    return s


def _events_of(received: list[Received]) -> list[dict]:
    return [e for r in received for e in r.doc["epcisBody"]["eventList"]]


def test_stream_carries_the_exports_events_as_capture_documents(store, database_url, uid, queue, publisher):
    # Small batches and slices: the scenario crosses many cycles and slices of the recording order.
    stream = _stream(store, publisher, uid, stream_batch=7, stream_slice_rows=10)
    s = _scenario(store, uid)
    sent = stream.drain()
    received = queue.take()
    assert sent == len(received) > 30
    for r in received:
        assert check_document(r.doc, zone=ZONE) == []
        [event] = r.doc["epcisBody"]["eventList"]
        assert r.content_type == "application/ld+json"
        assert r.routing_key.startswith(f"epcis.{event['type']}.")
    # One message id per event content: a resend of the same event carries the same id.
    contents = {r.message_id: json.dumps(_events_of([r]), sort_keys=True) for r in received}
    assert len(contents) == len({v for v in contents.values()})
    with TestClient(create_app(Settings(database_url=database_url, epcis=_settings(uid)))) as client:
        exported = [e for e in _events(_all_pages(client, perPage=1000)) if uid in json.dumps(e)]
    streamed = _events_of(received)
    assert {e["eventID"] for e in streamed} == {e["eventID"] for e in exported}
    by_id = {e["eventID"]: e for e in exported}
    assert all(e == by_id[e["eventID"]] for e in streamed)  # the same events, not just the same ids

    assert stream.drain() == 0 and queue.take() == []  # nothing new: nothing sent

    # A late fact: recorded now, happened before everything streamed so far.
    standards_scenario.run(store, [c.RecordOperation(
        serial=s.n("P1"), operation="SPI", station=s.n("SPI1"), started_at=t(1.6), completed_at=t(1.7),
        result="pass", transaction_id=s.n("tx-late"))], uid)
    assert stream.drain() == 1
    [late] = _events_of(queue.take())
    assert (late["tb:operation"], late["eventTime"]) == ("SPI", "2026-11-02T06:01:42.000Z")


def test_streamed_documents_alone_rebuild_the_stores_traces(store, uid, queue, publisher):
    stream = _stream(store, publisher, uid, stream_batch=50)
    s = _scenario(store, uid)
    stream.drain()
    events = _events_of(queue.take())
    ids = Identifiers(EpcisSettings().id_base, EpcisSettings().digital_link_base)
    rebuilt = Rebuilt(ids)
    rebuilt.add(list({e["eventID"]: e for e in events}.values()))
    n = s.n
    with store.read() as session:
        for serial in [*s.products, *s.boards, n("P1")]:
            trace = genealogy.backward(session, serial)
            assert rebuilt.backward(_uri(ids, store, serial)) == (trace.lots, {u.serial for u in trace.units})
        for lot in ["CAP-LOT", "REEL-CAP-A", "REEL-CAP-B", "REEL-RES-A", "REEL-RES-B", "PASTE-1"]:
            trace = genealogy.forward(session, n(lot))
            lot_uri = _lot_uri(ids, n(lot), GTIN_CAP if "CAP" in lot else None)
            assert rebuilt.forward(lot_uri) == (set(trace.lots), trace.serials,
                                                {x.code for x in trace.containers}), lot


def test_unconfirmed_publishing_leaves_the_cursor_where_it_was(store, uid, queue, publisher):
    dead = AmqpPublisher("amqp://guest:guest@127.0.0.1:1/%2F", queue.exchange, connect_timeout=0.5).start()
    try:
        failing = _stream(store, dead, uid)
        _scenario(store, uid)
        name = failing.name
        with store.read() as session:
            before = cursor.read(session, name)
        cycle = failing.run_once()
        with store.read() as session:
            after = cursor.read(session, name)
        failing.release()
    finally:
        dead.close()
    assert cycle.error is not None and cycle.published == 0
    assert before is not None and after is not None
    assert (after.after, after.page, after.published) == (before.after, before.page, 0)
    assert queue.take() == []
    # The broker back: a restarted stream (a new process: new owner) resumes from the cursor.
    sent = EpcisStream(store, publisher, _settings(uid)).drain()
    assert sent == len(queue.take()) > 30


def test_two_streamers_at_once_advance_the_cursor_once(store, uid, queue, publisher):
    streams = [_stream(store, publisher, uid, stream_batch=5) for _ in range(2)]
    _scenario(store, uid)
    published = [0, 0]
    held = [0, 0]
    start = threading.Barrier(2)

    with store.read() as session:
        target = recording.recorded_now(session)

    def run(i: int) -> None:
        start.wait(10)
        for _ in range(1000):  # bounded: about 10 cycles of work, the rest waits on the lease
            cycle = streams[i].run_once()
            assert cycle.error is None
            published[i] += cycle.published
            held[i] += cycle.held
            if streams[i].caught_up(target):
                break
            time.sleep(0.01 if cycle.held or not cycle.more else 0)
        streams[i].release()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    received = queue.take()
    with store.read() as session:
        final = cursor.read(session, streams[0].name)
    assert final is not None
    assert sum(published) == final.published == len(received)
    assert len({r.message_id for r in received}) == len(received)  # nothing published twice
    assert sum(held) > 0  # they did meet at the lease


def test_cli_stream_once_publishes_what_is_recorded(store, database_url, uid, queue):
    from typer.testing import CliRunner

    from gateway.cli import app

    env = {"TRACEBRIDGE_DATABASE_URL": database_url, "TRACEBRIDGE_AMQP_URL": URL,
           "TRACEBRIDGE_EVENTS_EXCHANGE": queue.exchange, "TRACEBRIDGE_EPCIS_TIME_ZONE": ZONE,
           "TRACEBRIDGE_EPCIS_STREAM_FROM": "now", "TRACEBRIDGE_EPCIS_STREAM_NAME": f"cli-{uid}"}
    first = CliRunner().invoke(app, ["epcis", "stream", "--once"], env=env)
    assert first.exit_code == 0, first.output
    _scenario(store, uid)
    second = CliRunner().invoke(app, ["epcis", "stream", "--once"], env=env)
    assert second.exit_code == 0, second.output
    received = queue.take()
    assert f"{len(received)} EPCIS event(s) published" in second.output and len(received) > 30
    refused = CliRunner().invoke(app, ["epcis", "stream", "--once"],
                                 env={**env, "TRACEBRIDGE_AMQP_URL": ""})
    assert refused.exit_code == 2


def test_serve_streams_when_configured(store, database_url, uid, queue):
    from gateway.events.settings import EventsSettings
    from tests.amqp_support import wait_for

    epcis = _settings(uid, stream=True, stream_interval=0.1)
    EpcisStream(store, None, epcis).start_cursor()  # type: ignore[arg-type] - only the cursor
    settings = Settings(database_url=database_url, amqp_url=URL, epcis=epcis,
                        events=EventsSettings(exchange=queue.exchange))
    received: list[Received] = []
    with TestClient(create_app(settings)):
        _scenario(store, uid)
        assert wait_for(lambda: bool(received.extend(queue.take())) or len(received) >= 36, timeout=60)
    assert {r.content_type for r in received} == {"application/ld+json"}


def test_postgresql_waits_only_for_writes_running_in_its_own_database(pg_store, uid, queue, publisher):
    import psycopg

    from tests.databases import PG_ADMIN_URL

    stream = _stream(pg_store, publisher, uid)
    s = _scenario(pg_store, uid)
    stream.drain()
    queue.take()

    def operation(i: int) -> c.RecordOperation:
        return c.RecordOperation(serial=s.n("P1"), operation="XRAY", station=s.n("XR1"), started_at=t(60 + i),
                                 completed_at=t(60.5 + i), result="pass", transaction_id=s.n(f"tx-x{i}"))

    with psycopg.connect(PG_ADMIN_URL) as elsewhere:  # another database of the same cluster
        elsewhere.execute("SELECT pg_current_xact_id()")  # a write transaction left running there
        standards_scenario.run(pg_store, [operation(1)], uid)
        assert stream.drain(max_wait=5) == 1  # not held back by the other database
        with pg_store.write() as session:  # a write running here: its rows wait for its commit
            c.execute(session, operation(2), source="test", message_id=f"{uid}-x2")
            assert stream.drain(max_wait=0.5) == 0
        assert stream.drain() == 1
        elsewhere.rollback()
    assert [e["tb:operation"] for e in _events_of(queue.take())] == ["XRAY", "XRAY"]
