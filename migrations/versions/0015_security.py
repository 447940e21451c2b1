"""security: API keys (hashed) and the hash-chained audit log

Revision ID: 0015_security
Revises: 0014_standards
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import traceability.types

revision: str = '0015_security'
down_revision: str | None = '0014_standards'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNSEALED = sa.text("seq IS NULL")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'api_key',
        sa.Column('id', BigId, nullable=False),
        sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('secret_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('sites', sa.JSON(), nullable=True),
        sa.Column('lines', sa.JSON(), nullable=True),
        sa.Column('created_at', traceability.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', traceability.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', traceability.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', traceability.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key_id'),
    )
    op.create_table(
        'audit_entry',
        sa.Column('id', BigId, nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=True),
        sa.Column('recorded_at', traceability.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('command', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('payload_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('entry_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('seq'),
    )
    op.create_index('ix_audit_unsealed', 'audit_entry', ['id'], sqlite_where=UNSEALED, postgresql_where=UNSEALED)
    op.create_index('ix_audit_target', 'audit_entry', ['target', 'recorded_at'])
    op.create_index('ix_audit_actor', 'audit_entry', ['actor', 'recorded_at'])
    op.create_index('ix_audit_recorded_at', 'audit_entry', ['recorded_at'])


def downgrade() -> None:
    op.drop_table('audit_entry')
    op.drop_table('api_key')
