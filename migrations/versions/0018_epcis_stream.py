"""epcis stream: the history's recording order (recorded_seq + triggers) and readers' cursors

Revision ID: 0018_epcis_stream
Revises: 0018_trace_indexes
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
down_revision: str | None = '0018_trace_indexes'  # main's 0018 came first
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> its recording columns: recorded_seq (the insert; None: the table has none) and, per
# time column that records a later fact, that fact's column
FACTS = {
    'material_lot': ('recorded_seq', {}),
    'unit': ('recorded_seq', {}),
    'component_installation': ('recorded_seq', {'removed_at': 'removed_seq'}),
    'unit_operation': ('recorded_seq', {'completed_at': 'completed_seq'}),
    'container_item': ('recorded_seq', {'unpacked_at': 'unpacked_seq'}),
    'container': (None, {'shipped_at': 'shipped_seq'}),
}
INDEXES = [  # (name, table, column, partial)
    ('ix_material_lot_recorded', 'material_lot', 'recorded_seq', False),
    ('ix_unit_recorded', 'unit', 'recorded_seq', False),
    ('ix_installation_recorded', 'component_installation', 'recorded_seq', False),
    ('ix_installation_removed_seq', 'component_installation', 'removed_seq', True),
    ('ix_unit_operation_recorded', 'unit_operation', 'recorded_seq', False),
    ('ix_unit_operation_completed_seq', 'unit_operation', 'completed_seq', False),
    ('ix_container_item_recorded', 'container_item', 'recorded_seq', False),
    ('ix_container_item_unpacked_seq', 'container_item', 'unpacked_seq', True),
    ('ix_container_shipped_seq', 'container', 'shipped_seq', True),
]


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
    for table, (inserted, later) in FACTS.items():
        with op.batch_alter_table(table) as batch:
            for col in ([inserted] if inserted else []) + list(later.values()):
                batch.add_column(sa.Column(col, sa.BigInteger(), nullable=True))
        if inserted:
            op.execute(f'UPDATE {table} SET {inserted} = -id')
        for at, col in later.items():
            op.execute(f'UPDATE {table} SET {col} = -id WHERE {at} IS NOT NULL')
    for name, table, col, partial in INDEXES:
        where = sa.text(f'{col} IS NOT NULL') if partial else None
        op.create_index(name, table, [col], sqlite_where=where, postgresql_where=where)
    if op.get_bind().dialect.name == 'postgresql':
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _postgresql_triggers() -> None:
    # The writing transaction's id (xid8, 64 bits: no wraparound); readers stop below the oldest
    # running transaction (pg_snapshot_xmin), so rows of a transaction are taken only once it ended.
    for table, (inserted, later) in FACTS.items():
        on_insert = [f"NEW.{inserted} := x;"] if inserted else []
        on_insert += [f"IF NEW.{at} IS NOT NULL THEN NEW.{col} := x; END IF;" for at, col in later.items()]
        on_update = [f"IF NEW.{at} IS NOT NULL AND NEW.{at} IS DISTINCT FROM OLD.{at} THEN NEW.{col} := x; "
                     f"END IF;" for at, col in later.items()]
        op.execute(f"""
            CREATE FUNCTION tb_{table}_recorded() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE x bigint := pg_current_xact_id()::text::bigint;
            BEGIN
                IF TG_OP = 'INSERT' THEN {' '.join(on_insert)}
                ELSE {' '.join(on_update) or 'NULL;'}
                END IF;
                RETURN NEW;
            END $$""")
        events = "INSERT" + "".join(f" OR UPDATE OF {at}" for at in later)
        op.execute(f"CREATE TRIGGER tb_{table}_recorded BEFORE {events} ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION tb_{table}_recorded()")


def _sqlite_triggers() -> None:
    # One writer at a time: a counter bumped inside the writing transaction is in commit order.
    bump = "UPDATE history_clock SET last = last + 1 WHERE id = 1;"
    now = "(SELECT last FROM history_clock WHERE id = 1)"
    for table, (inserted, later) in FACTS.items():
        sets = [f"{inserted} = {now}"] if inserted else []
        sets += [f"{col} = CASE WHEN NEW.{at} IS NOT NULL THEN {now} END" for at, col in later.items()]
        when = "" if inserted else " WHEN " + " OR ".join(f"NEW.{at} IS NOT NULL" for at in later)
        op.execute(f"CREATE TRIGGER tb_{table}_recorded AFTER INSERT ON {table}{when} BEGIN {bump} "
                   f"UPDATE {table} SET {', '.join(sets)} WHERE id = NEW.id; END")
        for at, col in later.items():
            op.execute(f"CREATE TRIGGER tb_{table}_{at}_recorded AFTER UPDATE OF {at} ON {table} "
                       f"WHEN NEW.{at} IS NOT NULL AND NEW.{at} IS NOT OLD.{at} BEGIN {bump} "
                       f"UPDATE {table} SET {col} = {now} WHERE id = NEW.id; END")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for table, (inserted, later) in FACTS.items():
        if postgresql:
            op.execute(f'DROP TRIGGER IF EXISTS tb_{table}_recorded ON {table}')
            op.execute(f'DROP FUNCTION IF EXISTS tb_{table}_recorded()')
        else:
            for name in (f'tb_{table}_recorded', *(f'tb_{table}_{at}_recorded' for at in later)):
                op.execute(f'DROP TRIGGER IF EXISTS {name}')
    for name, table, _col, _partial in INDEXES:
        op.drop_index(name, table_name=table)
    for table, (inserted, later) in FACTS.items():
        for col in ([inserted] if inserted else []) + list(later.values()):
            # Plain ALTER (SQLite >= 3.35): a batch copy would drop tables other tables reference.
            op.execute(f'ALTER TABLE {table} DROP COLUMN {col}')
    op.drop_table('history_clock')
    op.drop_table('history_cursor')
