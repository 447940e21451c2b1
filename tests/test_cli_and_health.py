"""The `tracebridge` command and the liveness/readiness endpoints, as a new user meets them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import Settings
from tests.databases import fresh_postgres, pg_available

BIN = Path(sys.executable).parent / "tracebridge"


def _cli(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRACEBRIDGE_DATABASE_URL": url}
    return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=120)


def test_db_upgrade_creates_the_schema_on_an_empty_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    out = _cli("db", "upgrade", url=url)
    assert out.returncode == 0, out.stderr
    assert "schema at 0001" in out.stdout or "schema at" in out.stdout
    assert "head" in _cli("db", "current", url=url).stdout


def test_db_upgrade_creates_the_schema_on_an_empty_postgres_database():
    if not pg_available():
        import pytest
        pytest.skip("PostgreSQL not reachable")
    with fresh_postgres() as url:
        out = _cli("db", "upgrade", url=url)
        assert out.returncode == 0, out.stderr
        current = _cli("db", "current", url=url).stdout.split()
        assert current[1].rstrip(",") == current[3]


def test_demo_seed_is_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = _cli("demo", "seed", url=url)
    assert first.returncode == 0, first.stderr
    assert "0 new" not in first.stdout
    assert "0 new commands" in _cli("demo", "seed", url=url).stdout


def test_health_and_ready(database_url):
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        assert client.get("/health").json() == {"status": "ok"}
        ready = client.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "schema": "ok"}


def test_ready_reports_a_database_that_is_not_migrated(tmp_path):
    with TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'blank.db'}"))) as client:
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.json()["status"] == "not ready"


def test_production_refuses_sqlite():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="TRACEBRIDGE_DATABASE_URL"):
        Settings(environment="production", database_url="sqlite:///x.db")
