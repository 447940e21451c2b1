"""modbus samples: a unique key per (station, parameter, time) for sampled process values

Revision ID: 0007_modbus
Revises: 0002_device_status
Create Date: 2026-11-25
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007_modbus'
down_revision: str | None = '0002_device_status'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SAMPLED = sa.text("source = 'modbus'")


def upgrade() -> None:
    with op.batch_alter_table('process_parameter', schema=None) as batch_op:
        batch_op.create_index('ux_process_parameter_sample', ['station', 'name', 'recorded_at'], unique=True,
                              sqlite_where=SAMPLED, postgresql_where=SAMPLED)


def downgrade() -> None:
    with op.batch_alter_table('process_parameter', schema=None) as batch_op:
        batch_op.drop_index('ux_process_parameter_sample')
