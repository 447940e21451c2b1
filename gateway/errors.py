"""The one mapping from domain errors (and input validation) to HTTP answers.

Every refusal has the same shape: {"error": {"code", "message", "field"?, "fields"?}}; stack traces
and SQL never reach the client.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from traceability.errors import Conflict, DomainError, Invalid, NotFound, Refused

log = logging.getLogger("tracebridge.http")

STATUS: dict[type[DomainError], int] = {NotFound: 404, Conflict: 409, Invalid: 422, Refused: 409}
HTTP_CODES = {400: "invalid", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large"}


def field_errors(exc: ValidationError | RequestValidationError) -> list[dict[str, str]]:
    out = []
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path", "header")]
        out.append({"field": ".".join(loc) or "body", "reason": e.get("msg", "invalid")})
    return out


def refusal(status: int, code: str, message: str, **extra) -> JSONResponse:  # type: ignore[no-untyped-def]
    return JSONResponse(status_code=status, content={"error": {"code": code, "message": message, **extra}})


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        status = next((s for t, s in STATUS.items() if isinstance(exc, t)), 400)
        return JSONResponse(status_code=status, content={"error": exc.as_dict()})

    @app.exception_handler(RequestValidationError)
    async def _request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _invalid(field_errors(exc))

    @app.exception_handler(ValidationError)
    async def _command(_: Request, exc: ValidationError) -> JSONResponse:
        return _invalid(field_errors(exc))

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        # Starlette's own refusals (no route, wrong method, a body that is not JSON) in our shape.
        extra = {"field": "body"} if exc.status_code == 400 else {}
        answer = refusal(exc.status_code, HTTP_CODES.get(exc.status_code, "error"), str(exc.detail), **extra)
        answer.headers.update(exc.headers or {})
        return answer

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # An integer past 64 bits reaches the driver from any unbounded int parameter: name it.
        params = {**request.query_params, **request.path_params}
        field = next((k for k, v in params.items() if _beyond_64_bits(str(v))), None)
        return _invalid([{"field": field or "body", "reason": "out of range for the store"}])

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_down(_: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", type(exc).__name__)
        return refusal(503, "unavailable", "the database is unavailable; retry later")

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        # The client gets a reference to quote; the trace and any SQL stay in the log.
        reference = uuid.uuid4().hex[:16]
        log.error("internal error %s on %s %s", reference, request.method, request.url.path, exc_info=exc)
        return refusal(500, "internal", f"internal error; quote reference {reference}", reference=reference)


def _invalid(fields: list[dict[str, str]]) -> JSONResponse:
    message = "; ".join(f"{f['field']}: {f['reason']}" for f in fields)
    first = fields[0]["field"] if fields else None
    return refusal(422, "invalid", message, field=first, fields=fields)


def _beyond_64_bits(text: str) -> bool:
    digits = text.lstrip("+-")
    return digits.isdigit() and (len(digits) > 19 or not -(2**63) <= int(text) < 2**63)
