"""plm and wms: the ECO that obsoleted a routing revision; a flag on installations accepted by policy

Revision ID: 0010_plm_wms
Revises: 0008_quality
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0010_plm_wms'
down_revision: str | None = '0008_quality'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Both columns are nullable without a default: a catalogue-only change on PostgreSQL, even on
    # a large installation table.
    with op.batch_alter_table('routing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_notice', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
    with op.batch_alter_table('component_installation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flag', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('component_installation', schema=None) as batch_op:
        batch_op.drop_column('flag')
    with op.batch_alter_table('routing', schema=None) as batch_op:
        batch_op.drop_column('change_notice')
