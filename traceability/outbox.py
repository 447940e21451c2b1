"""Appending to the transactional outbox: events and outbound calls leave only after commit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from traceability.models import AggregateSequence, OutboxEvent


def _next_sequence(session: Session, aggregate_type: str, aggregate_id: str, destination: str) -> int:
    """Atomic per-aggregate counter: an upsert that locks the counter row until commit."""
    dialect = session.get_bind().dialect.name
    ins = (postgresql if dialect == "postgresql" else sqlite).insert(AggregateSequence)
    stmt = ins.values(
        aggregate_type=aggregate_type, aggregate_id=aggregate_id, destination=destination, last=1
    ).on_conflict_do_update(
        index_elements=["aggregate_type", "aggregate_id", "destination"],
        set_={"last": AggregateSequence.last + 1},
    ).returning(AggregateSequence.last)
    return int(session.execute(stmt).scalar_one())


def emit(
    session: Session,
    type: str,
    *,
    aggregate_type: str,
    aggregate_id: str,
    data: dict[str, Any],
    destination: str = "events",
) -> str:
    """Record one event (or outbound call) in the caller's transaction; returns its id."""
    event_id = str(uuid.uuid4())
    seq = _next_sequence(session, aggregate_type, aggregate_id, destination)
    session.execute(
        insert(OutboxEvent).values(
            event_id=event_id, destination=destination, type=type,
            aggregate_type=aggregate_type, aggregate_id=aggregate_id, sequence=seq, payload=data,
        )
    )
    return event_id
