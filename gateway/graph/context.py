"""Per-request context: one read session, the limits, and the request's DataLoaders.

Database work runs in a worker thread (the event loop keeps serving) under a per-request lock:
a session is one connection, used by one batch at a time. A thread hop costs more than a small
query here, so a resolver that knows what it needs reads it all in one `read` (see traces.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from gateway.graph.loaders import Loaders
from gateway.graph.settings import GraphQLSettings
from gateway.observability.metrics import TRACE_SECONDS

T = TypeVar("T")
GENEALOGY = "traceability.genealogy"  # its queries are the traces timed for /metrics


def timed_trace(fn: Callable[..., T], session: Session, *args: Any, **kwargs: Any) -> T:
    """Run a genealogy query, timed for /metrics under its name."""
    start = time.perf_counter()
    try:
        return fn(session, *args, **kwargs)
    finally:
        TRACE_SECONDS.labels(fn.__name__).observe(time.perf_counter() - start)


class GraphContext(BaseContext):
    def __init__(self, session: Session, limits: GraphQLSettings) -> None:
        super().__init__()
        self.session = session
        self.limits = limits
        self._lock = asyncio.Lock()
        self.loaders = Loaders(self.read)

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn(session, *args, **kwargs)` off the event loop."""
        async with self._lock:
            try:
                return await self._run(fn, *args, **kwargs)
            except DBAPIError as err:
                # The read pool does not ping (Store.read(autocommit=True)): a connection the
                # server closed unseen fails its first statement. A read can simply run again.
                if not err.connection_invalidated:
                    raise
                await asyncio.to_thread(self.session.rollback)
                return await self._run(fn, *args, **kwargs)

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if fn.__module__ != GENEALOGY:
            return await asyncio.to_thread(fn, self.session, *args, **kwargs)
        return await asyncio.to_thread(timed_trace, fn, self.session, *args, **kwargs)


Info = StrawberryInfo[GraphContext, None]
