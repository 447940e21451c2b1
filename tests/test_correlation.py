"""The correlation id follows a change: from the request (X-Request-ID) or machine message (CFX
UniqueID) to its idempotency row, its outbox rows and the CloudEvents envelope the relay publishes."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.app import create_app
from gateway.events.envelope import Envelope
from gateway.settings import Settings
from tests.fault_support import Stream
from traceability import commands as c
from traceability import outbox
from traceability.models import InboundMessage, OutboxEvent


def _client(store) -> TestClient:  # type: ignore[no-untyped-def]
    url = store.engine.url.render_as_string(hide_password=False).replace("postgresql+psycopg://",
                                                                         "postgresql://")
    settings = Settings(database_url=url)
    settings.events.relay = False  # the rows stay for the test to claim
    return TestClient(create_app(settings))


def test_a_request_id_reaches_the_idempotency_row_the_outbox_and_the_event(store, uid):
    rid = f"req-{uid}"
    with store.write() as s:
        c.execute(s, c.DefinePart(part_number=f"{uid}-PRD", serialized=True))
    order = {"Version": 1, "MaterialDefinitionID": f"{uid}-PRD", "Quantity": {"QuantityString": "5"}}
    with _client(store) as client:
        answer = client.put(f"/api/v1/erp/work-orders/{uid}-WO", json=order,
                            headers={"Idempotency-Key": f"{uid}-k1", "X-Request-ID": rid})
    assert answer.status_code in (200, 201), answer.text
    assert answer.headers["x-request-id"] == rid
    with store.read() as s:
        inbound = s.scalars(select(InboundMessage).where(InboundMessage.message_id == f"{uid}-k1")).one()
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.aggregate_id == f"{uid}-WO")).all()
    assert inbound.correlation_id == rid
    assert rows and {r.correlation_id for r in rows} == {rid}
    with store.write() as s:
        claimed = [m for m in outbox.claim(s, "events", limit=10_000) if m.aggregate_id == f"{uid}-WO"]
    assert claimed and all(Envelope.from_outbox(m, source="urn:test").to_dict()["correlationid"] == rid
                           for m in claimed)


def test_a_cfx_unique_id_is_the_correlation_id_of_its_message(store, uid):
    stream = Stream(uid, units=3, per_message=2)
    stream.prepare(store)
    first, *rest = stream.messages()
    with _client(store) as client:
        assert client.post("/api/v1/cfx", json=first).status_code == 200  # one message
        assert client.post("/api/v1/cfx", json=rest).status_code == 200  # a set-based batch
    with store.read() as s:
        rows = s.scalars(select(InboundMessage).where(
            InboundMessage.source.in_([f"cfx:{x}" for x in stream.sources]))).all()
    assert sorted((r.message_id, r.correlation_id) for r in rows) == sorted(
        (m["UniqueID"], m["UniqueID"]) for m in stream.messages())
