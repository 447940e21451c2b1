"""Material lots (and sublots: reels, trays) with their part, parent lot and sublots."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.models import MaterialLot, Part
from traceability.records.keys import keys, member_of

L = MaterialLot.__table__


@dataclass(frozen=True)
class LotRecord:
    id: int
    lot_code: str
    part_number: str
    part_description: str
    supplier: str | None
    supplier_lot: str | None
    date_code: str | None
    quantity: float
    status: str
    parent_lot_id: int | None
    parent_lot: str | None
    location: str | None
    received_at: datetime


@cache
def _statement(dialect: str, by: str):  # type: ignore[no-untyped-def]
    part, parent = Part.__table__, L.alias("parent")
    key = {"code": L.c.lot_code, "id": L.c.id, "parent": L.c.parent_lot_id}[by]
    return (
        select(L.c.id, L.c.lot_code, part.c.part_number, part.c.description.label("part_description"),
               L.c.supplier, L.c.supplier_lot, L.c.date_code, L.c.quantity, L.c.status,
               L.c.parent_lot_id, parent.c.lot_code.label("parent_lot"), L.c.location, L.c.received_at)
        .select_from(L.join(part, part.c.id == L.c.part_id)
                     .outerjoin(parent, parent.c.id == L.c.parent_lot_id))
        .where(member_of(key, "keys", dialect, text=by == "code"))
        .order_by(L.c.id)
    )


def _lots(session: Session, by: str, wanted: Iterable[object]) -> list[LotRecord]:
    dialect = session.get_bind().dialect.name
    rows = session.execute(_statement(dialect, by), {"keys": keys(dialect, wanted)})
    return [LotRecord(**r._mapping) for r in rows]


def lots_by_code(session: Session, codes: Iterable[str]) -> dict[str, LotRecord]:
    return {r.lot_code: r for r in _lots(session, "code", codes)}


def sublots_of(session: Session, lot_ids: Iterable[int]) -> dict[int, list[LotRecord]]:
    """Per parent lot id, the lots split from it directly."""
    out: dict[int, list[LotRecord]] = defaultdict(list)
    for r in _lots(session, "parent", lot_ids):
        out[r.parent_lot_id or 0].append(r)
    return out
