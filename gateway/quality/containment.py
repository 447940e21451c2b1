"""Containment cases: from a suspect lot or a station's suspect window; read; release as a whole."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from gateway.deps import StoreDep
from gateway.dispatch import dispatch
from gateway.idempotency import IdempotencyKeyDep
from quality.commands import ContainLot, ContainWindow, ReleaseContainment
from quality.containment import get_case, open_holds_of

router = APIRouter(prefix="/api/v1/containments", tags=["quality"])
SOURCE = "rest:containment"


class ReleaseBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    by: str = Field(min_length=1, max_length=100)


class CaseOut(BaseModel):
    case: str
    kind: str
    status: str
    reason: str
    lot: str | None
    station: str | None
    window_start: datetime | None
    window_end: datetime | None
    opened_by: str
    opened_at: datetime
    released_by: str | None
    released_at: datetime | None
    held: int
    still_held: int
    out_of_plant: int
    scope: dict[str, Any]


@router.post("", summary="Contain a suspect lot: hold its units in the plant, list shipped ones",
             status_code=201)
def contain_lot(body: ContainLot, store: StoreDep, idempotency_key: IdempotencyKeyDep = None) -> dict:
    return dispatch(store, body, source=SOURCE, message_id=idempotency_key)


@router.post("/windows", summary="Contain a station's suspect time window", status_code=201)
def contain_window(body: ContainWindow, store: StoreDep, idempotency_key: IdempotencyKeyDep = None) -> dict:
    return dispatch(store, body, source=SOURCE, message_id=idempotency_key)


@router.get("/{case}", summary="A containment case with its scope", response_model=CaseOut)
def read_case(case: str, store: StoreDep) -> CaseOut:
    with store.read() as session:
        c = get_case(session, case)
        return CaseOut(case=c.code, kind=c.kind, status=c.status, reason=c.reason, lot=c.lot_code,
                       station=c.station, window_start=c.window_start, window_end=c.window_end,
                       opened_by=c.opened_by, opened_at=c.opened_at, released_by=c.released_by,
                       released_at=c.released_at, held=c.held_count,
                       still_held=open_holds_of(session, c.code), out_of_plant=c.shipped_count, scope=c.scope)


@router.post("/{case}/release", summary="Release every hold the case placed")
def release(case: str, body: ReleaseBody, store: StoreDep, idempotency_key: IdempotencyKeyDep = None) -> dict:
    return dispatch(store, ReleaseContainment(case=case, by=body.by), source=SOURCE,
                    message_id=idempotency_key)
