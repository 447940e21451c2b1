"""Device messages the store received but did not apply as they came: held, dead-lettered, ignored.

Applied messages leave their trace in `inbound_message` (idempotency) and in the rows they wrote;
this table keeps the others with their raw payload so an operator can see why and re-apply them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from traceability.types import BigId, UTCDateTime, utcnow


class DeviceMessage(SQLModel, table=True):
    """One message per (source, message id); a redelivery bumps `attempts`, never adds a row."""

    __tablename__ = "device_message"
    __table_args__ = (
        UniqueConstraint("source", "message_id", name="uq_device_message_source_id"),
        Index("ix_device_message_status", "status", "id"),
        Index("ix_device_message_hold", "hold_key", "status"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    kind: str = Field(default="cfx", max_length=16)
    source: str = Field(max_length=200)
    message_id: str = Field(max_length=200)
    message_name: str = Field(default="", max_length=200)
    status: str = Field(max_length=16)  # held | dead | ignored | applied (after a requeue or release)
    reason: str | None = Field(default=None, max_length=1000)
    field: str | None = Field(default=None, max_length=200)
    hold_key: str | None = Field(default=None, max_length=100)  # what a held message waits for
    device_time: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    body: str = Field(sa_column=Column(Text, nullable=False))  # the payload as received
    attempts: int = 1
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
