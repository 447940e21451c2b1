"""Data governance tables: the credentials that may call the gateway and the audit log of changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Index, text
from sqlmodel import Field, SQLModel

from traceability.types import BigId, UTCDateTime, utcnow

UNSEALED = text("seq IS NULL")


class ApiKey(SQLModel, table=True):
    """An API key: only the SHA-256 of its secret is kept; the secret is shown once at creation."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    key_id: str = Field(max_length=32, unique=True)  # public half, the lookup index
    secret_hash: str = Field(max_length=64)
    name: str = Field(max_length=100)
    scopes: list = Field(sa_column=Column(JSON, nullable=False))
    sites: list | None = Field(default=None, sa_column=Column(JSON))  # None: every site
    lines: list | None = Field(default=None, sa_column=Column(JSON))  # None: every line
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """One change to the store. Inserted unsealed in the change's transaction; the sealer later
    gives it `seq` (commit order) and `entry_hash` = sha256(prev_hash + canonical entry)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_unsealed", "id", sqlite_where=UNSEALED, postgresql_where=UNSEALED),
        Index("ix_audit_target", "target", "recorded_at"),
        Index("ix_audit_actor", "actor", "recorded_at"),
        Index("ix_audit_recorded_at", "recorded_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True))
    seq: int | None = Field(default=None, sa_column=Column(BigInteger, unique=True))
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=200)
    command: str = Field(max_length=64)
    target: str | None = Field(default=None, max_length=200)
    source: str = Field(max_length=64)
    message_id: str | None = Field(default=None, max_length=200)
    payload_hash: str = Field(max_length=64)
    prev_hash: str | None = Field(default=None, max_length=64)
    entry_hash: str | None = Field(default=None, max_length=64)
