"""The ERP's REST hooks: work orders in (B2MML field names), and the confirmations outbox to watch."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, Field

from gateway.deps import StoreDep
from gateway.idempotency import IdempotencyKeyDep
from integrations.erp import inbound
from integrations.erp.b2mml import ProductionOrder, WorkOrderResult, WorkOrderView
from traceability import confirmations, outbox

router = APIRouter(prefix="/api/v1/erp", tags=["erp"])

Number = Annotated[str, Path(min_length=1, max_length=64, description="Work order number (B2MML ID)")]


class Transition(BaseModel):
    Reason: str = Field(default="", max_length=500)


@router.put("/work-orders/{number}", response_model=WorkOrderResult, response_model_exclude_none=True,
            summary="Create or update a production order (by the ERP's Version)")
def put_work_order(number: Number, order: ProductionOrder, store: StoreDep,
                   idempotency_key: IdempotencyKeyDep = None) -> WorkOrderResult:
    return inbound.sync(store, order, number=number, message_id=idempotency_key)


@router.get("/work-orders/{number}", response_model=WorkOrderView, summary="Read a production order back")
def get_work_order(number: Number, store: StoreDep) -> WorkOrderView:
    return inbound.get(store, number)


def _transition(name: str, state: str) -> None:
    @router.post(f"/work-orders/{{number}}/{name}", response_model=WorkOrderResult,
                 response_model_exclude_none=True, summary=f"{name.capitalize()} a production order",
                 operation_id=f"{name}_work_order")
    def transition(number: Number, store: StoreDep, idempotency_key: IdempotencyKeyDep = None,
                   body: Annotated[Transition | None, Body()] = None) -> WorkOrderResult:
        reason = body.Reason if body else ""
        return inbound.change_status(store, number, state, reason=reason, message_id=idempotency_key)


for _name, _state in (("release", "Released"), ("close", "Closed"), ("cancel", "Cancelled")):
    _transition(_name, _state)


class OutboxEntry(BaseModel):
    id: int
    event_id: str = Field(description="The idempotency key the ERP sees")
    type: str
    work_order: str
    sequence: int
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    payload: dict[str, Any]


class RetryRequest(BaseModel):
    ids: list[int] | None = Field(default=None, max_length=1000,
                                  description="Outbox ids to retry; all failed ones when omitted")


class RetryAnswer(BaseModel):
    retried: int


@router.get("/outbox", response_model=list[OutboxEntry], summary="Confirmations to the ERP and their state")
def list_outbox(store: StoreDep,
                status: Literal["pending", "sending", "sent", "failed"] | None = None,
                limit: int = Query(100, ge=1, le=1000), after_id: int = Query(0, ge=0)) -> list[OutboxEntry]:
    with store.read() as session:
        rows = outbox.listing(session, confirmations.DESTINATION, status=status, limit=limit,
                              after_id=after_id)
        return [OutboxEntry(id=r.id, event_id=r.event_id, type=r.type, work_order=r.aggregate_id,
                            sequence=r.sequence, status=r.status, attempts=r.attempts,
                            last_error=r.last_error, created_at=r.created_at, sent_at=r.sent_at,
                            payload=r.payload) for r in rows]


@router.post("/outbox/retry", response_model=RetryAnswer, summary="Queue failed confirmations again")
def retry_outbox(store: StoreDep, body: Annotated[RetryRequest | None, Body()] = None) -> RetryAnswer:
    with store.write() as session:
        return RetryAnswer(retried=outbox.retry(session, confirmations.DESTINATION,
                                                body.ids if body else None))
