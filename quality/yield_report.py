"""First-pass yield and final yield per operation, station, work order and day.

From the completed executions of each operation on each unit (pass, fail, scrapped; aborted runs
are not attempts): a unit counts once per operation; it passed first time when its first attempt
passed, and finally when its latest attempt passed. A unit that failed and passed after rework or
retest counts against FPY and for final yield. A unit is attributed to the station, work order
and day of its first attempt. One statement: window functions rank the attempts per (unit,
operation), then the first attempts are grouped. (The module is not called `yield.py`: `yield` is
a Python keyword and could not be imported.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import String, and_, case, cast, exists, func, select
from sqlalchemy.orm import Session

from traceability.errors import Invalid
from traceability.models import UnitOperation, WorkOrder

Dimension = Literal["operation", "station", "work_order", "day"]
DIMENSIONS: tuple[str, ...] = ("operation", "station", "work_order", "day")
ATTEMPTS = ("pass", "fail", "scrapped")


@dataclass(frozen=True)
class YieldRow:
    group: dict[str, str | None]
    units: int
    first_pass: int
    final_pass: int
    attempts: int

    @property
    def fpy(self) -> float:
        return self.first_pass / self.units if self.units else 0.0

    @property
    def final_yield(self) -> float:
        return self.final_pass / self.units if self.units else 0.0


def yield_report(
    session: Session, *, group_by: Sequence[str] = ("operation",), start: datetime | None = None,
    end: datetime | None = None, operation: str | None = None, station: str | None = None,
    work_order: str | None = None,
) -> list[YieldRow]:
    """Yield of the units whose first attempt at an operation falls in [start, end)."""
    for dim in group_by:
        if dim not in DIMENSIONS:
            raise Invalid("group_by", f"{dim!r} is not one of {', '.join(DIMENSIONS)}")
    op, wo = UnitOperation.__table__, WorkOrder.__table__
    done = and_(op.c.completed_at.is_not(None), op.c.result.in_(ATTEMPTS))
    conds = [done]
    if operation:
        conds.append(op.c.operation == operation)
    if work_order:
        conds.append(wo.c.number == work_order)
    if start is not None:
        # Only units whose first attempt is at or after `start`: none earlier for the same step.
        earlier = op.alias("earlier")
        conds += [op.c.started_at >= start, ~exists().where(
            earlier.c.unit_id == op.c.unit_id, earlier.c.operation == op.c.operation,
            earlier.c.started_at < start, earlier.c.completed_at.is_not(None),
            earlier.c.result.in_(ATTEMPTS))]
    part = (op.c.unit_id, op.c.operation)
    ranked = (select(
        op.c.operation, op.c.station, wo.c.number.label("work_order"), op.c.started_at, op.c.result,
        _day(session, op.c.started_at).label("day"),
        func.row_number().over(partition_by=part, order_by=(op.c.started_at, op.c.id)).label("n"),
        func.first_value(op.c.result).over(
            partition_by=part, order_by=(op.c.started_at.desc(), op.c.id.desc())).label("last_result"),
        func.count().over(partition_by=part).label("attempts"),
    ).select_from(op.outerjoin(wo, wo.c.id == op.c.work_order_id)).where(*conds)).subquery("ranked")
    first = [ranked.c.n == 1]
    if end is not None:
        first.append(ranked.c.started_at < end)
    if station:
        first.append(ranked.c.station == station)
    keys = [ranked.c[d] for d in group_by]
    rows = session.execute(
        select(*keys, func.count().label("units"),
               func.sum(case((ranked.c.result == "pass", 1), else_=0)).label("first_pass"),
               func.sum(case((ranked.c.last_result == "pass", 1), else_=0)).label("final_pass"),
               func.sum(ranked.c.attempts).label("attempts"))
        .where(*first).group_by(*keys).order_by(*keys)).all()
    return [YieldRow(group={d: (None if r[i] is None else str(r[i])) for i, d in enumerate(group_by)},
                     units=r.units, first_pass=int(r.first_pass or 0), final_pass=int(r.final_pass or 0),
                     attempts=int(r.attempts or 0)) for r in rows]


def _day(session: Session, column):  # type: ignore[no-untyped-def]
    """The UTC calendar day of a timestamp, as text on both engines."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date(func.timezone("UTC", column)), String)
    return func.date(column)  # SQLite stores naive UTC text
