"""The correlation id of the work in progress: which outside request or message caused a change.

Adapters bind it (HTTP: X-Request-ID; CFX: the envelope's UniqueID); the store writes it on the
idempotency row and on every outbox row of the change, and the relay carries it as the CloudEvents
extension attribute `correlationid`. A context variable, so commands need no extra parameter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

MAX_LENGTH = 128
current: ContextVar[str | None] = ContextVar("tracebridge_correlation_id", default=None)


@contextmanager
def bound(correlation_id: str | None) -> Iterator[None]:
    token = current.set(correlation_id[:MAX_LENGTH] if correlation_id else None)
    try:
        yield
    finally:
        current.reset(token)
