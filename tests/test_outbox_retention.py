"""Outbox retention: sent rows past the retention go, every other row stays, however old."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select

from gateway.events.publishing import InProcessBus
from gateway.events.relay import RelayThread, event_relay
from traceability import outbox, schema
from traceability.database import Store, make_engine
from traceability.models import OutboxEvent

CUTOFF = datetime(2020, 1, 1, tzinfo=UTC)
OLD, LATER = datetime(2019, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC)


def _rows(uid: str) -> list[OutboxEvent]:
    """(what it is, created, status, sent): in id order, the old rows first, as in a real outbox."""
    kinds = [("old sent", OLD, "sent", OLD + timedelta(days=1)),
             ("old pending", OLD, "pending", None),
             ("old failed", OLD, "failed", None),
             ("old sent", OLD, "sent", OLD + timedelta(days=2)),
             ("old, sent late", OLD, "sent", LATER),
             ("old sent", OLD, "sent", OLD + timedelta(days=3)),
             ("recent sent", LATER, "sent", LATER)]
    return [OutboxEvent(event_id=f"{uid}-{i}", destination="events" if i % 2 else "erp",
                        type=kind, aggregate_type="unit", aggregate_id=f"{uid}-U", sequence=i,
                        payload={}, created_at=created, status=status, sent_at=sent)
            for i, (kind, created, status, sent) in enumerate(kinds)]


def test_prune_deletes_only_sent_rows_past_the_retention(store: Store, uid: str) -> None:
    with store.write() as session:
        start = session.scalar(select(func.coalesce(func.max(OutboxEvent.id), 0)))
        session.add_all(_rows(uid))
    deleted, after = 0, start
    with store.write() as session:  # batches of 2: the walk goes on after the id it was given
        for _ in range(10):
            n, after = outbox.prune(session, sent_before=CUTOFF, after_id=after, limit=2)
            deleted += n
            if after is None:
                break
    with store.write() as session:  # read, then removed: a later test's relay must not deliver them
        mine = OutboxEvent.event_id.like(f"{uid}-%")
        left = session.scalars(select(OutboxEvent.type).where(mine).order_by(OutboxEvent.id)).all()
        session.execute(delete(OutboxEvent).where(mine))
    assert deleted == 3 and after is None
    assert left == ["old pending", "old failed", "old, sent late", "recent sent"]


def test_the_relay_prunes_at_start_and_keeps_delivering(tmp_path: Path, uid: str) -> None:
    """On a database of its own: a pass walks the outbox from its oldest row."""
    store = Store(make_engine(f"sqlite:///{tmp_path / 'retention.db'}"))
    schema.upgrade(store.engine)
    with store.write() as session:
        session.add_all(_rows(uid))
    got: list[str] = []
    bus = InProcessBus()
    bus.listen(lambda envelope: got.append(envelope.type))
    runner = RelayThread(event_relay(store, bus, source="urn:test"), poll_interval=0.05,
                         retention=datetime.now(UTC) - CUTOFF).start()
    try:
        deadline = time.monotonic() + 20  # bounded: the pass runs first, then the one pending row
        while time.monotonic() < deadline and not (runner.pruned and got):
            time.sleep(0.05)
    finally:
        runner.stop()
        store.dispose()
    assert runner.pruned == 3
    assert got == ["old pending"]  # the one due row of destination 'events' was still delivered
