"""IPC-1782 trace levels over REST: per unit, per work order, per time range (read-only)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel

from gateway.deps import StoreDep
from traceability import completeness

router = APIRouter(prefix="/api/v1", tags=["traceability levels (IPC-1782)"])


class MissingOut(BaseModel):
    serial: str
    blocks: str
    kind: str
    reason: str
    operation: str | None
    reference_designator: str | None
    part_number: str | None
    parameter: str | None


class TraceLevelOut(BaseModel):
    serial: str
    work_order: str | None
    routing: str | None
    manufacturing: str
    process: str
    missing: list[MissingOut]


class MissingCountOut(BaseModel):
    blocks: str
    kind: str
    reason: str
    units: int
    operation: str | None
    reference_designator: str | None
    part_number: str | None
    parameter: str | None


class TraceLevelSummaryOut(BaseModel):
    scope: str
    units: int
    manufacturing: dict[str, int]
    process: dict[str, int]
    top_missing: list[MissingCountOut]


def level_out(level: completeness.TraceLevel) -> TraceLevelOut:
    return TraceLevelOut(serial=level.serial, work_order=level.work_order, routing=level.routing,
                         manufacturing=level.manufacturing, process=level.process,
                         missing=[MissingOut(**m.__dict__) for m in level.missing])


def summary_out(summary: completeness.TraceLevelSummary) -> TraceLevelSummaryOut:
    return TraceLevelSummaryOut(
        scope=summary.scope, units=summary.units, manufacturing=summary.manufacturing,
        process=summary.process, top_missing=[MissingCountOut(**m.__dict__) for m in summary.top_missing])


@router.get("/units/{serial}/trace-level", response_model=TraceLevelOut,
            summary="The IPC-1782 levels (M, P) a unit's record reaches, and what is missing")
def unit_trace_level(serial: str, store: StoreDep) -> TraceLevelOut:
    with store.read() as session:
        return level_out(completeness.unit_trace_level(session, serial))


@router.get("/work-orders/{number}/trace-level", response_model=TraceLevelSummaryOut,
            summary="How many units of a work order reach each IPC-1782 level; the commonest gaps")
def work_order_trace_level(number: str, store: StoreDep, top: int = 10) -> TraceLevelSummaryOut:
    with store.read() as session:
        return summary_out(completeness.work_order_trace_levels(session, number, top=max(1, min(top, 100))))


@router.get("/trace-level", response_model=TraceLevelSummaryOut,
            summary="IPC-1782 levels of the units registered in a time range")
def range_trace_level(start: AwareDatetime, end: AwareDatetime, store: StoreDep,
                      top: int = 10) -> TraceLevelSummaryOut:
    with store.read() as session:
        return summary_out(completeness.range_trace_levels(session, start, end, top=max(1, min(top, 100))))
