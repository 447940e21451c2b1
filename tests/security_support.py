"""Helpers for the security tests: apps built with authentication ON, keys made through the domain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.app import create_app
from gateway.security.settings import SecuritySettings
from gateway.settings import Settings
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
