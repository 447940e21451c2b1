"""Containers: the chain each unit is packed in (box -> pallet -> shipment), containers by code."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import and_, literal, select
from sqlalchemy.orm import Session

from traceability.models import Container, ContainerItem
from traceability.records.keys import keys, member_of

C, CI = Container.__table__, ContainerItem.__table__
MAX_NESTING = 8  # box in pallet in shipment is 3; the cap ends a walk through bad (cyclic) data


@dataclass(frozen=True)
class ContainerRecord:
    id: int
    code: str
    kind: str
    status: str
    customer: str | None
    destination: str | None
    shipped_at: datetime | None
    parent_code: str | None


def _columns_and_parent():  # type: ignore[no-untyped-def]
    up, parent = CI.alias("up_item"), C.alias("parent")
    cols = (C.c.id, C.c.code, C.c.kind, C.c.status, C.c.customer, C.c.destination, C.c.shipped_at,
            parent.c.code.label("parent_code"))
    joined = C.outerjoin(up, and_(up.c.child_container_id == C.c.id, up.c.unpacked_at.is_(None))
                         ).outerjoin(parent, parent.c.id == up.c.container_id)
    return cols, joined


@cache
def _chain_statement(dialect: str):  # type: ignore[no-untyped-def]
    chain = (select(CI.c.unit_id.label("unit_id"), CI.c.container_id.label("container_id"),
                    literal(0).label("level"))
             .where(member_of(CI.c.unit_id, "keys", dialect), CI.c.unpacked_at.is_(None))
             .cte("chain", recursive=True))
    outer = CI.alias("outer_item")
    chain = chain.union_all(
        select(chain.c.unit_id, outer.c.container_id, chain.c.level + 1)
        .select_from(chain.join(outer, outer.c.child_container_id == chain.c.container_id))
        .where(outer.c.unpacked_at.is_(None), chain.c.level < MAX_NESTING))
    cols, joined = _columns_and_parent()
    return (select(chain.c.unit_id, *cols).select_from(joined.join(chain, chain.c.container_id == C.c.id))
            .order_by(chain.c.unit_id, chain.c.level))


def container_chains(session: Session, unit_ids: Iterable[int]) -> dict[int, list[ContainerRecord]]:
    """Per unit, the containers it is packed in now, innermost first."""
    dialect = session.get_bind().dialect.name
    out: dict[int, list[ContainerRecord]] = defaultdict(list)
    for r in session.execute(_chain_statement(dialect), {"keys": keys(dialect, unit_ids)}):
        m = r._mapping
        out[m["unit_id"]].append(ContainerRecord(**{k: m[k] for k in ContainerRecord.__dataclass_fields__}))
    return out


@cache
def _by_code_statement(dialect: str):  # type: ignore[no-untyped-def]
    cols, joined = _columns_and_parent()
    return select(*cols).select_from(joined).where(member_of(C.c.code, "keys", dialect, text=True))


def containers_by_code(session: Session, codes: Iterable[str]) -> dict[str, ContainerRecord]:
    dialect = session.get_bind().dialect.name
    rows = session.execute(_by_code_statement(dialect), {"keys": keys(dialect, codes)})
    return {r.code: ContainerRecord(**r._mapping) for r in rows}
