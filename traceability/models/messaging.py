"""What crosses the store's boundary: the inbound message log (idempotency) and the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from traceability.types import BigId, UTCDateTime, utcnow


class InboundMessage(SQLModel, table=True):
    """One accepted message per (source, message id); a resend returns the stored answer."""

    __tablename__ = "inbound_message"
    __table_args__ = (UniqueConstraint("source", "message_id", name="uq_inbound_source_id"),)

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    source: str = Field(max_length=64)
    message_id: str = Field(max_length=200)
    command: str = Field(max_length=64)
    payload_hash: str = Field(max_length=64)
    response: dict | None = Field(default=None, sa_column=Column(JSON))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    correlation_id: str | None = Field(default=None, max_length=128)  # X-Request-ID or CFX UniqueID


class OutboxEvent(SQLModel, table=True):
    """An event or an outbound call written in the same transaction as the change it reports.

    `destination` is 'events' for the event exchange, or an external system ('erp', 'wms').
    `sequence` counts per aggregate so consumers can drop duplicates and spot gaps.
    """

    __tablename__ = "outbox_event"
    __table_args__ = (
        Index("ix_outbox_pending", "destination", "status", "id"),
        UniqueConstraint("aggregate_type", "aggregate_id", "sequence", "destination",
                         name="uq_outbox_aggregate_seq"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    event_id: str = Field(max_length=36, unique=True)
    destination: str = Field(default="events", max_length=16)
    type: str = Field(max_length=64)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})  # payload version
    aggregate_type: str = Field(max_length=32)
    aggregate_id: str = Field(max_length=100)
    sequence: int
    payload: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=1000)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    correlation_id: str | None = Field(default=None, max_length=128)  # the request or message that caused it


class AggregateSequence(SQLModel, table=True):
    """The last sequence number handed out per aggregate and destination (row-locked upsert)."""

    __tablename__ = "aggregate_sequence"

    aggregate_type: str = Field(max_length=32, primary_key=True)
    aggregate_id: str = Field(max_length=100, primary_key=True)
    destination: str = Field(default="events", max_length=16, primary_key=True)
    last: int = 0
