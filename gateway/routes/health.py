"""Liveness and readiness."""

from __future__ import annotations

import pika
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from gateway.deps import SettingsDep, StoreDep
from traceability import schema

router = APIRouter(tags=["operations"])

BROKER_TIMEOUT = 2.0  # seconds: an orchestrator's probe must answer well within its own timeout


@router.get("/health", summary="Liveness: the process answers")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="Readiness: database and schema current; the broker when one is configured")
def ready(store: StoreDep, settings: SettingsDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current, head = schema.current(store.engine), schema.head(store.engine)
        checks["database"] = "ok"
        checks["schema"] = "ok" if current == head else f"at {current}, expected {head}"
    except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
        checks["database"] = f"unavailable: {type(exc).__name__}"
    if settings.amqp_url:
        checks["broker"] = broker_check(settings.amqp_url)
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(status_code=200 if ok else 503,
                        content={"status": "ready" if ok else "not ready", "checks": checks})


def broker_check(url: str) -> str:
    """Open and close one AMQP connection (one attempt, short timeouts)."""
    params = pika.URLParameters(url)
    params.connection_attempts = 1
    params.socket_timeout = params.blocked_connection_timeout = BROKER_TIMEOUT
    params.stack_timeout = BROKER_TIMEOUT * 2
    try:
        pika.BlockingConnection(params).close()
    except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
        return f"unavailable: {type(exc).__name__}"
    return "ok"
