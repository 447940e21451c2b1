"""trace indexes: the backward walk's sub-unit edges as a partial index

Revision ID: 0018_trace_indexes
Revises: 0017_reliability
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018_trace_indexes'
down_revision: str | None = '0017_reliability'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBUNITS = sa.text('child_unit_id IS NOT NULL')


def upgrade() -> None:
    op.create_index('ix_installation_subunit', 'component_installation', ['parent_unit_id', 'child_unit_id'],
                    sqlite_where=SUBUNITS, postgresql_where=SUBUNITS)


def downgrade() -> None:
    op.drop_index('ix_installation_subunit', table_name='component_installation')
