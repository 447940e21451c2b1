"""What TraceBridge owes the WMS: the outbox rows for destination 'wms' (failed ones visible), retry."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from gateway.deps import StoreDep
from traceability import outbox
from traceability.warehouse_reports import DESTINATION

router = APIRouter(prefix="/outbox", tags=["wms"])  # under /api/v1/wms


class OutboxRow(BaseModel):
    id: int
    event_id: str
    type: str
    aggregate_id: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    payload: dict


@router.get("", summary="Calls owed to the WMS", response_model=list[OutboxRow])
def listing(store: StoreDep, status: Literal["pending", "sending", "sent", "failed"] | None = None,
            after_id: int = 0, limit: int = 100) -> list[OutboxRow]:
    with store.read() as session:
        rows = outbox.listing(session, DESTINATION, status=status, limit=min(limit, 1000), after_id=after_id)
        return [OutboxRow.model_validate(r, from_attributes=True) for r in rows]


@router.post("/retry", summary="Queue the failed calls to the WMS again")
def retry(store: StoreDep) -> dict:
    with store.write() as session:
        return {"requeued": outbox.retry(session, DESTINATION)}
