"""The transactional outbox: events and outbound calls are rows written with the change they report.

`emit` appends in the caller's transaction. A relay (see gateway/outbox_relay.py) later `claim`s a
batch under a short lease, delivers it outside any transaction, then marks each row sent or
schedules its retry. A relay that dies mid-delivery leaves the lease to expire and another relay
takes over: delivery is at least once, and every message carries its `event_id` as idempotency key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, delete, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from traceability import correlation
from traceability.bulk_insert import insert_rows
from traceability.events import version_of
from traceability.models import AggregateSequence, OutboxEvent
from traceability.types import utcnow

OUTBOX_WRITTEN = "outbox_written"  # session.info key set by `emit`


@dataclass(frozen=True)
class OutboxMessage:
    """A claimed outbox row, detached from the session that claimed it."""

    id: int
    event_id: str
    destination: str
    type: str
    aggregate_type: str
    aggregate_id: str
    sequence: int
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    version: int = 1
    correlation_id: str | None = None


def _sequence_upsert(dialect: str) -> Any:
    """Atomic per-aggregate counter: an upsert that locks the counter row until commit.
    Built once per dialect: constructing it per event cost more than running it."""
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        seq = AggregateSequence.__table__
        ins = (postgresql if dialect == "postgresql" else sqlite).insert(seq)
        stmt = ins.values(
            aggregate_type=bindparam("aggregate_type"), aggregate_id=bindparam("aggregate_id"),
            destination=bindparam("destination"), last=1,
        ).on_conflict_do_update(
            index_elements=["aggregate_type", "aggregate_id", "destination"],
            set_={"last": seq.c["last"] + 1},
        ).returning(seq.c["last"])
        _UPSERTS[dialect] = stmt
    return stmt


_UPSERTS: dict[str, Any] = {}


def emit(
    session: Session,
    type: str,
    *,
    aggregate_type: str,
    aggregate_id: str,
    data: dict[str, Any],
    destination: str = "events",
) -> str:
    """Record one event (or outbound call) in the caller's transaction; returns its id.

    The payload version comes from the event catalog (traceability/events.py), so a row keeps the
    version it was written with across an upgrade.
    """
    event_id = str(uuid.uuid4())
    conn = session.connection()
    key = {"aggregate_type": aggregate_type, "aggregate_id": aggregate_id, "destination": destination}
    seq = int(conn.execute(_sequence_upsert(conn.dialect.name), key).scalar_one())
    conn.execute(OutboxEvent.__table__.insert(), {
        **key, "event_id": event_id, "type": type, "version": version_of(type), "sequence": seq,
        "payload": data, "created_at": utcnow(), "correlation_id": correlation.current.get()})
    # Lets a relay in this process wake on commit instead of waiting for its next poll.
    session.info[OUTBOX_WRITTEN] = True
    return event_id


class Event(NamedTuple):
    type: str
    aggregate_type: str
    aggregate_id: str
    data: dict[str, Any]


def emit_many(session: Session, events: list[Event], *, destination: str = "events") -> list[str]:
    """`emit` for a batch: one counter upsert and one insert for all of them, in order per aggregate."""
    if not events:
        return []
    counts: dict[tuple[str, str], int] = {}
    for e in events:
        counts[(e.aggregate_type, e.aggregate_id)] = counts.get((e.aggregate_type, e.aggregate_id), 0) + 1
    dialect = session.get_bind().dialect.name
    ins = (postgresql if dialect == "postgresql" else sqlite).insert(AggregateSequence.__table__)
    stmt = ins.on_conflict_do_update(
        index_elements=["aggregate_type", "aggregate_id", "destination"],
        set_={"last": AggregateSequence.__table__.c.last + ins.excluded.last},
    ).returning(ins.table.c.aggregate_type, ins.table.c.aggregate_id, ins.table.c.last)
    # Sorted, so concurrent writers lock the counter rows in one order.
    keys = sorted(counts)
    rows = session.execute(stmt, [{"aggregate_type": t, "aggregate_id": i, "destination": destination,
                                   "last": counts[(t, i)]} for t, i in keys]).all()
    nxt = {(r.aggregate_type, r.aggregate_id): r.last - counts[(r.aggregate_type, r.aggregate_id)] + 1
           for r in rows}
    out, values, now, cid = [], [], utcnow(), correlation.current.get()
    for e in events:
        key = (e.aggregate_type, e.aggregate_id)
        event_id = str(uuid.uuid4())
        out.append(event_id)
        values.append({"event_id": event_id, "destination": destination, "type": e.type,
                       "aggregate_type": e.aggregate_type, "aggregate_id": e.aggregate_id,
                       "sequence": nxt[key], "payload": e.data, "version": version_of(e.type),
                       "created_at": now, "correlation_id": cid})
        nxt[key] += 1
    insert_rows(session, OutboxEvent.__table__, values)  # no per-row parameter processing
    session.info[OUTBOX_WRITTEN] = True
    return out


def _due(now: datetime) -> Any:
    o = OutboxEvent.__table__.c
    return or_(
        and_(o.status == "pending", or_(o.next_attempt_at.is_(None), o.next_attempt_at <= now)),
        and_(o.status == "sending", o.next_attempt_at <= now),  # an expired lease: its relay died
    )


def has_due(session: Session, destination: str) -> bool:
    """Anything to claim? A read, so an idle relay polling SQLite never takes the write lock."""
    o = OutboxEvent.__table__.c
    return bool(session.execute(select(exists().where(o.destination == destination,
                                                      _due(utcnow())))).scalar())


def claim(
    session: Session, destination: str, *, limit: int = 100, lease: timedelta = timedelta(seconds=60),
    ordered: bool = False,
) -> list[OutboxMessage]:
    """Take up to `limit` due rows under a lease. `ordered`: only the oldest unsent row per aggregate,
    so a receiver that needs order (an ERP confirming a work order) never sees a later one first."""
    now = utcnow()
    o = OutboxEvent.__table__.c  # Core rows and updates: the ORM's per-row bookkeeping halved throughput
    query = select(*(o[f] for f in _MESSAGE_FIELDS)).where(o.destination == destination, _due(now))
    if ordered:
        older = OutboxEvent.__table__.alias("older").c
        query = query.where(~exists().where(
            older.destination == o.destination, older.aggregate_type == o.aggregate_type,
            older.aggregate_id == o.aggregate_id, older.id < o.id, older.status != "sent"))
    query = query.order_by(o.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.execute(query).all()
    if not rows:
        return []
    session.execute(update(OutboxEvent.__table__).where(o.id.in_([r.id for r in rows]))
                    .values(status="sending", next_attempt_at=now + lease))
    return [OutboxMessage(id=r.id, event_id=r.event_id, destination=r.destination, type=r.type,
                          aggregate_type=r.aggregate_type, aggregate_id=r.aggregate_id,
                          sequence=r.sequence, payload=r.payload, created_at=r.created_at,
                          attempts=r.attempts, version=r.version, correlation_id=r.correlation_id)
            for r in rows]


_MESSAGE_FIELDS = ("id", "event_id", "destination", "type", "aggregate_type", "aggregate_id", "sequence",
                   "payload", "created_at", "attempts", "version", "correlation_id")


def mark_sent(session: Session, ids: list[int]) -> None:
    if ids:
        t = OutboxEvent.__table__
        session.execute(update(t).where(t.c.id.in_(ids))
                        .values(status="sent", sent_at=utcnow(), last_error=None))


def mark_failed(session: Session, message: OutboxMessage, error: str, *, retry_at: datetime | None) -> None:
    """Count a failed attempt; `retry_at=None` gives up (status failed, visible, retryable by hand)."""
    session.execute(update(OutboxEvent).where(OutboxEvent.id == message.id).values(
        status="pending" if retry_at else "failed", attempts=message.attempts + 1,
        next_attempt_at=retry_at, last_error=error[:1000]))


def retry(session: Session, destination: str, ids: list[int] | None = None) -> int:
    """Put failed rows back in the queue (all of a destination's, or the given ids)."""
    stmt = update(OutboxEvent).where(OutboxEvent.destination == destination, OutboxEvent.status == "failed")
    if ids is not None:
        stmt = stmt.where(OutboxEvent.id.in_(ids))
    return session.execute(stmt.values(status="pending", attempts=0, next_attempt_at=None)).rowcount or 0


def prune(session: Session, *, sent_before: datetime, after_id: int = 0, limit: int = 5_000,
          ) -> tuple[int, int | None]:
    """One batch of retention, every destination, oldest rows first: of the next `limit` rows after
    `after_id`, delete those sent before `sent_before`. Rows not sent (pending, failed) stay, however
    old. Returns (rows deleted, the id to go on after; None once the batch reached rows created
    since `sent_before`, or the end). Walks the primary key, so it needs no index of its own and
    stops a batch past the old rows, however many recent ones follow."""
    t = OutboxEvent.__table__
    rows = session.execute(select(t.c.id, t.c.status, t.c.sent_at, t.c.created_at)
                           .where(t.c.id > after_id).order_by(t.c.id).limit(limit)).all()
    old = [r for r in rows if r.created_at < sent_before]
    ids = [r.id for r in old if r.status == "sent" and r.sent_at is not None and r.sent_at < sent_before]
    if ids:
        session.execute(delete(t).where(t.c.id.in_(ids)))
    done = len(old) < len(rows) or len(rows) < limit
    return len(ids), None if done else rows[-1].id


def listing(session: Session, destination: str, *, status: str | None = None, limit: int = 100,
            after_id: int = 0) -> list[OutboxEvent]:
    query = select(OutboxEvent).where(OutboxEvent.destination == destination, OutboxEvent.id > after_id)
    if status:
        query = query.where(OutboxEvent.status == status)
    return list(session.scalars(query.order_by(OutboxEvent.id).limit(limit)))
