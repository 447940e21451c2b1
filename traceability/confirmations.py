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
from traceability.models import UnitOperation, WorkOrder

DESTINATION = "erp"
CONFIRMED_RESULTS = {"pass": (1, 0), "scrapped": (0, 1)}  # result -> (good, scrap)


def _from_erp(session: Session, work_order_id: int | None) -> WorkOrder | None:
    if work_order_id is None:
        return None
    wo = session.get(WorkOrder, work_order_id)  # the identity map answers repeats in a batch
    return wo if wo is not None and wo.source_system.lower() == DESTINATION else None


def operation_completed(session: Session, *, work_order_id: int | None, serial: str, operation: str,
                        station: str, result: str | None, completed_at: datetime) -> None:
    """A unit finished an operation: good or scrap is confirmed; a failure waits for its retest."""
    counts = CONFIRMED_RESULTS.get(result or "")
    wo = _from_erp(session, work_order_id) if counts else None
    if wo is None or counts is None:
        return
    outbox.emit(session, "workorder.confirmation", aggregate_type="work_order", aggregate_id=wo.number,
                destination=DESTINATION, data={
                    "work_order": wo.number, "final": False, "operations": [{
                        "operation": operation, "good": counts[0], "scrap": counts[1],
                        "serial": serial, "station": station,
                        "completed_at": completed_at.isoformat()}]})


def work_order_closed(session: Session, wo: WorkOrder) -> None:
    """The final confirmation: distinct good and scrapped units per operation, in one query."""
    if wo.source_system.lower() != DESTINATION:
        return
    op = UnitOperation
    rows = session.execute(
        select(op.operation,
               func.count(func.distinct(case((op.result == "pass", op.unit_id)))),
               func.count(func.distinct(case((op.result == "scrapped", op.unit_id)))))
        .where(op.work_order_id == wo.id, op.completed_at.is_not(None))
        .group_by(op.operation).order_by(op.operation)).all()
    outbox.emit(session, "workorder.confirmation", aggregate_type="work_order", aggregate_id=wo.number,
                destination=DESTINATION, data={
                    "work_order": wo.number, "final": True,
                    "operations": [{"operation": name, "good": good, "scrap": scrap}
                                   for name, good, scrap in rows]})
