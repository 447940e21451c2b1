"""Equipment (ISA-95): stations and the lines they belong to."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from traceability.types import UTCDateTime, utcnow


class Equipment(SQLModel, table=True):
    __tablename__ = "equipment"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    kind: str = Field(default="station", max_length=16)  # site | line | station
    station_type: str | None = Field(default=None, max_length=32)  # SMT, REFLOW, AOI, ICT ...
    line_code: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
