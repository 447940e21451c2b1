"""What a line overview reads: activity per station, open holds, recent orders.

Each is one set-based statement or one call into quality's reports; the dashboard polls nothing
else and re-reads these when a subscription says something changed.
"""

from __future__ import annotations

from datetime import datetime

import strawberry
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gateway.graph.context import Info
from gateway.graph.holds import Hold
from gateway.graph.work_orders import WorkOrder
from quality.holds import holds
from traceability.models import UnitOperation
from traceability.models import WorkOrder as WorkOrderRow
from traceability.records.holds import HoldRecord
from traceability.records.work_orders import work_orders_by_number


@strawberry.type(
    description="A station's operations since a time: completed, their results, and running now."
)
class StationActivity:
    station: str
    operation: str
    completed: int
    passed: int
    failed: int
    in_process: int = strawberry.field(
        description="operations started and not completed (WIP at the station)"
    )
    last_at: datetime | None


def _activity(session: Session, since: datetime) -> list[StationActivity]:
    op = UnitOperation.__table__
    done = op.c.completed_at.is_not(None)
    recent = (op.c.started_at >= since) | (op.c.completed_at >= since) | ~done
    rows = session.execute(
        select(
            op.c.station,
            op.c.operation,
            func.sum(case((done, 1), else_=0)).label("completed"),
            func.sum(case((op.c.result == "pass", 1), else_=0)).label("passed"),
            func.sum(case((op.c.result.in_(("fail", "scrapped")), 1), else_=0)).label("failed"),
            func.sum(case((~done, 1), else_=0)).label("in_process"),
            func.max(op.c.completed_at).label("last_at"),
        )
        .where(recent)
        .group_by(op.c.station, op.c.operation)
        .order_by(op.c.station, op.c.operation)
    ).all()
    return [
        StationActivity(
            station=r.station,
            operation=r.operation,
            completed=int(r.completed or 0),
            passed=int(r.passed or 0),
            failed=int(r.failed or 0),
            in_process=int(r.in_process or 0),
            last_at=r.last_at,
        )
        for r in rows
    ]


def _recent_orders(session: Session, status: str | None, first: int) -> list[str]:
    query = select(WorkOrderRow.number)
    if status:
        query = query.where(WorkOrderRow.status == status)
    return list(session.scalars(query.order_by(WorkOrderRow.id.desc()).limit(first)))


async def read_activity(info: Info, since: datetime) -> list[StationActivity]:
    return await info.context.read(_activity, since)


async def read_work_orders(info: Info, status: str | None, first: int) -> list[WorkOrder]:
    first = max(1, min(first, info.context.limits.max_page_size))

    def load(session: Session) -> list:
        numbers = _recent_orders(session, status, first)
        found = work_orders_by_number(session, numbers)
        return [found[n] for n in numbers if n in found]

    return [WorkOrder.of(r) for r in await info.context.read(load)]


async def read_holds(info: Info, target_kind: str | None, include_released: bool, first: int) -> list[Hold]:
    first = max(1, min(first, info.context.limits.max_page_size))
    rows = await info.context.read(
        lambda s: holds(s, target_kind=target_kind, open_only=not include_released, limit=first)
    )
    return [
        Hold.of(
            HoldRecord(
                id=int(h.id or 0),
                target_kind=h.target_kind,
                target_key=h.target_key,
                reason=h.reason,
                held_by=h.held_by,
                held_at=h.held_at,
                released_by=h.released_by,
                released_at=h.released_at,
                case_id=h.case_id,
            )
        )
        for h in rows
    ]
