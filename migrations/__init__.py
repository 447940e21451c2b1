"""Alembic migrations of the traceability store (SQLite and PostgreSQL)."""
