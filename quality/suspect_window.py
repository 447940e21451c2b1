"""A suspect window: a station out of control between t1 and t2 (an oven out of profile).

Every unit with an operation at the station that overlapped the window is suspect, and so are
the boards of a suspect panel and every unit built from a suspect unit since. They go through
the same containment as a suspect lot (`quality.containment.contain`): one case, in-plant units
held, shipped ones listed by shipment and customer.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import AwareDatetime, Field, model_validator
from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from quality.containment import contain, new_case_code
from quality.models import ContainmentCase
from traceability.commands.base import Command
from traceability.models import ComponentInstallation, Unit, UnitOperation
from traceability.types import utcnow

# An operation still open this long before the window is not counted: it bounds the index range
# read on (station, started_at) instead of scanning the station's whole history.
LONGEST_OPERATION = timedelta(hours=12)


class ContainWindow(Command):
    station: str = Field(min_length=1, max_length=64)
    start: AwareDatetime
    end: AwareDatetime
    reason: str = Field(min_length=1, max_length=400)
    by: str = Field(min_length=1, max_length=100)
    at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ContainWindow:
        if self.end <= self.start:
            raise ValueError("end: not after start")
        return self


def contain_window(session: Session, cmd: ContainWindow) -> dict:
    case = ContainmentCase(code=new_case_code(), kind="window", station=cmd.station,
                           window_start=cmd.start, window_end=cmd.end, reason=cmd.reason,
                           opened_by=cmd.by, opened_at=cmd.at or utcnow())
    return contain(session, case, suspect_units(session, cmd.station, cmd.start, cmd.end))


def suspect_units(session: Session, station, start, end) -> list[int]:  # type: ignore[no-untyped-def]
    """Ids of units processed at `station` during [start, end], their boards, and what they went into."""
    op, u, i = UnitOperation.__table__, Unit.__table__, ComponentInstallation.__table__
    processed = select(op.c.unit_id).where(
        op.c.station == station, op.c.started_at <= end, op.c.started_at >= start - LONGEST_OPERATION,
        func.coalesce(op.c.completed_at, op.c.started_at) >= start)
    boards = select(u.c.id).where(u.c.panel_unit_id.in_(processed))
    seed = union(processed, boards).subquery("seed")
    up = select(seed.c.unit_id).cte("suspect", recursive=True)
    edge = i.alias("edge")
    up = up.union(select(edge.c.parent_unit_id).select_from(
        up.join(edge, edge.c.child_unit_id == up.c.unit_id)).where(edge.c.removed_at.is_(None)))
    return list(session.scalars(select(up.c.unit_id)))
