"""Who is acting for the current unit of work: the actor `execute` writes to the audit log.

A plain context variable, so the domain needs no web framework to know it: the gateway's guard
sets it for each authenticated request, a consumer loop can set it for itself (`acting_as`), and
anything else acts as "system". Every command path (dispatch, batched CFX ingest, ERP pull) reads
it the same way, without passing the caller along.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

SYSTEM = "system"

acting: ContextVar[str] = ContextVar("tracebridge_actor", default=SYSTEM)


def current() -> str:
    return acting.get()


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    token = acting.set(actor)
    try:
        yield
    finally:
        acting.reset(token)
