"""Material definitions (parts), material lots and sublots (reels), and what is loaded where."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from traceability.models.history import recorded
from traceability.types import UTCDateTime, utcnow


class Part(SQLModel, table=True):
    """ISA-95 material definition."""

    __tablename__ = "part"

    id: int | None = Field(default=None, primary_key=True)
    part_number: str = Field(max_length=64, unique=True)
    revision: str = Field(default="", max_length=16)
    description: str = Field(default="", max_length=200)
    serialized: bool = False
    unit_of_measure: str = Field(default="EA", max_length=16)
    gtin: str | None = Field(default=None, max_length=14)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MaterialLot(SQLModel, table=True):
    """ISA-95 material lot; a reel or tray is a lot whose `parent_lot_id` names the lot it came from."""

    __tablename__ = "material_lot"
    __table_args__ = (Index("ix_material_lot_parent", "parent_lot_id"),
                      Index("ix_material_lot_recorded", "recorded_seq"))

    id: int | None = Field(default=None, primary_key=True)
    lot_code: str = Field(max_length=64, unique=True)
    part_id: int = Field(foreign_key="part.id", index=True)
    supplier: str | None = Field(default=None, max_length=100)
    supplier_lot: str | None = Field(default=None, max_length=64)
    date_code: str | None = Field(default=None, max_length=16)
    quantity: float = 0
    status: str = Field(default="released", max_length=16)  # released | quarantined | consumed
    parent_lot_id: int | None = Field(default=None, foreign_key="material_lot.id")
    location: str | None = Field(default=None, max_length=64)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_seq: int | None = recorded()  # the history's recording order (models/history.py)


class MaterialLoad(SQLModel, table=True):
    """A lot sitting on a station location (feeder, slot, lane) from loaded_at until unloaded_at.

    A splice closes the running load and opens the next one at the same location, linked by
    `spliced_from_id`; an installation that names only a location is attributed through this table.
    """

    __tablename__ = "material_load"
    __table_args__ = (Index("ix_material_load_at", "station", "location", "loaded_at"),)

    id: int | None = Field(default=None, primary_key=True)
    station: str = Field(max_length=64)
    location: str = Field(max_length=64)
    lot_id: int = Field(foreign_key="material_lot.id", index=True)
    loaded_at: datetime = Field(sa_type=UTCDateTime)
    unloaded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    spliced_from_id: int | None = Field(default=None, foreign_key="material_load.id")
    source_message_id: str | None = Field(default=None, max_length=100)
