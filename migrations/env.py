"""Alembic environment: the store's metadata, batch mode for SQLite ALTERs."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import quality.models  # noqa: F401 - the quality tables
import traceability.models  # noqa: F401 - registers every table on the metadata
from traceability.database import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
