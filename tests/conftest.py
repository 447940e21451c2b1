"""Fixtures: every store test runs on SQLite and on PostgreSQL (the `store` fixture's two params)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

# The functional suite tests what routes do, not who may call them: its apps are built with
# create_app(Settings(...)) and no credential, so authentication is off for it. Security is on by
# default everywhere else; the tests/test_security*.py files build their apps with it on explicitly.
os.environ.setdefault("TRACEBRIDGE_AUTH_REQUIRED", "false")

from tests.databases import fresh_postgres, fresh_sqlite, pg_available
from traceability import schema
from traceability.database import Store, make_engine

REQUIRE_PG = os.environ.get("CI") == "true" or os.environ.get("TRACEBRIDGE_REQUIRE_PG") == "1"


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_sqlite(tmp_path_factory.mktemp("db")) as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    if not pg_available():
        if REQUIRE_PG:
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required in CI and is not reachable")
        pytest.skip("PostgreSQL not reachable")
    with fresh_postgres() as url:
        engine = make_engine(url)
        schema.upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store(make_engine(database_url))
    yield s
    s.dispose()


@pytest.fixture
def uid() -> str:
    """A short unique prefix so tests never collide on a shared database."""
    return uuid.uuid4().hex[:8].upper()


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """The measured outcome of each injected fault (tests/fault_support.py), after the run."""
    from tests.fault_support import OUTCOMES

    if OUTCOMES:
        terminalreporter.section("fault outcomes")
        for line in OUTCOMES:
            terminalreporter.write_line(line)


@pytest.fixture
def pg_store(postgresql_url: str) -> Iterator[Store]:
    """The production store only: fault tests are about several processes on one PostgreSQL."""
    s = Store(make_engine(postgresql_url))
    yield s
    s.dispose()
