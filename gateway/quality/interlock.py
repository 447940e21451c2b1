"""`POST /api/v1/units/{serial}/check`: the station asks before it works on a unit (go / no-go)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from gateway.deps import StoreDep
from quality.interlock import CheckResult, UnitCheck, check_units

router = APIRouter(prefix="/api/v1/units", tags=["quality"])


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    station: str = Field(min_length=1, max_length=64)
    operation: str = Field(min_length=1, max_length=32, description="routing step code, e.g. ICT")


class ReasonOut(BaseModel):
    code: str
    message: str


class CheckOut(BaseModel):
    serial: str
    station: str
    operation: str
    go: bool
    reasons: list[ReasonOut]
    work_order: str | None
    routing_revision: str | None
    next_operation: str | None

    @classmethod
    def of(cls, r: CheckResult) -> CheckOut:
        return cls(serial=r.serial, station=r.station, operation=r.operation, go=r.go,
                   reasons=[ReasonOut(code=x.code, message=x.message) for x in r.reasons],
                   work_order=r.work_order, routing_revision=r.routing_revision,
                   next_operation=r.next_operation)


@router.post("/{serial}/check", summary="Route interlock: may this unit run this operation here now?",
             response_model=CheckOut)
def check(serial: str, body: CheckRequest, store: StoreDep) -> CheckOut:
    # A read: asking twice is harmless, so no Idempotency-Key is needed. Autocommit: on PostgreSQL
    # no ping, BEGIN and COMMIT round trips around its two statements.
    asked = [UnitCheck(serial, body.station, body.operation)]
    return CheckOut.of(store.query(lambda session: check_units(session, asked))[0])
