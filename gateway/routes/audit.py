"""The audit log, read-only: who changed what, when, from where (scope audit:read or admin)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel

from gateway.deps import StoreDep
from traceability import audit

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AuditEntryOut(BaseModel):
    id: int
    seq: int | None  # None until the sealer has chained it (within a second or so)
    recorded_at: datetime
    actor: str
    command: str
    target: str | None
    source: str
    message_id: str | None
    payload_hash: str
    entry_hash: str | None


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    next_before: int | None  # pass as `before` for the next (older) page


@router.get("", summary="Audit entries, newest first, filtered by target, actor and time",
            response_model=AuditPage)
def list_audit(
    store: StoreDep,
    target: str | None = Query(None, max_length=200, description="exact target, e.g. a serial or lot"),
    actor: str | None = Query(None, max_length=200, description="actor prefix, e.g. key:erp"),
    since: AwareDatetime | None = Query(None, description="from this time (inclusive)"),
    until: AwareDatetime | None = Query(None, description="before this time"),
    before: int | None = Query(None, ge=1, le=2**62, description="entries older than this id"),
    limit: int = Query(100, ge=1, le=1000),
) -> AuditPage:
    with store.read() as session:
        rows = audit.entries(session, target=target, actor=actor, since=since, until=until,
                             before_id=before, limit=limit)
        out = [AuditEntryOut.model_validate(r, from_attributes=True) for r in rows]
    return AuditPage(entries=out, next_before=out[-1].id if len(out) == limit else None)
