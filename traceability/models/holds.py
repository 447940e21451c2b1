"""Holds on a unit, lot, work order, container or station, with who, why, when and the release."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from traceability.types import UTCDateTime, utcnow


class Hold(SQLModel, table=True):
    __tablename__ = "hold"
    __table_args__ = (Index("ix_hold_target", "target_kind", "target_key", "released_at"),)

    id: int | None = Field(default=None, primary_key=True)
    target_kind: str = Field(max_length=16)  # unit | lot | work_order | container
    target_key: str = Field(max_length=100)  # serial, lot code, order number, container code
    reason: str = Field(max_length=500)
    held_by: str = Field(max_length=100)
    held_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    released_by: str | None = Field(default=None, max_length=100)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    case_id: str | None = Field(default=None, max_length=64, index=True)  # a containment case
