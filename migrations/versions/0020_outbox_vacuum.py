"""outbox: vacuumed as the queue it is (PostgreSQL)

Revision ID: 0020_outbox_vacuum
Revises: 0019_recording_on_insert
Create Date: 2026-12-01

Each event's row is updated twice (pending -> sending -> sent). The relay finds due rows through
ix_outbox_pending, whose entries for those dead versions stay until VACUUM: measured on a 10k-product
plant with 63k sent events and no vacuum, the relay's "anything due?" read took 20 ms (13 ms after
ANALYZE) instead of 0.04 ms after VACUUM, and event latency rose from 3 to 25 ms. PostgreSQL's
default trigger, 20 % of the table dead, lets a table that keeps every sent event (millions) pile
up that many dead versions first; these settings vacuum it after every ~5,000 dead rows, a cheap
pass (the visibility map skips the pages of old sent events).
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0020_outbox_vacuum'
down_revision: str | None = '0019_recording_on_insert'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SETTINGS = ("autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, "
            "autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000")
NAMES = ("autovacuum_vacuum_scale_factor", "autovacuum_vacuum_threshold",
         "autovacuum_analyze_scale_factor", "autovacuum_analyze_threshold")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE outbox_event SET ({SETTINGS})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE outbox_event RESET ({', '.join(NAMES)})")
