"""Who is calling: the principal a credential resolves to, and the request-scoped `current` one.

The guard middleware sets `current` (for scope checks) and, through `acting_as`, the domain's
`traceability.actor` (for the audit log), for the length of the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from traceability import actor

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


@contextmanager
def acting_as(principal: Principal | None) -> Iterator[None]:
    """Run a block as `principal`: its scopes for checks, its actor for the audit log."""
    token = current.set(principal)
    try:
        if principal is None:
            yield
        else:
            with actor.acting_as(principal.actor):
                yield
    finally:
        current.reset(token)
