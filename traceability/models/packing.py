"""Containers (box, pallet, shipment) and what is packed in them, time-aware."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from traceability.models.history import recorded
from traceability.types import UTCDateTime, utcnow


class Container(SQLModel, table=True):
    __tablename__ = "container"
    __table_args__ = (Index("ix_container_shipped_seq", "shipped_seq",
                            sqlite_where=text("shipped_seq IS NOT NULL"),
                            postgresql_where=text("shipped_seq IS NOT NULL")),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=100, unique=True)
    kind: str = Field(max_length=16)  # box | pallet | shipment
    status: str = Field(default="open", max_length=16)  # open | closed | shipped
    customer: str | None = Field(default=None, max_length=100)
    destination: str | None = Field(default=None, max_length=200)
    shipped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    shipped_seq: int | None = recorded("shipped_seq")  # the history's recording order (models/history.py)


class ContainerItem(SQLModel, table=True):
    """A unit or a child container inside a container from packed_at until unpacked_at."""

    __tablename__ = "container_item"
    __table_args__ = (
        Index("ix_container_item_container", "container_id"),
        Index("ix_container_item_unit", "unit_id"),
        Index("ix_container_item_child", "child_container_id"),
        Index("ix_container_item_packed_at", "packed_at"),  # history export by time
        Index("ix_container_item_recorded", "recorded_seq"),
        Index("ix_container_item_unpacked_seq", "unpacked_seq", sqlite_where=text("unpacked_seq IS NOT NULL"),
              postgresql_where=text("unpacked_seq IS NOT NULL")),
        Index("ix_container_item_unpacked_at", "unpacked_at", sqlite_where=text("unpacked_at IS NOT NULL"),
              postgresql_where=text("unpacked_at IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    container_id: int = Field(foreign_key="container.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    child_container_id: int | None = Field(default=None, foreign_key="container.id")
    packed_at: datetime = Field(sa_type=UTCDateTime)
    unpacked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recorded_seq: int | None = recorded()  # the history's recording order (models/history.py)
    unpacked_seq: int | None = recorded("unpacked_seq")
