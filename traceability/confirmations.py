"""Confirmations to the ERP: what a work order's units did, written in the transaction that did it.

A work order that came from the ERP (source system 'erp') is confirmed back: one confirmation per
unit that completes an operation good or scrapped, and a final one with the totals per operation
when the order closes. They are outbox rows (destination 'erp', aggregate = the work order, so they
are delivered in order); the ERP adapter delivers them, keyed by the row's event id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from traceability import outbox
from traceability.models import Unit, UnitOperation, WorkOrder

DESTINATION = "erp"
CONFIRMED_RESULTS = {"pass": (1, 0), "scrapped": (0, 1)}  # result -> (good, scrap)


def _from_erp(session: Session, work_order_id: int | None) -> WorkOrder | None:
    if work_order_id is None:
        return None
    wo = session.get(WorkOrder, work_order_id)  # the identity map answers repeats in a batch
    return wo if wo is not None and wo.source_system.lower() == DESTINATION else None


def operation_completed(session: Session, *, unit: Unit, work_order_id: int | None, operation: str,
                        station: str, result: str | None, completed_at: datetime) -> None:
    """A unit finished an operation: good or scrap is confirmed; a failure waits for its retest.

    A panel counts as the boards registered on it (the order's quantity is in boards); a panel
    whose boards are not registered yet counts as one.
    """
    counts = CONFIRMED_RESULTS.get(result or "")
    wo = _from_erp(session, work_order_id) if counts else None
    if wo is None or counts is None:
        return
    quantity = 1
    if unit.kind == "panel":
        boards = session.scalar(select(func.count()).select_from(Unit).where(Unit.panel_unit_id == unit.id))
        quantity = boards or 1
    outbox.emit(session, "workorder.confirmation", aggregate_type="work_order", aggregate_id=wo.number,
                destination=DESTINATION, data={
                    "work_order": wo.number, "final": False, "operations": [{
                        "operation": operation, "good": counts[0] * quantity,
                        "scrap": counts[1] * quantity, "serial": unit.serial, "station": station,
                        "completed_at": completed_at.isoformat()}]})


def work_order_closed(session: Session, wo: WorkOrder) -> None:
    """The final confirmation: distinct good and scrapped units per operation (a panel weighs its
    boards), in one query."""
    if wo.source_system.lower() != DESTINATION:
        return
    op = UnitOperation
    done = (select(op.operation, op.unit_id, op.result)
            .where(op.work_order_id == wo.id, op.result.in_(tuple(CONFIRMED_RESULTS))).distinct().subquery())
    boards = (select(Unit.panel_unit_id.label("panel_id"), func.count().label("n"))
              .where(Unit.panel_unit_id.in_(select(done.c.unit_id))).group_by(Unit.panel_unit_id).subquery())
    weight = case((Unit.kind == "panel", func.coalesce(boards.c.n, 1)), else_=1)
    rows = session.execute(
        select(done.c.operation,
               func.sum(case((done.c.result == "pass", weight), else_=0)),
               func.sum(case((done.c.result == "scrapped", weight), else_=0)))
        .join(Unit, Unit.id == done.c.unit_id)
        .outerjoin(boards, boards.c.panel_id == Unit.id)
        .group_by(done.c.operation).order_by(done.c.operation)).all()
    outbox.emit(session, "workorder.confirmation", aggregate_type="work_order", aggregate_id=wo.number,
                destination=DESTINATION, data={
                    "work_order": wo.number, "final": True,
                    "operations": [{"operation": name, "good": int(good), "scrap": int(scrap)}
                                   for name, good, scrap in rows]})
