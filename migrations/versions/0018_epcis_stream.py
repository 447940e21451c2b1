"""epcis stream: the history's recording order (recorded_seq + triggers) and readers' cursors

Revision ID: 0018_epcis_stream
Revises: 0017_reliability
Create Date: 2026-12-01

Why triggers: every way a fact reaches these tables (ORM, Core batches, COPY, a SQL console) gets
its recording number, and no command can forget it. Existing rows are numbered below zero (their
id, negated), so a reader starting from the beginning takes them first, in bounded slices.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0018_epcis_stream'
down_revision: str | None = '0017_reliability'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> the time columns whose change records a new fact (besides the insert itself)
FACT_TABLES = {
    'material_lot': (),
    'unit': (),
    'component_installation': ('removed_at',),
    'unit_operation': ('completed_at',),
    'container_item': ('unpacked_at',),
    'container': ('shipped_at',),
}
INDEX = {'material_lot': 'ix_material_lot_recorded', 'unit': 'ix_unit_recorded',
         'component_installation': 'ix_installation_recorded', 'unit_operation': 'ix_unit_operation_recorded',
         'container_item': 'ix_container_item_recorded', 'container': 'ix_container_recorded'}


def upgrade() -> None:
    op.create_table(
        'history_cursor',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('recorded_after', sa.BigInteger(), nullable=False),
        sa.Column('recorded_upto', sa.BigInteger(), nullable=True),
        sa.Column('page_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('page_rank', sa.Integer(), nullable=True),
        sa.Column('page_key', sa.BigInteger(), nullable=True),
        sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('published', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'history_clock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('last', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute('INSERT INTO history_clock (id, last) VALUES (1, 0)')
    for table in FACT_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('recorded_seq', sa.BigInteger(), nullable=True))
        op.execute(f'UPDATE {table} SET recorded_seq = -id')
        op.create_index(INDEX[table], table, ['recorded_seq'])
    if op.get_bind().dialect.name == 'postgresql':
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _postgresql_triggers() -> None:
    # The writing transaction's id (xid8, 64 bits: no wraparound); readers stop below the oldest
    # running transaction (pg_snapshot_xmin), so rows of a transaction are taken only once it ended.
    op.execute("""
        CREATE FUNCTION tb_history_recorded() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.recorded_seq := pg_current_xact_id()::text::bigint;
            RETURN NEW;
        END $$""")
    for table, columns in FACT_TABLES.items():
        op.execute(f"CREATE TRIGGER tb_{table}_recorded BEFORE INSERT ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION tb_history_recorded()")
        for col in columns:
            op.execute(f"CREATE TRIGGER tb_{table}_{col}_recorded BEFORE UPDATE OF {col} ON {table} "
                       f"FOR EACH ROW WHEN (NEW.{col} IS DISTINCT FROM OLD.{col}) "
                       f"EXECUTE FUNCTION tb_history_recorded()")


def _sqlite_triggers() -> None:
    # One writer at a time: a counter bumped inside the writing transaction is in commit order.
    for table, columns in FACT_TABLES.items():
        stamp = (f"UPDATE history_clock SET last = last + 1 WHERE id = 1; "
                 f"UPDATE {table} SET recorded_seq = (SELECT last FROM history_clock WHERE id = 1) "
                 f"WHERE id = NEW.id;")
        op.execute(f"CREATE TRIGGER tb_{table}_recorded AFTER INSERT ON {table} BEGIN {stamp} END")
        for col in columns:
            op.execute(f"CREATE TRIGGER tb_{table}_{col}_recorded AFTER UPDATE OF {col} ON {table} "
                       f"WHEN NEW.{col} IS NOT OLD.{col} BEGIN {stamp} END")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for table, columns in FACT_TABLES.items():
        for name in (f'tb_{table}_recorded', *(f'tb_{table}_{c}_recorded' for c in columns)):
            op.execute(f'DROP TRIGGER IF EXISTS {name}' + (f' ON {table}' if postgresql else ''))
        op.drop_index(INDEX[table], table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column('recorded_seq')
    if postgresql:
        op.execute('DROP FUNCTION IF EXISTS tb_history_recorded()')
    op.drop_table('history_clock')
    op.drop_table('history_cursor')
