"""The correlation id: which outside message or request a piece of work belongs to.

HTTP: the caller's X-Request-ID (or a new one), echoed on the answer. CFX: the envelope's UniqueID
while the consumer handles it. Kept in a context variable, so every log record written meanwhile
carries it (see logs.py) without being passed around; Starlette copies it into worker threads.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

current: ContextVar[str | None] = ContextVar("tracebridge_correlation_id", default=None)

HEADER = b"x-request-id"
# An id from outside is echoed in logs and headers: printable, short, no separators to forge lines.
_SAFE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


def accept(value: str | None) -> str:
    """The caller's id if it is safe to log and echo, else a new one."""
    return value if value and _SAFE.fullmatch(value) else uuid.uuid4().hex


@contextmanager
def bound(correlation_id: str | None) -> Iterator[None]:
    token = current.set(correlation_id)
    try:
        yield
    finally:
        current.reset(token)


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
