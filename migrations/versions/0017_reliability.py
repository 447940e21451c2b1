"""reliability: the correlation id on idempotency and outbox rows

Revision ID: 0017_reliability
Revises: 0015_security
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0017_reliability'
down_revision: str | None = '0015_security'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ('inbound_message', 'outbox_event'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('correlation_id', sqlmodel.sql.sqltypes.AutoString(length=128),
                                       nullable=True))


def downgrade() -> None:
    for table in ('outbox_event', 'inbound_message'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('correlation_id')
