"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from gateway.deps import StoreDep
from traceability import schema

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Liveness: the process answers")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="Readiness: the database answers and its schema is current")
def ready(store: StoreDep) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current, head = schema.current(store.engine), schema.head(store.engine)
        checks["database"] = "ok"
        checks["schema"] = "ok" if current == head else f"at {current}, expected {head}"
    except Exception as exc:  # noqa: BLE001 - readiness reports, never raises
        checks["database"] = f"unavailable: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(status_code=200 if ok else 503,
                        content={"status": "ready" if ok else "not ready", "checks": checks})
