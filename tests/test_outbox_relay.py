"""The outbox relay: at-least-once, ordered per aggregate when asked, failures visible and retryable."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gateway.outbox_relay import OutboxRelay, one_by_one
from traceability import outbox
from traceability.models import OutboxEvent


def _emit(store, uid, dest, events):
    with store.write() as session:
        for agg, n in events:
            outbox.emit(session, "test.event", aggregate_type="wo", aggregate_id=f"{uid}-{agg}",
                        data={"n": n}, destination=dest)


def test_delivers_in_order_per_aggregate_and_retries(store, uid):
    dest = f"t{uid}"[:16]
    _emit(store, uid, dest, [("A", 1), ("A", 2), ("B", 1), ("A", 3), ("B", 2)])
    seen: list[tuple[str, int, int]] = []
    failures = {"left": 4}

    def send(msg):
        if msg.aggregate_id.endswith("-A") and failures["left"] > 0:
            failures["left"] -= 1
            raise ConnectionError("ERP down")
        seen.append((msg.aggregate_id[-1], msg.payload["n"], msg.sequence))

    relay = OutboxRelay(store, dest, one_by_one(send, tries=2, max_wait=0.01), ordered=True,
                        base_delay=0.0, max_delay=0.0)
    for _ in range(20):
        relay.drain()
        if len(seen) == 5:
            break
    assert [x for x in seen if x[0] == "A"] == [("A", 1, 1), ("A", 2, 2), ("A", 3, 3)]
    assert [x for x in seen if x[0] == "B"] == [("B", 1, 1), ("B", 2, 2)]
    assert len(seen) == len(set(seen)) == 5


def test_gives_up_visibly_and_can_be_retried(store, uid):
    dest = f"f{uid}"[:16]
    _emit(store, uid, dest, [("A", 1)])

    def down(msg):
        raise ConnectionError("unreachable")

    relay = OutboxRelay(store, dest, one_by_one(down, tries=1), max_attempts=2, base_delay=0.0, max_delay=0.0)
    for _ in range(5):
        relay.run_once()
    with store.read() as session:
        [row] = outbox.listing(session, dest, status="failed")
        assert row.attempts == 2 and "unreachable" in row.last_error
    with store.write() as session:
        assert outbox.retry(session, dest) == 1
    got = []
    OutboxRelay(store, dest, one_by_one(got.append)).drain()
    assert [m.payload for m in got] == [{"n": 1}]


def test_an_expired_lease_is_taken_over_with_the_same_event_id(store, uid):
    dest = f"l{uid}"[:16]
    _emit(store, uid, dest, [("A", 1)])
    with store.write() as session:  # a relay claims, then dies before marking
        [first] = outbox.claim(session, dest, lease=timedelta(seconds=-1))
    got = []
    OutboxRelay(store, dest, one_by_one(got.append)).drain()
    assert [m.event_id for m in got] == [first.event_id]
    with store.read() as session:
        row = session.scalars(select(OutboxEvent).where(OutboxEvent.event_id == first.event_id)).one()
        assert row.status == "sent"


def test_has_due_sees_pending_rows_and_expired_leases_only(store, uid):
    dest = f"d{uid}"[:16]
    with store.read() as session:
        assert outbox.has_due(session, dest) is False
    _emit(store, uid, dest, [("A", 1)])
    with store.read() as session:
        assert outbox.has_due(session, dest) is True
    with store.write() as session:  # claimed under a live lease: not due
        [msg] = outbox.claim(session, dest, lease=timedelta(seconds=60))
    with store.read() as session:
        assert outbox.has_due(session, dest) is False
    with store.write() as session:
        outbox.mark_sent(session, [msg.id])
    with store.read() as session:
        assert outbox.has_due(session, dest) is False
