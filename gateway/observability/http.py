"""Request timing as a pure ASGI middleware: one clock read at each end, no body handling.

The route label is the matched route's template (`/api/v1/units/{serial}`), never the raw path,
so the number of series stays bounded; an unmatched path counts as `unmatched`.
"""

from __future__ import annotations

import time
from typing import Any

from gateway.observability.metrics import HTTP_SECONDS

Scope = dict[str, Any]


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
            template = getattr(route, "path", None) or "unmatched"
            HTTP_SECONDS.labels(scope["method"], template, str(status[0])).observe(
                time.perf_counter() - start)
