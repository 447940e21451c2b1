"""Where the relay hands events: a publisher answers, per event id, None (accepted) or the error.

`InProcessBus` is the embedded default: it hands each event to this process's listeners (the feed)
and accepts at once. `AmqpPublisher` (amqp_publisher.py) publishes to the exchange with confirms.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Protocol

from gateway.events.envelope import Envelope
from gateway.outbox_relay import Deliver
from traceability.outbox import OutboxMessage

log = logging.getLogger("tracebridge.events")

Listener = Callable[[Envelope], None]


class Publisher(Protocol):
    def publish(self, envelopes: list[Envelope]) -> Mapping[str, str | None]: ...

    def close(self) -> None: ...


class InProcessBus:
    """Events stay in this process: every listener gets every event, in publish order."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def listen(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)
        return lambda: self._remove(listener)

    def _remove(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def publish(self, envelopes: list[Envelope]) -> dict[str, str | None]:
        with self._lock:
            listeners = list(self._listeners)
        for env in envelopes:
            for listener in listeners:
                try:
                    listener(env)
                except Exception:
                    log.exception("event listener failed on %s", env.id)
        return {env.id: None for env in envelopes}

    def close(self) -> None:
        with self._lock:
            self._listeners.clear()


def deliver_to(publisher: Publisher, *, source: str) -> Deliver:
    """Adapt a publisher to the outbox relay: outbox rows in, per-row results out."""

    def deliver(batch: list[OutboxMessage]) -> dict[int, str | None]:
        envelopes = [Envelope.from_outbox(m, source=source) for m in batch]
        results = publisher.publish(envelopes)
        return {m.id: results.get(m.event_id, "no confirm from the broker") for m in batch}

    return deliver
