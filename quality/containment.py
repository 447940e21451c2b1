"""Containment: from a suspect lot (or a suspect window, see `quality.suspect_window`) to holds.

One command finds every affected unit (the lot's forward trace: units that contain it at any
level), splits them into units still in the plant and units already shipped, holds the former,
lists the latter by shipment and customer for notification, and records all of it as one
containment case whose holds carry the case code (`Hold.case_id`), so the case is released as a
whole. A unit is out of the plant when it, or a unit it is built into, sits in a shipped shipment.
The work is set-based: a handful of statements and one batch insert, whatever the scope.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field
from sqlalchemy import Integer, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from quality.models import ContainmentCase
from traceability import genealogy, lookup, outbox
from traceability.commands.base import Command
from traceability.errors import Invalid, NotFound
from traceability.models import ComponentInstallation, Container, ContainerItem, Hold, Unit
from traceability.types import utcnow

NOT_HOLDABLE = {"scrapped", "depanelized"}  # a scrapped unit or a cut panel cannot run again


class ContainLot(Command):
    lot: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=400)
    by: str = Field(min_length=1, max_length=100)
    at: AwareDatetime | None = None


def contain_lot(session: Session, cmd: ContainLot) -> dict:
    lookup.lot(session, cmd.lot)
    trace = genealogy.forward(session, cmd.lot)
    case = ContainmentCase(code=new_case_code(), kind="lot", lot_code=cmd.lot, reason=cmd.reason,
                           opened_by=cmd.by, opened_at=cmd.at or utcnow())
    return contain(session, case, [u.id for u in trace.units], extra_scope={"lots": trace.lots})


class ReleaseContainment(Command):
    case: str = Field(min_length=1, max_length=64)
    by: str = Field(min_length=1, max_length=100)
    at: AwareDatetime | None = None


def release_containment(session: Session, cmd: ReleaseContainment) -> dict:
    case = session.scalars(select(ContainmentCase).where(ContainmentCase.code == cmd.case)).first()
    if case is None:
        raise Invalid("case", f"unknown containment case {cmd.case!r}")
    if case.status == "released":
        return {"case": case.code, "changed": False, "released": 0}
    at = cmd.at or utcnow()
    released = session.execute(update(Hold).where(Hold.case_id == case.code, Hold.released_at.is_(None))
                               .values(released_at=at, released_by=cmd.by)).rowcount or 0
    case.status, case.released_at, case.released_by = "released", at, cmd.by
    session.flush()
    outbox.emit(session, "containment.released", aggregate_type="containment", aggregate_id=case.code,
                data={"case": case.code, "by": cmd.by, "released_at": at.isoformat(), "holds": released})
    return {"case": case.code, "changed": True, "released": released}


def new_case_code() -> str:
    return f"CC-{uuid.uuid4().hex[:12].upper()}"


def contain(session: Session, case: ContainmentCase, unit_ids: list[int], *,
            extra_scope: dict[str, Any] | None = None) -> dict:
    """Hold the in-plant units among `unit_ids`, list the shipped ones, record the case."""
    units = _units(session, unit_ids)
    shipped_in = _shipments(session, list(units))
    out = _out_of_plant(session, units, shipped_in)
    held = sorted((u for uid, u in units.items() if uid not in out and u.status not in NOT_HOLDABLE),
                  key=lambda u: u.serial)
    reason = f"containment {case.code}: {case.reason}"[:500]
    if held:
        session.execute(insert(Hold), [
            {"target_kind": "unit", "target_key": u.serial, "reason": reason, "held_by": case.opened_by,
             "held_at": case.opened_at, "case_id": case.code} for u in held])
    shipments: dict[str, dict[str, Any]] = {}
    for uid, (code, customer, shipped_at) in shipped_in.items():
        entry = shipments.setdefault(code, {"shipment": code, "customer": customer,
                                            "shipped_at": shipped_at.isoformat() if shipped_at else None,
                                            "serials": []})
        entry["serials"].append(units[uid].serial)
    for entry in shipments.values():
        entry["serials"].sort()
    containers = genealogy.containers_of(session, [u.id for u in held])
    case.scope = {
        **(extra_scope or {}),
        "held": [u.serial for u in held],
        "shipped": sorted(shipments.values(), key=lambda s: s["shipment"]),
        "out_of_plant": sorted(units[uid].serial for uid in out),
        "not_holdable": sorted(u.serial for uid, u in units.items()
                               if uid not in out and u.status in NOT_HOLDABLE),
        "containers": [{"code": c.code, "kind": c.kind, "status": c.status} for c in containers],
    }
    case.held_count, case.shipped_count = len(held), len(out)
    session.add(case)
    session.flush()
    outbox.emit(session, "containment.opened", aggregate_type="containment", aggregate_id=case.code,
                data={"case": case.code, "kind": case.kind, "reason": case.reason, "by": case.opened_by,
                      "lot": case.lot_code, "station": case.station, "held": case.held_count,
                      "serials_held": case.scope["held"], "shipments": case.scope["shipped"]})
    return case_answer(case)


def case_answer(case: ContainmentCase) -> dict:
    return {"case": case.code, "kind": case.kind, "status": case.status, "held": case.held_count,
            "out_of_plant": case.shipped_count,
            "shipments": [{"shipment": s["shipment"], "customer": s["customer"], "units": len(s["serials"])}
                          for s in case.scope.get("shipped", [])]}


def _ids_param(session: Session, column, ids: list[int]):  # type: ignore[no-untyped-def]
    """`column IN ids` as one array parameter on PostgreSQL (thousands of ids plan like one)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == func.any(bindparam("ids", ids, type_=ARRAY(Integer)))
    return column.in_(bindparam("ids", ids, expanding=True))


