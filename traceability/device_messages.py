"""Device messages kept aside: held until what they name exists, dead-lettered, or ignored.

Like the outbox, this is bookkeeping in the caller's transaction, not a plant change: a message
parked here changed nothing in the store. A redelivery of a parked message updates its row
(attempts, reason) instead of adding one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from traceability import outbox
from traceability.models import DeviceMessage, UnitOperation
from traceability.types import utcnow

Parked = Literal["held", "dead", "ignored"]


def park(
    session: Session, *, status: Parked, source: str, message_id: str, message_name: str, body: str,
    reason: str | None = None, field: str | None = None, hold_key: str | None = None,
    device_time: datetime | None = None, received_at: datetime | None = None, kind: str = "cfx",
) -> int:
    """Insert or refresh the row of (source, message_id); returns its id."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = {"kind": kind, "source": source[:200], "message_id": message_id[:200],
              "message_name": message_name[:200], "status": status,
              "reason": reason[:1000] if reason else None, "field": field[:200] if field else None,
              "hold_key": hold_key, "device_time": device_time,
              "received_at": received_at or utcnow(), "body": body, "attempts": 1}
    table = DeviceMessage.__table__
    stmt = dialect.insert(table).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["source", "message_id"],
        set_={"status": stmt.excluded.status, "reason": stmt.excluded.reason,
              "field": stmt.excluded.field, "hold_key": stmt.excluded.hold_key,
              "attempts": table.c.attempts + 1, "resolved_at": None},
    ).returning(table.c.id, table.c.attempts)
    row_id, attempts = session.execute(stmt).one()
    if status == "dead":  # someone has to look at it: an event, in the same transaction
        outbox.emit(session, "message.deadlettered", aggregate_type="device", aggregate_id=source[:100],
                    data={"id": row_id, "kind": kind, "source": source[:200], "message_id": message_id[:200],
                          "message_name": message_name[:200], "reason": reason[:1000] if reason else None,
                          "field": field[:200] if field else None, "attempts": attempts})
    return int(row_id)


def resolve(session: Session, ids: list[int]) -> None:
    """Mark parked messages as applied (a held one released, a dead one re-applied)."""
    if ids:
        session.execute(update(DeviceMessage).where(DeviceMessage.id.in_(ids))
                        .values(status="applied", resolved_at=utcnow(), reason=None, field=None))


def held_for(session: Session, hold_key: str) -> list[DeviceMessage]:
    return list(session.scalars(select(DeviceMessage).where(
        DeviceMessage.hold_key == hold_key, DeviceMessage.status == "held").order_by(DeviceMessage.id)))


def held_keys_ready(session: Session, limit: int = 100) -> list[str]:
    """Hold keys (work transaction ids) of held messages whose transaction now exists."""
    return list(session.scalars(
        select(DeviceMessage.hold_key).where(
            DeviceMessage.status == "held",
            DeviceMessage.hold_key.in_(select(UnitOperation.transaction_id)
                                       .where(UnitOperation.transaction_id.is_not(None))))
        .distinct().limit(limit)))


def listing(session: Session, *, status: str | None = "dead", source: str | None = None,
            after_id: int = 0, limit: int = 100) -> list[DeviceMessage]:
    query = select(DeviceMessage).where(DeviceMessage.id > after_id)
    if status:
        query = query.where(DeviceMessage.status == status)
    if source:
        query = query.where(DeviceMessage.source == source)
    return list(session.scalars(query.order_by(DeviceMessage.id).limit(limit)))


def get(session: Session, message_id: int) -> DeviceMessage | None:
    return session.get(DeviceMessage, message_id)
