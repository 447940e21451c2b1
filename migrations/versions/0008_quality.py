"""quality: containment cases, control charts (limits frozen from a baseline), SPC alarms

Revision ID: 0008_quality
Revises: 0007_modbus
Create Date: 2026-11-30 23:54:41.334817
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import traceability.types

revision: str = '0008_quality'
down_revision: str | None = '0007_modbus'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('containment_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('lot_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('station', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('window_start', traceability.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('window_end', traceability.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('opened_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('opened_at', traceability.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('released_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('released_at', traceability.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('held_count', sa.Integer(), nullable=False),
    sa.Column('shipped_count', sa.Integer(), nullable=False),
    sa.Column('scope', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('control_chart',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('station', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('parameter', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('subgroup_size', sa.Integer(), nullable=False),
    sa.Column('baseline_start', traceability.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('baseline_end', traceability.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('baseline_points', sa.Integer(), nullable=False),
    sa.Column('center', sa.Float(), nullable=False),
    sa.Column('ucl', sa.Float(), nullable=False),
    sa.Column('lcl', sa.Float(), nullable=False),
    sa.Column('sigma', sa.Float(), nullable=False),
    sa.Column('range_center', sa.Float(), nullable=False),
    sa.Column('range_ucl', sa.Float(), nullable=False),
    sa.Column('range_lcl', sa.Float(), nullable=False),
    sa.Column('lsl', sa.Float(), nullable=True),
    sa.Column('usl', sa.Float(), nullable=True),
    sa.Column('cpk', sa.Float(), nullable=True),
    sa.Column('rules', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('hold_out_of_spec', sa.Boolean(), nullable=False),
    sa.Column('evaluated_until', traceability.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', traceability.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('control_chart', schema=None) as batch_op:
        batch_op.create_index('ix_control_chart_parameter', ['station', 'parameter'], unique=False)

    op.create_table('spc_alarm',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('chart_id', sa.Integer(), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('first_at', traceability.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_at', traceability.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_sample_id', sa.BigInteger(), nullable=False),
    sa.Column('samples', sa.JSON(), nullable=False),
    sa.Column('raised_at', traceability.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('acknowledged_at', traceability.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['chart_id'], ['control_chart.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('chart_id', 'rule', 'last_sample_id', name='uq_spc_alarm_point')
    )
    with op.batch_alter_table('spc_alarm', schema=None) as batch_op:
        batch_op.create_index('ix_spc_alarm_chart', ['chart_id', 'last_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('spc_alarm', schema=None) as batch_op:
        batch_op.drop_index('ix_spc_alarm_chart')

    op.drop_table('spc_alarm')
    with op.batch_alter_table('control_chart', schema=None) as batch_op:
        batch_op.drop_index('ix_control_chart_parameter')

    op.drop_table('control_chart')
    op.drop_table('containment_case')