def _units(session: Session, unit_ids: list[int]) -> dict[int, Any]:
    if not unit_ids:
        return {}
    rows = session.execute(select(Unit.id, Unit.serial, Unit.status, Unit.kind)
                           .where(_ids_param(session, Unit.__table__.c.id, list(set(unit_ids))))).all()
    return {r.id: r for r in rows}


def _shipments(session: Session, unit_ids: list[int]) -> dict[int, tuple[str, str | None, datetime | None]]:
    """unit id -> (shipment, customer, shipped at) for units packed, at any depth, in a shipped one."""
    if not unit_ids:
        return {}
    ci, c = ContainerItem.__table__, Container.__table__
    packed = select(ci.c.unit_id.label("unit_id"), ci.c.container_id.label("container_id")).where(
        _ids_param(session, ci.c.unit_id, unit_ids), ci.c.unpacked_at.is_(None)).cte("packed", recursive=True)
    outer = ci.alias("outer_item")
    packed = packed.union(select(packed.c.unit_id, outer.c.container_id).select_from(
        packed.join(outer, outer.c.child_container_id == packed.c.container_id)
    ).where(outer.c.unpacked_at.is_(None)))
    rows = session.execute(select(packed.c.unit_id, c.c.code, c.c.customer, c.c.shipped_at)
                           .select_from(packed.join(c, c.c.id == packed.c.container_id))
                           .where(c.c.kind == "shipment", c.c.status == "shipped")).all()
    return {r.unit_id: (r.code, r.customer, r.shipped_at) for r in rows}


def _out_of_plant(session: Session, units: dict[int, Any], shipped_in: dict) -> set[int]:
    """Shipped units and every unit built into one of them (parents are in the same trace)."""
    out = {uid for uid, u in units.items() if uid in shipped_in or u.status == "shipped"}
    if not out or len(out) == len(units):
        return out
    i = ComponentInstallation.__table__
    parents: dict[int, set[int]] = defaultdict(set)
    for child, parent in session.execute(select(i.c.child_unit_id, i.c.parent_unit_id).where(
            _ids_param(session, i.c.child_unit_id, list(units)), i.c.removed_at.is_(None))):
        parents[child].add(parent)
    for _ in range(len(units)):  # bounded: each pass settles at least one more level
        more = {uid for uid in units if uid not in out and parents[uid] & out}
        if not more:
            break
        out |= more
    return out


def get_case(session: Session, code: str) -> ContainmentCase:
    case = session.scalars(select(ContainmentCase).where(ContainmentCase.code == code)).first()
    if case is None:
        raise NotFound(f"no containment case {code!r}", field="case")
    return case


def open_holds_of(session: Session, code: str) -> int:
    """How many of the case's holds are still open (a hold may be released on its own)."""
    return session.scalar(select(func.count()).select_from(Hold).where(
        Hold.case_id == code, Hold.released_at.is_(None))) or 0
