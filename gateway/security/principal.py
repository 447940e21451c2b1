"""Who is calling: the principal a credential resolves to, and the request-scoped `current` one.

The guard middleware sets `current` for the request; `gateway.dispatch` reads it so the actor
reaches `traceability.commands.execute` (and the audit log) without any route passing it along.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    actor: str  # as written to the audit log: "key:<name>:<key id>", "jwt:<sub>", "anonymous"
    scopes: frozenset[str]
    kind: str = "key"  # key | jwt | none
    sites: frozenset[str] | None = None  # None: not limited
    lines: frozenset[str] | None = None
    extra: dict = field(default_factory=dict, compare=False)

    def allows(self, any_of: frozenset[str]) -> bool:
        return ADMIN in self.scopes or not self.scopes.isdisjoint(any_of)


ANONYMOUS = Principal(actor="anonymous", scopes=frozenset({ADMIN}), kind="none")

current: ContextVar[Principal | None] = ContextVar("tracebridge_principal", default=None)


def current_actor(default: str = "system") -> str:
    p = current.get()
    return p.actor if p is not None else default


@contextmanager
def acting_as(principal: Principal) -> Iterator[None]:
    """Run a block as `principal` (a consumer loop names itself this way: actor 'cfx:amqp', ...)."""
    token = current.set(principal)
    try:
        yield
    finally:
        current.reset(token)
