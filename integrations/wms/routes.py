"""WMS's REST hooks: lot receipt, split, quarantine, release and issue. Each request is one domain
command (see `inbound`), idempotent by its Idempotency-Key; refusals name the WMS's field."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from gateway.deps import StoreDep
from gateway.idempotency import IdempotencyKeyDep
from integrations.wms import inbound, outbox_routes
from integrations.wms import messages as m

router = APIRouter(prefix="/api/v1/wms", tags=["wms"])
router.include_router(outbox_routes.router)


@router.post("/lots", summary="Lot or reel received (supplier data, date code)")
def receive(body: m.MaterialLotReceipt, store: StoreDep, response: Response,
            key: IdempotencyKeyDep = None) -> dict:
    answer = inbound.receive(store, body, key)
    response.status_code = status.HTTP_201_CREATED if answer.get("created") else status.HTTP_200_OK
    return answer


@router.post("/lots/{id}/split", summary="A sublot (reel, tray) split from the lot",
             status_code=status.HTTP_201_CREATED)
def split(id: str, body: m.LotSplit, store: StoreDep, key: IdempotencyKeyDep = None) -> dict:
    return inbound.split(store, id, body, key)


@router.post("/lots/{id}/quarantine", summary="The WMS quarantined the lot: it may not be installed")
def quarantine(id: str, body: m.LotStatusChange, store: StoreDep, key: IdempotencyKeyDep = None) -> dict:
    return inbound.change_status(store, id, body, "quarantined", key)


@router.post("/lots/{id}/release", summary="The WMS released the lot from quarantine")
def release(id: str, body: m.LotStatusChange, store: StoreDep, key: IdempotencyKeyDep = None) -> dict:
    return inbound.change_status(store, id, body, "released", key)


@router.post("/lots/{id}/issue", summary="The lot moved to a line or station")
def issue(id: str, body: m.LotIssue, store: StoreDep, key: IdempotencyKeyDep = None) -> dict:
    return inbound.issue(store, id, body, key)
