"""The migrations create the schema on empty databases and agree with the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import quality.models  # noqa: F401
import traceability.models  # noqa: F401
from traceability import schema
from traceability.database import make_engine

ROOT = Path(__file__).resolve().parent.parent


def test_models_and_migrations_agree(database_url):
    engine = make_engine(database_url)  # already upgraded to head by the fixture
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                SQLModel.metadata)
    engine.dispose()
    assert diff == [], f"models differ from migrations; generate a migration: {diff}"


def test_upgrade_on_an_empty_database_reaches_head(database_url):
    engine = make_engine(database_url)
    schema.upgrade(engine)  # idempotent on an up-to-date database
    assert schema.current(engine) == schema.head(engine)
    engine.dispose()


def test_the_outbox_is_vacuumed_as_a_queue(postgresql_url):
    """Each event's row is updated twice: PostgreSQL vacuums the outbox every ~5,000 dead rows, not
    at 20 % of a table that keeps every sent event (migration 0020)."""
    engine = make_engine(postgresql_url)
    with engine.connect() as conn:
        options = conn.exec_driver_sql(
            "SELECT reloptions FROM pg_class WHERE relname = 'outbox_event'").scalar()
    engine.dispose()
    assert {"autovacuum_vacuum_scale_factor=0", "autovacuum_vacuum_threshold=5000"} <= set(options)


def test_graphql_folder_holds_no_python():
    """A Python package named graphql at the root would shadow graphql-core (strawberry's import)."""
    assert not list((ROOT / "graphql").rglob("*.py"))


def test_domain_imports_no_adapter():
    forbidden = ("fastapi", "starlette", "strawberry", "zeep", "lxml", "pika", "pymodbus",
                 "gateway", "integrations", "devices", "httpx")
    offenders = []
    for path in [*(ROOT / "traceability").rglob("*.py"), *(ROOT / "quality").rglob("*.py")]:
        for line in path.read_text().splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in ("import", "from") and words[1].split(".")[0] in forbidden:
                offenders.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert offenders == []
