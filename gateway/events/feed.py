"""The per-process feed: events in (from this process's broker queue or in-process bus), fanned out
to subscribers (websockets, GraphQL subscriptions), each through a bounded queue of its own.

`offer` is called from any thread and never blocks: a subscriber whose queue is full is told
(its next read raises `FeedOverflow`) and dropped, so one slow dashboard slows neither ingestion
nor anybody else. Recently seen event ids are remembered, so a re-published duplicate (at least
once delivery) reaches subscribers once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from dataclasses import dataclass

from gateway.events.envelope import Envelope
from traceability.events import is_alarm


class FeedOverflow(Exception):
    """The subscriber fell `behind` events behind and was disconnected."""

    def __init__(self, behind: int) -> None:
        super().__init__(f"subscriber too slow: {behind} events behind; reconnect to resume")
        self.behind = behind


@dataclass(frozen=True)
class EventFilter:
    """Which events a subscriber wants. `types` holds names (`lot.held`) or prefixes (`lot.*`)."""

    types: frozenset[str] | None = None
    line: str | None = None
    station: str | None = None
    alarms: bool = False

    def matches(self, env: Envelope) -> bool:
        if self.alarms and not is_alarm(env.type):
            return False
        if self.line is not None and env.line != self.line:
            return False
        if self.station is not None and env.station != self.station:
            return False
        if self.types:
            return env.type in self.types or any(
                t.endswith(".*") and env.type.startswith(t[:-1]) for t in self.types)
        return True


_OVERFLOW = object()


class Subscription:
    def __init__(self, feed: Feed, where: EventFilter, maxsize: int) -> None:
        self.feed = feed
        self.where = where
        self.queue: asyncio.Queue[object] = asyncio.Queue(maxsize + 1)  # +1: room for the notice
        self.maxsize = maxsize

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Envelope:
        item = await self.queue.get()
        if item is _OVERFLOW:
            raise FeedOverflow(self.maxsize)
        return item  # type: ignore[return-value]

    def close(self) -> None:
        self.feed.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Feed:
    def __init__(self, loop: asyncio.AbstractEventLoop, *, queue_size: int = 1000,
                 remember: int = 10_000) -> None:
        self.loop = loop
        self.queue_size = queue_size
        self.received = 0
        self.dropped_subscribers = 0
        self._subs: set[Subscription] = set()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._remember = remember

    def subscribe(self, where: EventFilter | None = None, *, maxsize: int | None = None) -> Subscription:
        """Call on the feed's loop. Use as a context manager, or `close()` it."""
        sub = Subscription(self, where or EventFilter(), maxsize or self.queue_size)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def offer(self, env: Envelope) -> None:
        """Thread-safe, never blocks: hand an event to the loop that owns the subscribers."""
        with contextlib.suppress(RuntimeError):  # the loop has closed: the process is stopping
            self.loop.call_soon_threadsafe(self._dispatch, env)

    def _dispatch(self, env: Envelope) -> None:
        if env.id in self._seen:
            return
        self._seen[env.id] = None
        if len(self._seen) > self._remember:
            self._seen.popitem(last=False)
        self.received += 1
        for sub in list(self._subs):
            if not sub.where.matches(env):
                continue
            if sub.queue.qsize() >= sub.maxsize:
                self._overflow(sub)
            else:
                sub.queue.put_nowait(env)

    def _overflow(self, sub: Subscription) -> None:
        self._subs.discard(sub)
        self.dropped_subscribers += 1
        while not sub.queue.empty():  # what it has not read is lost to it anyway: tell it now
            sub.queue.get_nowait()
        sub.queue.put_nowait(_OVERFLOW)
