"""CFX unit validation: a machine asks, before it works on a unit, whether it may (the route interlock).

`CFX.InformationSystem.UnitValidation.ValidateUnitsRequest` names the units (a panel's positions or
one unit); the requesting endpoint's handle (`Source`) is the station and `TRACEBRIDGE_CFX_OPERATIONS`
maps it to the operation it performs. The answer is a `ValidateUnitsResponse` envelope (IPC-CFX names:
Result, PrimaryResult, Results with UniqueIdentifier, PositionNumber, Result, FailureCode, Message).
It reads only: a request is answered, never stored.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from devices.cfx.envelope import CfxEnvelope
from devices.cfx.outcomes import body_of
from devices.cfx.settings import CfxSettings
from quality.interlock import CheckResult, UnitCheck, check_units
from traceability.types import utcnow

REQUEST = "CFX.InformationSystem.UnitValidation.ValidateUnitsRequest"
RESPONSE = "CFX.InformationSystem.UnitValidation.ValidateUnitsResponse"
MARKER = b"UnitValidation.ValidateUnitsRequest"  # a cheap test on raw bytes before parsing

# Interlock reason codes that answer "UnitRouteValidation"; every other code is about the unit's status.
ROUTE_CODES = frozenset({"skipped", "repeated", "not_on_routing", "no_routing", "wrong_station",
                         "no_work_order", "work_order_not_released"})


class _UnitPosition(BaseModel):
    model_config = ConfigDict(extra="ignore")
    UnitIdentifier: str = Field(min_length=1, max_length=100)
    PositionNumber: int | None = None


class ValidateUnitsRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    Validations: list[str] = Field(default_factory=list)
    PrimaryIdentifier: str | None = Field(default=None, max_length=100)
    Units: list[_UnitPosition] = Field(default_factory=list, max_length=1000)


def is_request(raw: bytes | str | dict[str, Any]) -> bool:
    if isinstance(raw, dict):
        return raw.get("MessageName") == REQUEST
    return MARKER in (raw.encode() if isinstance(raw, str) else raw)


def answer(session: Session, env: CfxEnvelope, settings: CfxSettings) -> dict[str, Any]:
    """The ValidateUnitsResponse envelope for one request (a refused request says why in Result)."""
    body = body_of(ValidateUnitsRequest, env)
    units = body.Units or ([_UnitPosition(UnitIdentifier=body.PrimaryIdentifier)]
                           if body.PrimaryIdentifier else [])
    operation = settings.operations.get(env.Source)
    if not units or not operation:
        why = ("no Units and no PrimaryIdentifier to validate" if not units else
               f"no operation is configured for endpoint {env.Source!r} (TRACEBRIDGE_CFX_OPERATIONS)")
        return _envelope(env, {"Result": {"Result": "Failed", "ResultCode": 1, "Message": why},
                               "PrimaryResult": None, "Results": []})
    checks = check_units(session, [UnitCheck(u.UnitIdentifier, env.Source, operation) for u in units])
    wanted = set(body.Validations)
    results = [_result(u, c, wanted) for u, c in zip(units, checks, strict=True)]
    passed = all(r["Result"] == "Passed" for r in results)
    failed = "; ".join(r["Message"] for r in results if r["Result"] != "Passed")
    primary = {"UniqueIdentifier": body.PrimaryIdentifier or units[0].UnitIdentifier, "PositionNumber": 0,
               "Result": "Passed" if passed else "Failed", "FailureCode": 0 if passed else 1,
               "Message": failed or "OK"}
    return _envelope(env, {"Result": {"Result": "Success", "ResultCode": 0, "Message": None},
                           "PrimaryResult": primary, "Results": results})


def _result(unit: _UnitPosition, check: CheckResult, wanted: set[str]) -> dict[str, Any]:
    reasons = [r for r in check.reasons if _asked(r.code, wanted)]
    return {"UniqueIdentifier": unit.UnitIdentifier, "PositionNumber": unit.PositionNumber or 0,
            "Result": "Failed" if reasons else "Passed", "FailureCode": 1 if reasons else 0,
            "Message": "; ".join(r.message for r in reasons) or "OK"}


def _asked(code: str, wanted: set[str]) -> bool:
    """No Validations listed means both kinds are checked."""
    if not wanted:
        return True
    kind = "UnitRouteValidation" if code in ROUTE_CODES else "UnitStatusValidation"
    return kind in wanted


def _envelope(request: CfxEnvelope, body: dict[str, Any]) -> dict[str, Any]:
    return {"MessageName": RESPONSE, "Version": request.Version or "2.0", "TimeStamp": utcnow().isoformat(),
            "UniqueID": str(uuid.uuid4()), "Source": "tracebridge", "Target": request.Source,
            "RequestID": request.RequestID or request.UniqueID, "MessageBody": body}
