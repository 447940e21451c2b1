"""The history's recording order: which write recorded a fact, and readers' positions in that order.

`recorded_seq` (on the tables the history's facts come from) is set by database triggers (migration
0018) on insert, and `removed_seq`, `completed_seq`, `unpacked_seq`, `shipped_seq` when a row gains
that fact, so no writer can forget them and a later fact never re-records an earlier one.
PostgreSQL: the writing transaction's id; a reader takes only what lies below the oldest
transaction still running, so a slow commit is never skipped. SQLite (one writer at a time): a
counter bumped in the writing transaction. Rows older than the columns carry negative numbers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from traceability.types import UTCDateTime, utcnow


def recorded(name: str = "recorded_seq") -> Any:
    """A recording-order column (`recorded_seq`: the insert; `removed_seq`, `completed_seq`,
    `unpacked_seq`, `shipped_seq`: when that fact was recorded); written by the triggers only."""
    return Field(default=None, sa_column=Column(name, BigInteger, nullable=True))


class HistoryCursor(SQLModel, table=True):
    """A named reader's position in the recording order (the EPCIS stream is one).

    Everything recorded up to `recorded_after` is done. A slice (recorded_after, recorded_upto]
    in progress is read in event-time order; `page_*` is the last fact of it done. One process
    holds the lease at a time; it advances the row only after its output was confirmed.
    """

    __tablename__ = "history_cursor"

    name: str = Field(max_length=64, primary_key=True)
    recorded_after: int = Field(sa_column=Column(BigInteger, nullable=False))
    recorded_upto: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    page_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    page_rank: int | None = None
    page_key: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class HistoryClock(SQLModel, table=True):
    """SQLite's recording counter (one row, bumped by the triggers); unused on PostgreSQL."""

    __tablename__ = "history_clock"

    id: int = Field(primary_key=True)
    last: int = Field(sa_column=Column(BigInteger, nullable=False))
