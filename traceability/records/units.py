"""Units (serials) with their part and work order, and the unit each one is installed in now."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.models import ComponentInstallation, Part, Unit, WorkOrder
from traceability.records.keys import keys, member_of

U, INST = Unit.__table__, ComponentInstallation.__table__


class UnitRecord(NamedTuple):
    """Immutable, built straight from a result row: a recall's top level is a thousand of them, and a
    frozen dataclass's __init__ cost 1.3 µs each against 0.2 µs for a named tuple."""

    id: int
    serial: str
    part_number: str
    part_description: str
    kind: str
    status: str
    work_order_id: int | None
    work_order: str | None
    panel_unit_id: int | None
    panel_position: int | None
    depanelized_at: datetime | None
    created_at: datetime


@cache
def _units_statement(dialect: str, by: str):  # type: ignore[no-untyped-def]
    part, wo = Part.__table__, WorkOrder.__table__
    key = U.c.id if by == "id" else U.c.serial
    return (
        select(U.c.id, U.c.serial, part.c.part_number, part.c.description.label("part_description"),
               U.c.kind, U.c.status, U.c.work_order_id, wo.c.number.label("work_order"),
               U.c.panel_unit_id, U.c.panel_position, U.c.depanelized_at, U.c.created_at)
        .select_from(U.join(part, part.c.id == U.c.part_id).outerjoin(wo, wo.c.id == U.c.work_order_id))
        .where(member_of(key, "keys", dialect, text=by == "serial"))
    )


def _units(session: Session, by: str, wanted: Iterable[object]) -> list[UnitRecord]:
    dialect = session.get_bind().dialect.name
    rows = session.execute(_units_statement(dialect, by), {"keys": keys(dialect, wanted)}).all()
    # Fetched at once and built from columns in field order: a page and a recall's top level are
    # hundreds of rows, and row-by-row fetching with a mapping per row cost more than the query.
    return list(map(UnitRecord._make, rows))


def units_by_id(session: Session, ids: Iterable[int]) -> dict[int, UnitRecord]:
    return {u.id: u for u in _units(session, "id", ids)}


def units_by_serial(session: Session, serials: Iterable[str]) -> dict[str, UnitRecord]:
    return {u.serial: u for u in _units(session, "serial", serials)}


@cache
def _parents_statement(dialect: str):  # type: ignore[no-untyped-def]
    return select(INST.c.child_unit_id, INST.c.parent_unit_id).where(
        member_of(INST.c.child_unit_id, "keys", dialect), INST.c.removed_at.is_(None))


def parents_of(session: Session, unit_ids: Iterable[int]) -> dict[int, int]:
    """child unit id -> the unit it is installed in now (units not installed are absent)."""
    dialect = session.get_bind().dialect.name
    rows = session.execute(_parents_statement(dialect), {"keys": keys(dialect, unit_ids)})
    return {r.child_unit_id: r.parent_unit_id for r in rows}
