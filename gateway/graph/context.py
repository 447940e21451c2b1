"""Per-request context: one read session, the limits, and the request's DataLoaders.

Database work runs in a worker thread (the event loop keeps serving) under a per-request lock:
a session is one connection, used by one batch at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from strawberry.fastapi import BaseContext
from strawberry.types import Info as StrawberryInfo

from gateway.graph.loaders import Loaders
from gateway.graph.settings import GraphQLSettings

T = TypeVar("T")


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
            return await asyncio.to_thread(fn, self.session, *args, **kwargs)


Info = StrawberryInfo[GraphContext, None]
