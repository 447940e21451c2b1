"""Delivering outbox rows to their destination: claim a batch, deliver, mark, back off.

One relay per destination ('events' to the exchange, 'erp' and 'wms' to those systems). Safe to
run in many processes at once: claims are leased rows (SKIP LOCKED on PostgreSQL). A delivery is
retried a few times at once with tenacity (exponential back-off with jitter, bounded); a row that
still fails is rescheduled with a growing delay and, after `max_attempts`, marked failed: visible
through the API and retryable by hand.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from tenacity import Retrying, stop_after_attempt, wait_exponential_jitter

from traceability import outbox
from traceability.database import Store
from traceability.outbox import OutboxMessage
from traceability.types import utcnow

log = logging.getLogger("tracebridge.outbox")

# Delivers a batch; answers, per message id, None when delivered or the error text when not.
Deliver = Callable[[list[OutboxMessage]], Mapping[int, str | None]]


def one_by_one(send: Callable[[OutboxMessage], None], *, tries: int = 3, max_wait: float = 2.0) -> Deliver:
    """Adapt a per-message sender; each message gets `tries` quick attempts (tenacity)."""

    def deliver(batch: list[OutboxMessage]) -> dict[int, str | None]:
        results: dict[int, str | None] = {}
        failed_aggregates: set[tuple[str, str]] = set()
        for msg in batch:
            key = (msg.aggregate_type, msg.aggregate_id)
            if key in failed_aggregates:  # keep per-aggregate order: nothing after a failure
                results[msg.id] = "held back behind an earlier failed message"
                continue
            try:
                for attempt in Retrying(
                    stop=stop_after_attempt(tries), reraise=True,
                    wait=wait_exponential_jitter(multiplier=0.05, max=max_wait, jitter=0.05),
                ):
                    with attempt:
                        send(msg)
                results[msg.id] = None
            except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried later
                results[msg.id] = f"{type(exc).__name__}: {exc}"
                failed_aggregates.add(key)
        return results

    return deliver


@dataclass
class OutboxRelay:
    store: Store
    destination: str
    deliver: Deliver
    batch_size: int = 100
    ordered: bool = False
    max_attempts: int = 8
    base_delay: float = 2.0
    max_delay: float = 600.0
    lease: timedelta = timedelta(seconds=60)

    def run_once(self) -> int:
        """Deliver one batch; returns how many messages were delivered."""
        with self.store.write() as session:
            batch = outbox.claim(session, self.destination, limit=self.batch_size,
                                 lease=self.lease, ordered=self.ordered)
        if not batch:
            return 0
        try:
            results = self.deliver(batch)
        except Exception as exc:  # noqa: BLE001 - the whole batch failed: every row is rescheduled
            results = {m.id: f"{type(exc).__name__}: {exc}" for m in batch}
        with self.store.write() as session:
            sent = [m.id for m in batch if m.id in results and results[m.id] is None]
            outbox.mark_sent(session, sent)
            for m in batch:
                error = results.get(m.id, "no answer from the deliverer")
                if error is not None:
                    outbox.mark_failed(session, m, error, retry_at=self._retry_at(m.attempts + 1))
        if len(sent) < len(batch):
            log.warning("outbox %s: %d of %d not delivered", self.destination,
                        len(batch) - len(sent), len(batch))
        return len(sent)

    def drain(self, *, max_batches: int = 1000) -> int:
        """Deliver until nothing is due (bounded); returns the number delivered."""
        total = 0
        for _ in range(max_batches):
            n = self.run_once()
            total += n
            if n == 0:
                break
        return total

    def _retry_at(self, attempts: int):  # type: ignore[no-untyped-def]
        if attempts >= self.max_attempts:
            return None
        delay = min(self.max_delay, self.base_delay * 2 ** (attempts - 1))
        return utcnow() + timedelta(seconds=delay * random.uniform(0.5, 1.0))
