"""API keys as a calling system meets them: both headers, wrong or revoked or expired keys, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from gateway.security.settings import SecuritySettings
from tests.security_support import bearer, make_key, secure_app
from traceability import credentials
from traceability.database import Store, make_engine
from traceability.models import ApiKey
from traceability.types import utcnow

BIN = Path(sys.executable).parent / "tracebridge"


def test_security_is_on_unless_switched_off(monkeypatch):
    monkeypatch.delenv("TRACEBRIDGE_AUTH_REQUIRED", raising=False)
    assert SecuritySettings(_env_file=None).auth_required is True


def test_a_key_works_in_either_header_and_only_with_its_secret(database_url):
    key, key_id = make_key(database_url, ["devices:read"])
    tampered = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    with TestClient(secure_app(database_url)) as client:
        assert client.get("/api/v1/devices", headers=bearer(key)).status_code == 200
        assert client.get("/api/v1/devices", headers={"X-API-Key": key}).status_code == 200
        for headers in ({"Authorization": f"Basic {key}"}, {"Authorization": "Bearer "},
                        bearer(tampered), bearer("tbk_nonsense"), bearer(f"tbk_{'0' * 16}_{'a' * 43}")):
            refused = client.get("/api/v1/devices", headers=headers)
            assert refused.status_code == 401, headers
            assert refused.json()["error"]["code"] == "unauthenticated"
    store = Store(make_engine(database_url))
    with store.read() as session:
        row = credentials.lookup(session, key_id)
    store.dispose()
    assert row.last_used_at is not None  # recorded (at most once a minute per process)
    secret = key.split("_", 2)[2]  # tbk_<id>_<secret>; the secret itself may hold "_"
    assert row.secret_hash != key and secret not in row.secret_hash


def test_a_revoked_or_expired_key_is_refused(database_url):
    revoked, revoked_id = make_key(database_url, ["admin"], name="to revoke")
    expiring, expiring_id = make_key(database_url, ["admin"], name="expiring",
                                     expires_at=utcnow() + timedelta(days=1))
    store = Store(make_engine(database_url))
    with TestClient(secure_app(database_url, auth_cache_seconds=0)) as client:
        assert client.get("/api/v1/audit", headers=bearer(revoked)).status_code == 200
        assert client.get("/api/v1/audit", headers=bearer(expiring)).status_code == 200
        with store.write() as session:
            credentials.revoke_key(session, revoked_id, actor="test")
            session.execute(update(ApiKey).where(ApiKey.key_id == expiring_id)
                            .values(expires_at=utcnow() - timedelta(seconds=1)))
        answer = client.get("/api/v1/audit", headers=bearer(revoked))
        assert answer.status_code == 401 and answer.json()["error"]["message"] == "API key revoked"
        answer = client.get("/api/v1/audit", headers=bearer(expiring))
        assert answer.status_code == 401 and answer.json()["error"]["message"] == "API key expired"
    store.dispose()


def test_keys_are_created_with_known_scopes_and_a_name(store):
    import pytest

    from traceability.errors import Invalid

    with pytest.raises(Invalid, match="scopes"), store.write() as session:
        credentials.create_key(session, name="x", scopes=["Not A Scope"])
    with pytest.raises(Invalid, match="name"), store.write() as session:
        credentials.create_key(session, name=" ", scopes=["admin"])


def _cli(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRACEBRIDGE_DATABASE_URL": url}
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=120)


def test_keys_cli_creates_shows_once_lists_and_revokes(tmp_path):
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    made = _cli("keys", "create", "--name", "ERP prod", "--scope", "erp:write", "--scope", "erp:read",
                "--line", "L1", "--expires-in-days", "30", url=url)
    assert made.returncode == 0, made.stderr
    text = made.stdout.split()[-1]
    assert text.startswith("tbk_") and "cannot be shown again" in made.stderr
    key_id = credentials.parse(text)[0]
    listed = _cli("keys", "list", url=url)
    assert key_id in listed.stdout and "active" in listed.stdout and "erp:read,erp:write" in listed.stdout
    assert "lines=L1" in listed.stdout and text not in listed.stdout
    assert _cli("keys", "create", "--name", "x", "--scope", "bogus", url=url).returncode == 2
    assert _cli("keys", "revoke", key_id, url=url).returncode == 0
    assert "revoked" in _cli("keys", "list", url=url).stdout
    assert _cli("keys", "revoke", "0" * 16, url=url).returncode == 1
    store = Store(make_engine(url))
    with store.read() as session:
        assert session.scalar(select(ApiKey.revoked_at).where(ApiKey.key_id == key_id)) is not None
    store.dispose()


def test_the_demo_key_is_created_once_and_printed_again(tmp_path):
    from gateway.security.cli import demo_key
    from gateway.security.policy import SCOPES

    store = Store(make_engine(f"sqlite:///{tmp_path / 'demo.db'}"))
    from traceability import schema

    schema.upgrade(store.engine)
    path = tmp_path / "demo.key"
    first = demo_key(store, path)
    assert demo_key(store, path) == first and oct(path.stat().st_mode)[-3:] == "600"
    with store.write() as session:
        credentials.revoke_key(session, credentials.parse(first)[0])
    second = demo_key(store, path)  # the old one no longer works: a new one replaces it
    assert second != first
    with store.read() as session:
        key = credentials.lookup(session, credentials.parse(second)[0])
    assert set(key.scopes) == set(SCOPES)
    store.dispose()


def test_production_refuses_authentication_off():
    import pytest
    from pydantic import ValidationError

    from gateway.settings import Settings

    with pytest.raises(ValidationError, match="TRACEBRIDGE_AUTH_REQUIRED"):
        Settings(environment="production", database_url="postgresql://x@127.0.0.1/db",
                 security=SecuritySettings(auth_required=False))
