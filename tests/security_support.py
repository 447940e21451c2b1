"""Helpers for the security tests: apps built with authentication ON, keys made through the domain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from gateway.app import create_app
from gateway.deps import StoreDep
from gateway.dispatch import dispatch
from gateway.idempotency import IdempotencyKeyDep
from gateway.security.settings import SecuritySettings
from gateway.settings import Settings
from traceability import commands as c
from traceability import credentials
from traceability.database import Store, make_engine


def secure_settings(database_url: str, **security: Any) -> Settings:
    fields: dict[str, Any] = {"auth_required": True, **security}
    extra = {k: fields.pop(k) for k in ("max_body_bytes",) if k in fields}
    return Settings(database_url=database_url, security=SecuritySettings(**fields), **extra)


def secure_app(database_url: str, **security: Any):  # type: ignore[no-untyped-def]
    return create_app(secure_settings(database_url, **security))


def make_key(database_url: str, scopes: Sequence[str], name: str = "test", **kw: Any) -> tuple[str, str]:
    """(key text, key id) of a new key with `scopes`."""
    store = Store(make_engine(database_url))
    try:
        with store.write() as session:
            key, text = credentials.create_key(session, name=name, scopes=scopes, **kw)
        return text, key.key_id
    finally:
        store.dispose()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


class StatusIn(BaseModel):
    source: str
    messages: int = 1


def app_with_a_write_hook(database_url: str, **security: Any) -> FastAPI:
    """The app plus one write hook as an adapter engineer writes it: dispatch(), nothing else."""
    app = secure_app(database_url, **security)

    @app.post("/api/v1/cfx/test-status")
    def post_status(body: StatusIn, store: StoreDep, key: IdempotencyKeyDep = None) -> dict:
        return dispatch(store, c.ReportDeviceStatus(source=body.source, kind="cfx", messages=body.messages),
                        source="cfx-http", message_id=key)

    return app
