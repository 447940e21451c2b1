"""standards out: time indexes for the EPCIS history export and trace levels by time range

Revision ID: 0014_standards
Revises: 0012_events
Create Date: 2026-12-01
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014_standards'
down_revision: str | None = '0012_events'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("completed_at IS NULL")
REMOVED = sa.text("removed_at IS NOT NULL")
UNPACKED = sa.text("unpacked_at IS NOT NULL")


def upgrade() -> None:
    op.create_index('ix_unit_created', 'unit', ['created_at'])
    op.create_index('ix_unit_operation_completed', 'unit_operation', ['completed_at'])
    op.create_index('ix_unit_operation_open', 'unit_operation', ['started_at'],
                    sqlite_where=OPEN, postgresql_where=OPEN)
    op.create_index('ix_installation_installed_at', 'component_installation', ['installed_at'])
    op.create_index('ix_installation_removed_at', 'component_installation', ['removed_at'],
                    sqlite_where=REMOVED, postgresql_where=REMOVED)
    op.create_index('ix_container_item_packed_at', 'container_item', ['packed_at'])
    op.create_index('ix_container_item_unpacked_at', 'container_item', ['unpacked_at'],
                    sqlite_where=UNPACKED, postgresql_where=UNPACKED)


def downgrade() -> None:
    op.drop_index('ix_container_item_unpacked_at', table_name='container_item')
    op.drop_index('ix_container_item_packed_at', table_name='container_item')
    op.drop_index('ix_installation_removed_at', table_name='component_installation')
    op.drop_index('ix_installation_installed_at', table_name='component_installation')
    op.drop_index('ix_unit_operation_open', table_name='unit_operation')
    op.drop_index('ix_unit_operation_completed', table_name='unit_operation')
    op.drop_index('ix_unit_created', table_name='unit')
