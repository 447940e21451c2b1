"""Device health: each adapter reports what it sees of a source; the store keeps one row per source."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from traceability import outbox
from traceability.commands.base import Command
from traceability.models import DeviceStatus
from traceability.types import utcnow


class ReportDeviceStatus(Command):
    source: str = Field(min_length=1, max_length=200)
    kind: Literal["cfx", "modbus"]
    status: Literal["connected", "lost", "unknown"] | None = None
    station: str | None = Field(default=None, max_length=64)
    seen_at: AwareDatetime | None = None
    error: str | None = Field(default=None, max_length=1000)
    clock_offset_s: float | None = None
    messages: int = Field(default=0, ge=0)  # how many more messages were received
    problems: dict[str, int] = Field(default_factory=dict)  # problem kind -> how many more


def report_device_status(session: Session, cmd: ReportDeviceStatus) -> dict:
    """Merge a report into the source's row; a change of status is an event."""
    row = _row(session, cmd.source)
    if row is None:
        # Two processes may see a new source at once: insert-or-nothing, then lock the row.
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(dialect.insert(DeviceStatus.__table__).values(
            source=cmd.source, kind=cmd.kind, status="unknown", messages=0, problems={},
            updated_at=utcnow()).on_conflict_do_nothing(index_elements=["source"]))
        row = _row(session, cmd.source)
        assert row is not None
    old = row.status
    if cmd.status:
        row.status = cmd.status
    row.station = cmd.station or row.station
    row.last_seen_at = cmd.seen_at or row.last_seen_at
    # An empty error clears the last one (a fault cleared); so does coming back after a loss.
    if cmd.error is not None or (cmd.status == "connected" and old != "connected"):
        row.last_error = cmd.error or None
    if cmd.clock_offset_s is not None:
        row.clock_offset_s = cmd.clock_offset_s
    row.messages = (row.messages or 0) + cmd.messages
    if cmd.problems:
        merged = dict(row.problems or {})
        for kind, n in cmd.problems.items():
            merged[kind] = merged.get(kind, 0) + n
        row.problems = merged
    row.updated_at = utcnow()
    session.flush()
    if cmd.status and cmd.status != old and cmd.status in ("connected", "lost"):
        outbox.emit(session, f"device.{cmd.status}", aggregate_type="device", aggregate_id=cmd.source,
                    data={"source": cmd.source, "kind": cmd.kind, "status": cmd.status,
                          "error": cmd.error, "station": row.station})
    return {"source": cmd.source, "status": row.status}


def _row(session: Session, source: str) -> DeviceStatus | None:
    query = select(DeviceStatus).where(DeviceStatus.source == source)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).first()


def device_statuses(session: Session, kind: str | None = None) -> list[DeviceStatus]:
    query = select(DeviceStatus).order_by(DeviceStatus.kind, DeviceStatus.source)
    if kind:
        query = query.where(DeviceStatus.kind == kind)
    return list(session.scalars(query))
