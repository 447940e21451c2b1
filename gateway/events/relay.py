"""The event relay: drains the outbox's 'events' rows into a publisher, in a thread of its own.

Runs inside `tracebridge serve` and standalone as `tracebridge relay`; any number at once (claims
are leased rows, SKIP LOCKED on PostgreSQL). Between batches it sleeps `poll_interval`, unless a
transaction in this process that wrote outbox rows commits: then it wakes at once. Polling is a
read; only when something is due does it claim (a write transaction). Idle, it polls ever less
often, up to `idle_interval` (rows written by other processes wait at most that long): the
polling took a fifth of a busy server's CPU samples while nothing was due.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from gateway.events.publishing import Publisher, deliver_to
from gateway.outbox_relay import OutboxRelay
from traceability import outbox
from traceability.database import Store
from traceability.outbox import OUTBOX_WRITTEN
from traceability.types import utcnow

log = logging.getLogger("tracebridge.events.relay")

DESTINATION = "events"


def event_relay(store: Store, publisher: Publisher, *, source: str, batch_size: int = 500,
                lease: timedelta = timedelta(seconds=60)) -> OutboxRelay:
    """The outbox relay for events. Not `ordered`: a batch is published in outbox order on one
    channel, and consumers use `sequence` to put concurrent relays' batches back in order."""
    return OutboxRelay(store, DESTINATION, deliver_to(publisher, source=source), batch_size=batch_size,
                       base_delay=0.5, max_delay=30.0, max_attempts=1000, lease=lease)


# A pass deletes at most 20 x 5,000 rows, so delivery waits a few seconds at most (67k rows took
# under 3 s on PostgreSQL here); a larger backlog goes over the next passes.
PRUNE_BATCHES = 20


class RelayThread:
    """`retention`: sent outbox rows (every destination) older than this are deleted, a pass every
    `prune_every` seconds, the first at start. The outbox is transport, not the record (that is the
    store's history and audit); without retention it grows by every event ever sent."""

    def __init__(self, relay: OutboxRelay, *, poll_interval: float = 0.1,
                 idle_interval: float = 1.0, retention: timedelta | None = None,
                 prune_every: float = 600.0) -> None:
        self.relay = relay
        self.poll_interval = poll_interval
        self.idle_interval = max(idle_interval, poll_interval)
        self.retention = retention
        self.prune_every = prune_every
        self._next_prune = 0.0
        self.delivered = 0
        self.pruned = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="event-relay", daemon=True)

    def start(self) -> RelayThread:
        event.listen(Session, "after_commit", self._on_commit)
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        if event.contains(Session, "after_commit", self._on_commit):
            event.remove(Session, "after_commit", self._on_commit)

    def _on_commit(self, session: Session) -> None:
        # A savepoint's release fires after_commit too (the CFX ingest has one per message): waking
        # then finds nothing committed yet and would spend the flag, leaving the real commit to the poll.
        if session.in_nested_transaction():
            return
        if session.info.pop(OUTBOX_WRITTEN, False):
            self._wake.set()

    def _due(self) -> bool:
        with self.relay.store.read(autocommit=True) as session:
            return outbox.has_due(session, self.relay.destination)

    def _run(self) -> None:
        errors = 0
        wait = self.poll_interval
        while not self._stop.is_set():
            self._wake.clear()
            self._prune_when_due()
            try:
                n = self.relay.run_once() if self._due() else 0
                errors = 0
            except Exception:
                errors += 1
                log.exception("event relay: claiming or marking failed")
                self._stop.wait(min(30.0, self.poll_interval * 2 ** min(errors, 8)))
                continue
            self.delivered += n
            if n >= self.relay.batch_size:
                continue
            # Something done: look again soon. Nothing: back off, until a commit wakes us.
            wait = self.poll_interval if n else min(self.idle_interval, wait * 2)
            if self._wake.wait(wait):
                wait = self.poll_interval

    def _prune_when_due(self) -> None:
        if self.retention is None or time.monotonic() < self._next_prune:
            return
        self._next_prune = time.monotonic() + self.prune_every
        before, after = utcnow() - self.retention, 0
        try:
            for _ in range(PRUNE_BATCHES):
                with self.relay.store.write() as session:  # one transaction per batch
                    n, after = outbox.prune(session, sent_before=before, after_id=after)
                self.pruned += n
                if after is None:
                    break
        except Exception:  # retention can wait for the next pass; delivery must not
            log.exception("event relay: pruning sent outbox rows failed")
