"""What the store knows about each data source: CFX endpoints and Modbus devices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from traceability.types import UTCDateTime, utcnow


class DeviceStatus(SQLModel, table=True):
    """One row per source (a CFX handle or a Modbus device name), updated as it reports or drops."""

    __tablename__ = "device_status"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=16)  # cfx | modbus
    station: str | None = Field(default=None, max_length=64)
    status: str = Field(default="unknown", max_length=16)  # connected | lost | unknown
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=1000)
    clock_offset_s: float | None = None  # device TimeStamp minus receive time, last observed
    messages: int = 0
    problems: dict | None = Field(default=None, sa_column=Column(JSON))  # kind of problem -> count
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
