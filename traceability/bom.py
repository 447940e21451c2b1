"""What a part is built with, per routing revision, and what a work order consumed.

`revisions` is a part's routing history (every revision kept, with the ECO that obsoleted it);
`work_order_routing` is the revision an order is pinned to, with the BOM per operation;
`consumption` sums what was installed into the order's units per operation, part and lot (one query).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from traceability import lookup
from traceability.commands.routing import effective_status, routing_content
from traceability.errors import NotFound
from traceability.models import ComponentInstallation, MaterialLot, Part, Routing, Unit, WorkOrder


@dataclass(frozen=True)
class Revision:
    revision: str
    status: str  # as of now: an ECO's date takes effect by itself
    obsolete_from: datetime | None
    change_notice: str | None
    published_at: datetime


@dataclass(frozen=True)
class Consumed:
    operation: str | None
    part_number: str
    lot: str
    quantity: float


def revisions(session: Session, part_number: str) -> list[Revision]:
    part = lookup.part(session, part_number, "part")
    rows = session.scalars(select(Routing).where(Routing.part_id == part.id)
                           .order_by(Routing.created_at, Routing.id)).all()
    return [Revision(r.revision, effective_status(r), r.obsolete_from, r.change_notice, r.created_at)
            for r in rows]


def routing(session: Session, part_number: str, revision: str) -> tuple[Revision, list[dict]]:
    """One revision and its operations (BOM and parameter specs per operation)."""
    row = session.scalars(select(Routing).join(Part, Part.id == Routing.part_id).where(
        Part.part_number == part_number, Routing.revision == revision)).first()
    if row is None:
        raise NotFound(f"no routing {part_number} rev {revision}", field="revision")
    info = Revision(row.revision, effective_status(row), row.obsolete_from, row.change_notice, row.created_at)
    return info, routing_content(session, row)


def work_order_routing(session: Session, number: str) -> dict:
    """The revision the order is pinned to and its BOM per operation."""
    wo = lookup.work_order(session, number, "number")
    part = session.get(Part, wo.part_id)
    row = session.get(Routing, wo.routing_id) if wo.routing_id else None
    return {
        "number": wo.number, "part_number": part.part_number if part else None, "status": wo.status,
        "revision": row.revision if row else None,
        "operations": routing_content(session, row) if row else [],
    }


def consumption(session: Session, work_order_id: int) -> list[Consumed]:
    """Lots installed into the order's units (removed ones too: they were used up), summed."""
    ci = ComponentInstallation
    rows = session.execute(
        select(ci.operation, Part.part_number, MaterialLot.lot_code, func.sum(ci.quantity))
        .join(Unit, Unit.id == ci.parent_unit_id)
        .join(MaterialLot, MaterialLot.id == ci.lot_id)
        .join(Part, Part.id == ci.part_id)
        .where(Unit.work_order_id == work_order_id)
        .group_by(ci.operation, Part.part_number, MaterialLot.lot_code)
        .order_by(ci.operation, Part.part_number, MaterialLot.lot_code)
    ).all()
    return [Consumed(op, pn, lot, float(qty)) for op, pn, lot, qty in rows]


def work_order_id(session: Session, number: str) -> int:
    row = session.scalars(select(WorkOrder.id).where(WorkOrder.number == number)).first()
    if row is None:
        raise NotFound(f"unknown work order {number!r}", field="number")
    return row
