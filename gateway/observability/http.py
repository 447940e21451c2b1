"""Request timing as a pure ASGI middleware: one clock read at each end, no body handling.

The route label is the matched route's template (`/api/v1/units/{serial}`), never the raw path,
so the number of series stays bounded; an unmatched path counts as `unmatched`.
"""

from __future__ import annotations

import time
from typing import Any

from gateway.observability.metrics import HTTP_SECONDS

Scope = dict[str, Any]
# The histogram child per (method, route template, status): `labels()` validates and locks on every
# call; the set of keys is bounded by the routes, so they are looked up once per process.
_CHILDREN: dict[tuple[str, str, int], Any] = {}


class RequestTiming:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def send_status(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            key = (scope["method"], getattr(route, "path", None) or "unmatched", status[0])
            child = _CHILDREN.get(key)
            if child is None:
                child = _CHILDREN[key] = HTTP_SECONDS.labels(key[0], key[1], str(key[2]))
            child.observe(time.perf_counter() - start)
