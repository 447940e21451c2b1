"""recording order on SQLite: the insert carries its number, the trigger only fills what lacks it

Revision ID: 0019_recording_on_insert
Revises: 0018_epcis_stream
Create Date: 2026-12-01

0018's SQLite insert triggers bumped the clock and rewrote every inserted row: a third of the
insert rate. Writers now send the transaction's number with the row (models/history.py); the
trigger still numbers a row that comes without one (or is inserted with a later fact already set),
so no writer can forget it. PostgreSQL is unchanged (its BEFORE trigger costs no extra write).
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0019_recording_on_insert'
down_revision: str | None = '0018_epcis_stream'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> its later facts (time column -> recording column), as in 0018
FACTS = {
    'material_lot': {},
    'unit': {},
    'component_installation': {'removed_at': 'removed_seq'},
    'unit_operation': {'completed_at': 'completed_seq'},
    'container_item': {'unpacked_at': 'unpacked_seq'},
}
BUMP = "UPDATE history_clock SET last = last + 1 WHERE id = 1;"
NOW = "(SELECT last FROM history_clock WHERE id = 1)"


def _create(table: str, later: dict[str, str], only_unnumbered: bool) -> None:
    sets = [f"recorded_seq = {NOW}"]
    sets += [f"{col} = CASE WHEN NEW.{at} IS NOT NULL THEN {NOW} END" for at, col in later.items()]
    when = ""
    if only_unnumbered:
        when = " WHEN " + " OR ".join(["NEW.recorded_seq IS NULL"] + [f"NEW.{at} IS NOT NULL" for at in later])
    op.execute(f"CREATE TRIGGER tb_{table}_recorded AFTER INSERT ON {table}{when} BEGIN {BUMP} "
               f"UPDATE {table} SET {', '.join(sets)} WHERE id = NEW.id; END")


def _replace(only_unnumbered: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table, later in FACTS.items():
        op.execute(f'DROP TRIGGER IF EXISTS tb_{table}_recorded')
        _create(table, later, only_unnumbered)


def upgrade() -> None:
    _replace(only_unnumbered=True)


def downgrade() -> None:
    _replace(only_unnumbered=False)
