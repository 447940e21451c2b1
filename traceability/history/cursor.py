"""A named reader's cursor over the recording order (table history_cursor), under a lease.

`take` gives the cursor to one process at a time: a conditional UPDATE of its row (the row lock
serializes it on PostgreSQL, the single writer on SQLite), so any number of processes may try.
`advance` is a compare-and-set from the position read: it moves the cursor only if nobody else
did meanwhile and the lease is still ours, so an advance is never applied twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from traceability.history.recording import ORIGIN
from traceability.history.sources import Cursor
from traceability.models.history import HistoryCursor
from traceability.types import utcnow

T = HistoryCursor.__table__


@dataclass(frozen=True)
class Position:
    after: int  # everything recorded up to here is done
    upto: int | None  # the slice in progress, if any
    page: Cursor | None  # the last fact done in that slice (event-time order)
    published: int = 0

    def next_page(self, last: Cursor) -> Position:
        return replace(self, page=last)

    def slice_done(self) -> Position:
        assert self.upto is not None
        return replace(self, after=self.upto, upto=None, page=None)


def ensure(session: Session, name: str, *, start: int = ORIGIN) -> None:
    """Create the cursor at `start` unless it exists (the first of several processes wins)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(T).values(name=name, recorded_after=start, published=0,
                                             updated_at=utcnow()).on_conflict_do_nothing(index_elements=["name"]))


def take(session: Session, name: str, owner: str, lease: timedelta) -> Position | None:
    """The cursor with a lease for `owner` until now + lease; None while another holds it."""
    now = utcnow()
    taken = session.execute(
        update(T).where(T.c.name == name, or_(T.c.lease_owner.is_(None), T.c.lease_owner == owner,
                                              T.c.lease_until.is_(None), T.c.lease_until < now))
        .values(lease_owner=owner, lease_until=now + lease)).rowcount
    if taken != 1:
        return None
    return read(session, name)


def read(session: Session, name: str) -> Position | None:
    row = session.execute(select(T).where(T.c.name == name)).first()
    if row is None:
        return None
    page = (row.page_at, row.page_rank, row.page_key) if row.page_at is not None else None
    return Position(after=row.recorded_after, upto=row.recorded_upto, page=page, published=row.published)


def _columns(p: Position) -> dict:
    at, rank, key = p.page if p.page is not None else (None, None, None)
    return {"recorded_after": p.after, "recorded_upto": p.upto, "page_at": at, "page_rank": rank,
            "page_key": key}


def advance(session: Session, name: str, owner: str, old: Position, new: Position, *,
            published: int = 0) -> bool:
    """Move from `old` to `new` if the row still holds `old` and our lease; False otherwise."""
    same = [T.c[k] == v if v is not None else T.c[k].is_(None) for k, v in _columns(old).items()]
    moved = session.execute(
        update(T).where(T.c.name == name, T.c.lease_owner == owner, and_(*same))
        .values(**_columns(new), published=T.c.published + published, updated_at=utcnow())).rowcount
    return moved == 1


def release(session: Session, name: str, owner: str) -> None:
    session.execute(update(T).where(T.c.name == name, T.c.lease_owner == owner)
                    .values(lease_owner=None, lease_until=None))


def leased_until(session: Session, name: str) -> datetime | None:
    return session.scalar(select(T.c.lease_until).where(T.c.name == name))
