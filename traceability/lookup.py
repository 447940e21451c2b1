"""Resolving the plant's natural keys (part numbers, serials, lot codes) to rows, in batches.

Every resolver takes all the keys a command names and answers with one query; an unknown key is
refused naming the field it came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability.errors import Invalid
from traceability.models import Container, MaterialLot, Part, Unit, WorkOrder


def _resolve(session: Session, model, key_col, keys: Iterable[str]) -> dict:  # type: ignore[no-untyped-def]
    wanted = {k for k in keys if k}
    if not wanted:
        return {}
    rows = session.scalars(select(model).where(key_col.in_(wanted))).all()
    return {getattr(r, key_col.key): r for r in rows}


def parts(session: Session, numbers: Iterable[str]) -> dict[str, Part]:
    return _resolve(session, Part, Part.part_number, numbers)


def units(session: Session, serials: Iterable[str]) -> dict[str, Unit]:
    return _resolve(session, Unit, Unit.serial, serials)


def lots(session: Session, codes: Iterable[str]) -> dict[str, MaterialLot]:
    return _resolve(session, MaterialLot, MaterialLot.lot_code, codes)


def containers(session: Session, codes: Iterable[str]) -> dict[str, Container]:
    return _resolve(session, Container, Container.code, codes)


def require(found: Mapping[str, object], key: str | None, field: str, what: str):  # type: ignore[no-untyped-def]
    """The row for `key`, or an Invalid naming `field`."""
    if not key:
        raise Invalid(field, f"{what} is required")
    row = found.get(key)
    if row is None:
        raise Invalid(field, f"unknown {what} {key!r}")
    return row


def part(session: Session, number: str, field: str = "part_number") -> Part:
    return require(parts(session, [number]), number, field, "part")


def unit(session: Session, serial: str, field: str = "serial") -> Unit:
    return require(units(session, [serial]), serial, field, "unit")


def lot(session: Session, code: str, field: str = "lot") -> MaterialLot:
    return require(lots(session, [code]), code, field, "material lot")


def work_order(session: Session, number: str, field: str = "work_order") -> WorkOrder:
    row = session.scalars(select(WorkOrder).where(WorkOrder.number == number)).first()
    if row is None:
        raise Invalid(field, f"unknown work order {number!r}")
    return row
