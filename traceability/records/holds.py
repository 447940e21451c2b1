"""Holds on many targets at once: units, lots, work orders, containers, by their natural keys."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from traceability.models import Hold
from traceability.records.keys import keys, member_of

H = Hold.__table__


@dataclass(frozen=True)
class HoldRecord:
    id: int
    target_kind: str
    target_key: str
    reason: str
    held_by: str
    held_at: datetime
    released_by: str | None
    released_at: datetime | None
    case_id: str | None


@cache
def _statement(dialect: str):  # type: ignore[no-untyped-def]
    # Kinds and keys as two sets (the index leads with the kind); exact pairs are kept in Python.
    return (select(*H.c).where(H.c.target_kind.in_(bindparam("kinds", expanding=True)),
                               member_of(H.c.target_key, "keys", dialect, text=True))
            .order_by(H.c.held_at, H.c.id))


def holds_on(session: Session, targets: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[HoldRecord]]:
    """Per (kind, key), every hold placed on it (open and released), oldest first."""
    wanted = set(targets)
    if not wanted:
        return {}
    dialect = session.get_bind().dialect.name
    out: dict[tuple[str, str], list[HoldRecord]] = defaultdict(list)
    rows = session.execute(_statement(dialect), {"kinds": sorted({k for k, _ in wanted}),
                                                    "keys": keys(dialect, (k for _, k in wanted))})
    for r in rows:
        if (r.target_kind, r.target_key) in wanted:
            out[(r.target_kind, r.target_key)].append(HoldRecord(**r._mapping))
    return out
