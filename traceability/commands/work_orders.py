"""Work orders from ERP: create or update by the ERP's version, and status transitions."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from traceability import confirmations, lookup, outbox, warehouse_reports
from traceability.commands.base import Command
from traceability.commands.routing import effective_status, usable_now
from traceability.errors import Conflict, Invalid, NotFound
from traceability.models import Part, Routing, WorkOrder
from traceability.types import utcnow

WorkOrderStatus = Literal["planned", "released", "in_progress", "completed", "closed", "cancelled"]

FINISHED = {"completed", "closed"}  # entering one reports the order's consumption to the WMS
# Which status may follow which. Re-stating the current status is a no-op, not an error.
TRANSITIONS: dict[str, set[str]] = {
    "planned": {"released", "cancelled"},
    "released": {"in_progress", "completed", "cancelled", "planned"},
    "in_progress": {"completed", "cancelled"},
    "completed": {"closed", "in_progress"},
    "closed": set(),
    "cancelled": set(),
}


class SyncWorkOrder(Command):
    number: str = Field(min_length=1, max_length=64)
    part_number: str = Field(min_length=1, max_length=64)
    part_revision: str | None = Field(default=None, max_length=16)
    quantity: float = Field(gt=0)
    routing_revision: str | None = Field(default=None, max_length=16)
    status: WorkOrderStatus = "planned"
    due_date: date | None = None
    line: str | None = Field(default=None, max_length=64)
    source_system: str = Field(default="", max_length=32)
    version: int | None = Field(default=None, ge=0)


def sync_work_order(session: Session, cmd: SyncWorkOrder) -> dict:
    """Create or update. An older ERP version than the stored one is acknowledged and ignored."""
    part = lookup.part(session, cmd.part_number)
    if cmd.part_revision and part.revision and cmd.part_revision != part.revision:
        raise Invalid("part_revision", f"{cmd.part_number} is at revision {part.revision!r}, "
                      f"not {cmd.part_revision!r}")
    routing = _routing(session, part.id, cmd)
    row = _locked(session, cmd.number)
    if row is not None and cmd.version is not None and cmd.version <= row.external_version:
        return _answer(row, stale=cmd.version < row.external_version)
    if row is None:
        row = WorkOrder(number=cmd.number, part_id=part.id, quantity=cmd.quantity,
                        routing_id=routing.id if routing else None, status=cmd.status,
                        due_date=cmd.due_date, line_code=cmd.line,
                        source_system=cmd.source_system, external_version=cmd.version or 0)
        session.add(row)
        event, finished = "workorder.created", cmd.status in FINISHED
    else:
        if row.part_id != part.id:
            raise Conflict(f"work order {cmd.number!r} is for another part", field="part_number")
        # Without a named revision a released order keeps its pin (a newer revision is not a change).
        follows = cmd.routing_revision is not None or row.status == "planned" or row.routing_id is None
        new_routing = routing.id if routing and follows else row.routing_id
        if new_routing != row.routing_id and row.status != "planned":
            raise Conflict(
                f"work order {cmd.number!r} is {row.status} on its routing revision; "
                "a released order stays pinned to it", field="routing_revision")
        closing = cmd.status != row.status and cmd.status == "closed"
        if cmd.status == "released" and row.status == "planned":  # releasing pins the revision
            _require_usable(session, new_routing, "routing_revision")
        if cmd.status != row.status:
            _check_transition(row.status, cmd.status)
        finished = cmd.status != row.status and cmd.status in FINISHED
        row.quantity, row.routing_id, row.status = cmd.quantity, new_routing, cmd.status
        row.due_date, row.line_code = cmd.due_date, cmd.line
        row.external_version = cmd.version if cmd.version is not None else row.external_version
        row.version += 1
        row.updated_at = utcnow()
        event = "workorder.updated"
    session.flush()
    outbox.emit(session, event, aggregate_type="work_order", aggregate_id=cmd.number,
                data=cmd.model_dump(mode="json"))
    if event == "workorder.updated" and closing:
        confirmations.work_order_closed(session, row)
    if finished:
        warehouse_reports.work_order_finished(session, row)
    return _answer(row)


class ChangeWorkOrderStatus(Command):
    number: str = Field(min_length=1, max_length=64)
    status: WorkOrderStatus
    reason: str = Field(default="", max_length=500)


def change_work_order_status(session: Session, cmd: ChangeWorkOrderStatus) -> dict:
    row = _locked(session, cmd.number)
    if row is None:
        raise Invalid("number", f"unknown work order {cmd.number!r}")
    if row.status == cmd.status:
        return _answer(row)
    _check_transition(row.status, cmd.status)
    if cmd.status == "released" and row.routing_id is None:
        raise Invalid("status", f"work order {cmd.number!r} has no routing revision to release on")
    if cmd.status == "released" and row.status == "planned":
        _require_usable(session, row.routing_id, "status")
    old, row.status = row.status, cmd.status
    row.version += 1
    row.updated_at = utcnow()
    session.flush()
    outbox.emit(session, "workorder.status", aggregate_type="work_order", aggregate_id=cmd.number,
                data={"number": cmd.number, "from": old, "status": cmd.status, "reason": cmd.reason})
    if cmd.status == "closed":
        confirmations.work_order_closed(session, row)
    if cmd.status in FINISHED:
        warehouse_reports.work_order_finished(session, row)
    return _answer(row)


def describe_work_order(session: Session, number: str) -> dict:
    """A work order as the store holds it, with its part and routing revision (one query)."""
    found = session.execute(
        select(WorkOrder, Part.part_number, Part.revision, Part.unit_of_measure, Routing.revision)
        .join(Part, Part.id == WorkOrder.part_id)
        .outerjoin(Routing, Routing.id == WorkOrder.routing_id)
        .where(WorkOrder.number == number)).first()
    if found is None:
        raise NotFound(f"no work order {number!r}", field="number")
    wo, part_number, part_revision, uom, routing_revision = found
    return {"number": wo.number, "part_number": part_number, "part_revision": part_revision or None,
            "unit_of_measure": uom, "quantity": wo.quantity, "routing_revision": routing_revision,
            "status": wo.status, "due_date": wo.due_date, "line": wo.line_code,
            "source_system": wo.source_system, "external_version": wo.external_version,
            "version": wo.version, "updated_at": wo.updated_at}


def _locked(session: Session, number: str) -> WorkOrder | None:
    """The work order, row-locked until commit (PostgreSQL; SQLite writers are serialized anyway):
    two concurrent versions of one order apply one after the other, and the older loses."""
    query = select(WorkOrder).where(WorkOrder.number == number).with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).first()


def _check_transition(old: str, new: str) -> None:
    if new not in TRANSITIONS[old]:
        allowed = ", ".join(sorted(TRANSITIONS[old])) or "none"
        raise Invalid("status", f"cannot go from {old} to {new} (allowed: {allowed})")


def _routing(session: Session, part_id: int, cmd: SyncWorkOrder) -> Routing | None:
    """The revision the order names (usable unless it keeps the one it is pinned to), or the newest
    usable one. An ECO's obsolete date stops new orders, never the ones already pinned."""
    query = select(Routing).where(Routing.part_id == part_id)
    if cmd.routing_revision:
        routing = session.scalars(query.where(Routing.revision == cmd.routing_revision)).first()
        if routing is None:
            raise Invalid("routing_revision",
                          f"no routing revision {cmd.routing_revision!r} for {cmd.part_number}")
        pinned = session.scalars(select(WorkOrder.routing_id).where(WorkOrder.number == cmd.number)).first()
        if routing.id != pinned:
            _check_usable(routing, "routing_revision")
        return routing
    # No revision named: the newest usable one, if PLM has published any.
    return session.scalars(
        query.where(usable_now()).order_by(Routing.created_at.desc(), Routing.id.desc())
    ).first()


def _require_usable(session: Session, routing_id: int | None, field: str) -> None:
    routing = session.get(Routing, routing_id) if routing_id is not None else None
    if routing is not None:
        _check_usable(routing, field)


def _check_usable(routing: Routing, field: str) -> None:
    status = effective_status(routing)
    if status != "released":
        since = f" since {routing.obsolete_from.isoformat()}" if routing.obsolete_from else ""
        eco = f" by {routing.change_notice}" if routing.change_notice else ""
        raise Invalid(field, f"routing revision {routing.revision!r} is {status}{since}{eco}; "
                             "new work orders cannot be released on it")


def _answer(row: WorkOrder, *, stale: bool = False) -> dict:
    out = {"number": row.number, "status": row.status, "version": row.version,
           "external_version": row.external_version}
    if stale:
        out["ignored"] = "an older version than the stored one"
    return out
