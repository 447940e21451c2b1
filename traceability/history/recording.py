"""The recording order: how far a reader may go, and slices of it small enough to page through.

Facts are read in slices (after, upto] of `recorded_seq` (models/history.py), each in event-time
order. `horizon` is the last number whose writes have all ended: on PostgreSQL just below the
oldest transaction still running (a transaction that started earlier but commits later is never
passed over), on SQLite the counter itself (one writer at a time, so it is in commit order).
`slice_end` keeps a slice to about `rows` rows per table, so a reader catching up on a large
history sorts small slices, not the whole table per page.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from traceability.models import (
    ComponentInstallation,
    Container,
    ContainerItem,
    MaterialLot,
    Unit,
    UnitOperation,
)
from traceability.models.history import HistoryClock

ORIGIN = -(2**62)  # before every row: rows older than the column are numbered -id
TABLES = (MaterialLot, Unit, ComponentInstallation, UnitOperation, ContainerItem, Container)


def horizon(session: Session) -> int:
    if session.get_bind().dialect.name == "postgresql":
        xmin = session.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
        return int(xmin) - 1
    return int(session.scalar(select(HistoryClock.last).where(HistoryClock.id == 1)) or 0)


def slice_end(session: Session, after: int, upto: int, rows: int) -> int:
    """The end of the next slice after `after`: at most `upto`, at most `rows` rows of any table
    (one transaction's rows share a number on PostgreSQL and are never split)."""
    end = upto
    for model in TABLES:
        seq = model.__table__.c.recorded_seq
        nth = session.scalar(select(seq).where(seq > after, seq <= end).order_by(seq)
                             .offset(rows - 1).limit(1))
        if nth is not None:
            end = min(end, int(nth))
    return end
