"""WMS's REST hooks: lot receipt, split, quarantine, release and issue. Each request is one domain
command run by `dispatch`, idempotent by its Idempotency-Key; refusals name the WMS's field."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Response, status

from gateway.deps import StoreDep
from gateway.dispatch import dispatch
from gateway.idempotency import IdempotencyKeyDep
from integrations.field_names import renamed
from integrations.wms import messages as m
from integrations.wms import outbox_routes
from traceability.commands import Command
from traceability.database import Store
from traceability.errors import DomainError

router = APIRouter(prefix="/api/v1/wms", tags=["wms"])
SOURCE = "wms"
router.include_router(outbox_routes.router)


def run(store: Store, build, key: str | None, names: Mapping[str, str]) -> dict:  # type: ignore[no-untyped-def]
    """Build the command (may refuse) and dispatch it; the refusal's field in the WMS's names."""
    try:
        cmd: Command = build()
        return dispatch(store, cmd, source=SOURCE, message_id=key)
    except DomainError as exc:
        raise renamed(exc, names) from None


@router.post("/lots", summary="Lot or reel received (supplier data, date code)")
def receive(body: m.MaterialLotReceipt, store: StoreDep, response: Response,
            key: IdempotencyKeyDep = None) -> dict:
    answer = run(store, body.command, key, m.RECEIPT_NAMES)
    response.status_code = status.HTTP_201_CREATED if answer.get("created") else status.HTTP_200_OK
    return answer


@router.post("/lots/{id}/split", summary="A sublot (reel, tray) split from the lot",
             status_code=status.HTTP_201_CREATED)
def split(id: str, body: m.LotSplit, store: StoreDep, key: IdempotencyKeyDep = None) -> dict:
    return run(store, lambda: body.command(id), key, m.LOT_NAMES)


@router.post("/lots/{id}/quarantine", summary="The WMS quarantined the lot: it may not be installed")
def quarantine(id: str, body: m.LotStatusChange, store: StoreDep, key: IdempotencyKeyDep = None) -> dict:
    return run(store, lambda: body.command(id, "quarantined"), key, m.LOT_NAMES)


@router.post("/lots/{id}/release", summary="The WMS released the lot from quarantine")
def release(id: str, body: m.LotStatusChange, store: StoreDep, key: IdempotencyKeyDep = None) -> dict:
    return run(store, lambda: body.command(id, "released"), key, m.LOT_NAMES)


@router.post("/lots/{id}/issue", summary="The lot moved to a line or station")
def issue(id: str, body: m.LotIssue, store: StoreDep, key: IdempotencyKeyDep = None) -> dict:
    return run(store, lambda: body.command(id), key, m.LOT_NAMES)
