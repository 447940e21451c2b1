"""CFX over HTTP for endpoints that cannot publish AMQP, and the dead letters of both paths."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from devices.cfx import validation
from devices.cfx.envelope import CfxEnvelope
from devices.cfx.ingest import Ingest
from devices.cfx.outcomes import Outcome
from gateway.deps import SettingsDep, StoreDep
from traceability import device_messages
from traceability.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["cfx"])

Envelopes = Annotated[
    dict[str, Any] | list[dict[str, Any]],
    Body(description="One CFX envelope (MessageName, Version, TimeStamp, UniqueID, Source, Target, "
                     "RequestID, MessageBody) or a list of them. Idempotent by (Source, UniqueID)."),
]


@router.post("/cfx", summary="Ingest CFX envelopes (one or a batch), as the AMQP consumer does")
def post_cfx(payload: Envelopes, store: StoreDep, settings: SettingsDep) -> JSONResponse:
    if isinstance(payload, dict) and validation.is_request(payload):  # a question, answered, not stored
        env = CfxEnvelope.model_validate(payload)
        with store.read() as session:
            return JSONResponse(validation.answer(session, env, settings.cfx))
    batch = payload if isinstance(payload, list) else [payload]
    try:
        with store.write() as session:
            outcomes = Ingest(settings.cfx).run(session, batch)
    except IntegrityError:
        # The store refused the set-based write (on SQLite it runs without a savepoint): again,
        # one message at a time, so the message it refuses is dead-lettered alone, as the consumer does.
        with store.write() as session:
            outcomes = Ingest(settings.cfx).run(session, batch, set_based=False)
    return _answer(outcomes)


def _answer(outcomes: list[Outcome]) -> JSONResponse:
    """200 when every message was taken (applied, replayed, held or ignored); 422 naming the field and
    reason of each dead-lettered one otherwise. The others in the batch are applied either way."""
    results = [o.as_dict() for o in outcomes]
    dead = [o for o in outcomes if o.status == "dead"]
    if not dead:
        return JSONResponse({"results": results})
    fields = [{"field": o.field or "body", "reason": o.reason or "invalid"} for o in dead]
    message = "; ".join(f"{f['field']}: {f['reason']}" for f in fields)
    error = {"code": "invalid", "message": message, "field": fields[0]["field"], "fields": fields}
    return JSONResponse({"error": error, "results": results}, status_code=422)


class DeadLetterOut(BaseModel):
    id: int
    kind: str
    source: str
    message_id: str
    message_name: str
    status: str
    reason: str | None
    field: str | None
    hold_key: str | None
    device_time: datetime | None
    received_at: datetime
    attempts: int
    resolved_at: datetime | None
    body: str | None = None


@router.get("/dead-letters", summary="Device messages dead-lettered (or held, ignored) with the reason",
            response_model=list[DeadLetterOut])
def list_dead_letters(
    store: StoreDep,
    status: Annotated[str | None, Query(pattern="^(dead|held|ignored|applied)$")] = "dead",
    source: str | None = None,
    after_id: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    with_body: bool = False,
) -> list[DeadLetterOut]:
    with store.read() as session:
        rows = device_messages.listing(session, status=status, source=source, after_id=after_id, limit=limit)
        return [DeadLetterOut.model_validate({**r.model_dump(), "body": r.body if with_body else None})
                for r in rows]


@router.post("/dead-letters/{message_id}/requeue", summary="Apply a parked message again")
def requeue(message_id: int, store: StoreDep, settings: SettingsDep) -> JSONResponse:
    with store.write() as session:
        outcome = Ingest(settings.cfx).requeue(session, message_id)
        if outcome is None:
            raise NotFound(f"no dead letter {message_id}", field="id")
    return _answer([outcome])
