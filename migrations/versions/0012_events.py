"""events: the payload version each outbox row was written with; work order progress counters

Revision ID: 0012_events
Revises: 0010_plm_wms
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import traceability.types

revision: str = '0012_events'
down_revision: str | None = '0011_cfx'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'work_order_progress',
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('operation', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('passed', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('updated_at', traceability.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], ),
        sa.PrimaryKeyConstraint('work_order_id', 'operation'),
    )
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    op.drop_table('work_order_progress')
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_column('version')
