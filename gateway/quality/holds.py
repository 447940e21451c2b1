"""Holds on a unit, lot, work order or container: place, release, list, and what stops a unit."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from gateway.deps import StoreDep
from gateway.dispatch import dispatch
from gateway.idempotency import IdempotencyKeyDep
from quality.holds import holds as list_holds
from quality.holds import unit_holds
from traceability import lookup
from traceability.commands import PlaceHold, ReleaseHold

router = APIRouter(prefix="/api/v1", tags=["quality"])
SOURCE = "rest:holds"


class ReleaseBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    by: str = Field(min_length=1, max_length=100)


class HoldOut(BaseModel):
    id: int
    target_kind: str
    target: str
    reason: str
    held_by: str
    held_at: datetime
    released_by: str | None = None
    released_at: datetime | None = None
    case_id: str | None = None
    via: str | None = None  # for a unit's holds: what of the unit carries the hold


@router.post("/holds", summary="Hold a unit, lot, work order or container", status_code=201)
def place(body: PlaceHold, store: StoreDep, idempotency_key: IdempotencyKeyDep = None) -> dict:
    return dispatch(store, body, source=SOURCE, message_id=idempotency_key)


@router.post("/holds/{hold_id}/release", summary="Release one hold")
def release(hold_id: int, body: ReleaseBody, store: StoreDep,
            idempotency_key: IdempotencyKeyDep = None) -> dict:
    return dispatch(store, ReleaseHold(hold_id=hold_id, by=body.by), source=SOURCE,
                    message_id=idempotency_key)


@router.get("/holds", summary="Holds as placed (open ones by default)", response_model=list[HoldOut])
def holds(store: StoreDep, target_kind: Literal["unit", "lot", "work_order", "container"] | None = None,
          target: str | None = None, case_id: str | None = None, open_only: bool = True,
          limit: int = Query(200, ge=1, le=5000)) -> list[HoldOut]:
    with store.read() as session:
        return [HoldOut(id=h.id, target_kind=h.target_kind, target=h.target_key, reason=h.reason,
                        held_by=h.held_by, held_at=h.held_at, released_by=h.released_by,
                        released_at=h.released_at, case_id=h.case_id)
                for h in list_holds(session, target_kind=target_kind, target=target, case_id=case_id,
                                    open_only=open_only, limit=limit)]


@router.get("/units/{serial}/holds", summary="Every open hold that stops this unit, and through what",
            response_model=list[HoldOut])
def holds_on_unit(serial: str, store: StoreDep) -> list[HoldOut]:
    with store.read() as session:
        unit = lookup.unit(session, serial)
        return [HoldOut(id=h.id, target_kind=h.target_kind, target=h.target, reason=h.reason,
                        held_by=h.held_by, held_at=h.held_at, case_id=h.case_id, via=h.via)
                for h in unit_holds(session, [unit.id]).get(unit.id, [])]
