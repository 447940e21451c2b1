"""PLM's REST hooks: publish a routing revision (B2MML operations definition), read it back, its
history, an ECO that obsoletes a revision from a date, and the revision a work order is pinned to."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from gateway.deps import StoreDep
from gateway.idempotency import IdempotencyKeyDep
from integrations.plm import b2mml, inbound
from traceability import bom

router = APIRouter(prefix="/api/v1/plm", tags=["plm"])


class RoutingOut(BaseModel):
    part: str
    revision: str
    status: Literal["draft", "released", "obsolete"]
    obsolete_from: datetime | None = None
    change_notice: str | None = None
    published_at: datetime | None = None
    OperationsSegment: list[dict] = Field(default_factory=list)


@router.put("/routings/{part}/{revision}", summary="Publish a routing revision (B2MML operations definition)")
def put_routing(part: str, revision: str, doc: b2mml.OperationsDefinition, store: StoreDep,
                response: Response, key: IdempotencyKeyDep = None) -> dict:
    answer = inbound.publish(store, part, revision, doc, key)
    response.status_code = status.HTTP_201_CREATED if answer.get("created") else status.HTTP_200_OK
    return answer


@router.get("/routings/{part}/{revision}", summary="A routing revision with its BOM per operation",
            response_model=RoutingOut)
def get_routing(part: str, revision: str, store: StoreDep) -> RoutingOut:
    with store.read() as session:
        info, operations = bom.routing(session, part, revision)
    return RoutingOut(part=part, revision=info.revision, status=info.status,  # type: ignore[arg-type]
                      obsolete_from=info.obsolete_from, change_notice=info.change_notice,
                      published_at=info.published_at, OperationsSegment=b2mml.from_content(operations))


@router.get("/routings/{part}", summary="Every routing revision of a part, oldest first",
            response_model=list[RoutingOut])
def list_revisions(part: str, store: StoreDep) -> list[RoutingOut]:
    with store.read() as session:
        history = bom.revisions(session, part)
    return [RoutingOut(part=part, revision=r.revision, status=r.status,  # type: ignore[arg-type]
                       obsolete_from=r.obsolete_from, change_notice=r.change_notice,
                       published_at=r.published_at) for r in history]


@router.post("/routings/{part}/{revision}/obsolete", summary="ECO: obsolete a revision from a date")
def obsolete(part: str, revision: str, eco: b2mml.EngineeringChange, store: StoreDep,
             key: IdempotencyKeyDep = None) -> dict:
    return inbound.obsolete(store, part, revision, eco, key)


@router.get("/work-orders/{number}/routing",
            summary="The revision a work order is pinned to, with its BOM per operation")
def work_order_routing(number: str, store: StoreDep) -> dict:
    with store.read() as session:
        out = bom.work_order_routing(session, number)
    out["OperationsSegment"] = b2mml.from_content(out.pop("operations"))
    return out
