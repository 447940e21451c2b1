"""The correlation id: which outside message or request a piece of work belongs to.

HTTP: the caller's X-Request-ID (or a new one), echoed on the answer. CFX: the envelope's UniqueID
while the consumer handles it. Kept in a context variable, so every log record written meanwhile
carries it (see logs.py), and the store writes it with the change and its events
(traceability/correlation.py); Starlette copies it into the worker threads of sync routes.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from traceability.correlation import bound, current

__all__ = ["HEADER", "CorrelationMiddleware", "accept", "bound", "current"]

HEADER = b"x-request-id"
# An id from outside is echoed in logs and headers: printable, short, no separators to forge lines.
_SAFE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def accept(value: str | None) -> str:
    """The caller's id if it is safe to log and echo, else a new one."""
    return value if value and _SAFE.fullmatch(value) else uuid.uuid4().hex


class CorrelationMiddleware:
    """Pure ASGI: reads X-Request-ID, binds it for the request, adds it to the response headers."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope.get("headers", ()) if k == HEADER), None)
        cid = accept(given.decode("latin-1") if given else None)

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (HEADER, cid.encode())]
            await send(message)

        with bound(cid):
            await self.app(scope, receive, send_with_id)
