"""`GET /api/v1/yield`: first-pass and final yield grouped by operation, station, work order, day."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel

from gateway.deps import StoreDep
from quality.yield_report import yield_report

router = APIRouter(prefix="/api/v1", tags=["quality"])


class YieldOut(BaseModel):
    group: dict[str, str | None]
    units: int
    first_pass: int
    final_pass: int
    attempts: int
    fpy: float
    final_yield: float


@router.get("/yield", summary="First-pass yield and final yield", response_model=list[YieldOut])
def read_yield(
    store: StoreDep,
    group_by: Annotated[list[Literal["operation", "station", "work_order", "day"]] | None, Query()] = None,
    start: AwareDatetime | None = None, end: AwareDatetime | None = None, operation: str | None = None,
    station: str | None = None, work_order: str | None = None,
) -> list[YieldOut]:
    with store.read() as session:
        rows = yield_report(session, group_by=group_by or ["operation"], start=start, end=end,
                            operation=operation, station=station, work_order=work_order)
    return [YieldOut(group=r.group, units=r.units, first_pass=r.first_pass, final_pass=r.final_pass,
                     attempts=r.attempts, fpy=round(r.fpy, 6), final_yield=round(r.final_yield, 6))
            for r in rows]
