"""The recording order: how far a reader may go, and slices of it small enough to page through.

Facts are read in slices (after, upto] of the recording columns (models/history.py), each in
event-time order. `horizon` is the last number whose writes have all ended: on PostgreSQL just
below the oldest transaction still running in this database (a transaction that took its id
earlier but commits later is never passed over), on SQLite the counter itself (one writer at a
time, so it is in commit order). `slice_end` keeps a slice to about `rows` rows per recording
column, so a reader catching up on a large history sorts small slices, not a whole table per page.
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
COLUMNS = [model.__table__.c[name] for model, names in (
    (MaterialLot, ["recorded_seq"]), (Unit, ["recorded_seq"]),
    (ComponentInstallation, ["recorded_seq", "removed_seq"]),
    (UnitOperation, ["recorded_seq", "completed_seq"]),
    (ContainerItem, ["recorded_seq", "unpacked_seq"]), (Container, ["shipped_seq"])) for name in names]


def horizon(session: Session) -> int:
    if session.get_bind().dialect.name == "postgresql":
        return _pg_horizon(session)
    return int(session.scalar(select(HistoryClock.last).where(HistoryClock.id == 1)) or 0)


def _pg_horizon(session: Session) -> int:
    """Below the oldest transaction still running *in this database* (ids are cluster-wide: a long
    transaction in another database must not hold the stream back). The snapshot first, then the
    backends: a transaction in the snapshot's running list that is gone by the second read has
    committed (or aborted), so what it wrote is visible to every later read. Once per transaction:
    PostgreSQL keeps the first read of pg_stat_activity for the rest of the transaction."""
    _xmin, xmax, running = str(session.scalar(text("SELECT pg_current_snapshot()::text"))).split(":")
    if not running:
        return int(xmax) - 1
    here = {int(x) for x in session.scalars(text(
        "SELECT backend_xid::text FROM pg_stat_activity "
        "WHERE datname = current_database() AND backend_xid IS NOT NULL"))}
    mine = [int(x) for x in running.split(",") if int(x) % 2**32 in here]  # xid8 -> its 32-bit xid
    return (min(mine) if mine else int(xmax)) - 1


def recorded_now(session: Session) -> int:
    """The last number handed out so far: `horizon` reaches it once the writes running now end."""
    if session.get_bind().dialect.name == "postgresql":
        xmax = session.scalar(text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"))
        return int(xmax) - 1
    return horizon(session)


def slice_end(session: Session, after: int, upto: int, rows: int) -> int:
    """The end of the next slice after `after`: at most `upto`, at most `rows` rows per recording column
    (one transaction's rows share a number on PostgreSQL and are never split)."""
    end = upto
    for seq in COLUMNS:
        nth = session.scalar(select(seq).where(seq > after, seq <= end).order_by(seq)
                             .offset(rows - 1).limit(1))
        if nth is not None:
            end = min(end, int(nth))
    return end
