"""Work orders with their part and routing, and their progress per operation and yield.

Progress counts units, not attempts: a unit that failed ICT once and passed on retest counts once
as passed and lowers that operation's first-pass yield. Attempts are completed executions (pass,
fail, scrapped; aborted runs are not attempts), as in quality's yield report. Attempts are ranked
with window functions (the same SQL on SQLite and PostgreSQL), all orders asked for in one statement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from traceability.models import Part, Routing, RoutingOperation, Unit, UnitOperation, WorkOrder
from traceability.records.keys import keys, member_of

W, UO = WorkOrder.__table__, UnitOperation.__table__


@dataclass(frozen=True)
class WorkOrderRecord:
    id: int
    number: str
    part_number: str
    quantity: float
    status: str
    line_code: str | None
    due_date: date | None
    routing_id: int | None
    routing_revision: str | None
    units: int  # units of the order's part registered against it
    scrapped: int


@dataclass(frozen=True)
class OperationProgress:
    operation: str
    sequence: int | None  # its routing step; None when recorded but not on the routing
    name: str
    units: int  # units that started it
    completed: int  # units with a completed attempt (pass, fail or scrapped)
    passed: int  # units whose latest completed attempt passed
    failed: int  # units whose latest completed attempt failed or scrapped them
    in_process: int  # units whose latest attempt has not completed
    first_pass: int  # units whose first completed attempt passed

    @property
    def first_pass_yield(self) -> float | None:
        return self.first_pass / self.completed if self.completed else None


@cache
def _orders_statement(dialect: str, by: str):  # type: ignore[no-untyped-def]
    part, routing, unit = Part.__table__, Routing.__table__, Unit.__table__
    # The order's own part only: a board order also registers the panels its boards start on.
    units = select(func.count()).where(unit.c.work_order_id == W.c.id, unit.c.part_id == W.c.part_id)
    scrapped = units.where(unit.c.status == "scrapped")
    key = W.c.id if by == "id" else W.c.number
    return (
        select(W.c.id, W.c.number, part.c.part_number, W.c.quantity, W.c.status, W.c.line_code,
               W.c.due_date, W.c.routing_id, routing.c.revision.label("routing_revision"),
               units.scalar_subquery().label("units"), scrapped.scalar_subquery().label("scrapped"))
        .select_from(W.join(part, part.c.id == W.c.part_id)
                     .outerjoin(routing, routing.c.id == W.c.routing_id))
        .where(member_of(key, "keys", dialect, text=by == "number"))
    )


def _orders(session: Session, by: str, wanted: Iterable[object]) -> list[WorkOrderRecord]:
    dialect = session.get_bind().dialect.name
    rows = session.execute(_orders_statement(dialect, by), {"keys": keys(dialect, wanted)})
    return [WorkOrderRecord(**r._mapping) for r in rows]


def work_orders_by_id(session: Session, ids: Iterable[int]) -> dict[int, WorkOrderRecord]:
    return {w.id: w for w in _orders(session, "id", ids)}


def work_orders_by_number(session: Session, numbers: Iterable[str]) -> dict[str, WorkOrderRecord]:
    return {w.number: w for w in _orders(session, "number", numbers)}


ATTEMPTS = ("pass", "fail", "scrapped")  # aborted runs are not attempts (as quality's yield report)


@cache
def _progress_statement(dialect: str):  # type: ignore[no-untyped-def]
    unit = Unit.__table__
    done = and_(UO.c.completed_at.is_not(None), UO.c.result.in_(ATTEMPTS))
    pending = case((done, 0), else_=1)  # completed attempts rank before the others
    per_unit = (UO.c.unit_id, UO.c.operation)
    ranked = select(
        UO.c.work_order_id, UO.c.operation, UO.c.result, UO.c.completed_at, done.label("done"),
        func.row_number().over(partition_by=per_unit, order_by=(pending, UO.c.started_at, UO.c.id)
                               ).label("first_done"),
        func.row_number().over(partition_by=per_unit, order_by=(
            pending, UO.c.started_at.desc(), UO.c.id.desc())).label("last_done"),
        func.row_number().over(partition_by=per_unit, order_by=(
            UO.c.started_at.desc(), UO.c.id.desc())).label("latest"),
    ).select_from(UO.join(unit, unit.c.id == UO.c.unit_id)).where(
        # Through the order's units (indexed: unit by work order, operations by unit), not a scan of
        # every operation for its work_order_id.
        member_of(unit.c.work_order_id, "keys", dialect), UO.c.work_order_id == unit.c.work_order_id,
    ).subquery("ranked")
    first, last = and_(ranked.c.first_done == 1, ranked.c.done), and_(ranked.c.last_done == 1, ranked.c.done)
    routing_op = RoutingOperation.__table__
    return (
        select(
            ranked.c.work_order_id, ranked.c.operation,
            func.min(routing_op.c.sequence).label("sequence"), func.min(routing_op.c.name).label("name"),
            func.count(case((ranked.c.latest == 1, 1))).label("units"),
            func.count(case((first, 1))).label("completed"),
            func.count(case((and_(last, ranked.c.result == "pass"), 1))).label("passed"),
            func.count(case((and_(last, ranked.c.result != "pass"), 1))).label("failed"),
            func.count(case((and_(ranked.c.latest == 1, ranked.c.completed_at.is_(None)), 1))
                       ).label("in_process"),
            func.count(case((and_(first, ranked.c.result == "pass"), 1))).label("first_pass"),
        )
        .select_from(ranked.join(W, W.c.id == ranked.c.work_order_id).outerjoin(
            routing_op, and_(routing_op.c.routing_id == W.c.routing_id,
                             routing_op.c.code == ranked.c.operation)))
        .group_by(ranked.c.work_order_id, ranked.c.operation)
    )


@cache
def _routing_statement(dialect: str):  # type: ignore[no-untyped-def]
    routing_op = RoutingOperation.__table__
    return (select(W.c.id.label("work_order_id"), routing_op.c.code, routing_op.c.sequence, routing_op.c.name)
            .select_from(W.join(routing_op, routing_op.c.routing_id == W.c.routing_id))
            .where(member_of(W.c.id, "keys", dialect)))


def progress_of(session: Session, work_order_ids: Iterable[int]) -> dict[int, list[OperationProgress]]:
    """Per work order, each routing operation (in sequence) and each other recorded one (after)."""
    ids = list(work_order_ids)
    dialect = session.get_bind().dialect.name
    found: dict[int, dict[str, OperationProgress]] = defaultdict(dict)
    for r in session.execute(_progress_statement(dialect), {"keys": keys(dialect, ids)}):
        found[r.work_order_id][r.operation] = OperationProgress(
            operation=r.operation, sequence=r.sequence, name=r.name or "", units=r.units,
            completed=r.completed, passed=r.passed, failed=r.failed, in_process=r.in_process,
            first_pass=r.first_pass)
    for r in session.execute(_routing_statement(dialect), {"keys": keys(dialect, ids)}):
        found[r.work_order_id].setdefault(r.code, OperationProgress(
            operation=r.code, sequence=r.sequence, name=r.name, units=0, completed=0, passed=0, failed=0,
            in_process=0, first_pass=0))
    return {wo: sorted(ops.values(), key=lambda p: (p.sequence is None, p.sequence or 0, p.operation))
            for wo, ops in found.items()}
