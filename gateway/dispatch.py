"""Running a domain command for an adapter: one transaction, idempotent by message id.

The actor is whoever the guard middleware authenticated for this request (gateway.security), so
every adapter's writes are attributed in the audit log without passing the caller along.
"""

from __future__ import annotations

from gateway.security.principal import current_actor
from traceability.commands import Command, execute
from traceability.database import Store


def dispatch(store: Store, cmd: Command, *, source: str, message_id: str | None) -> dict:
    with store.write() as session:
        return execute(session, cmd, source=source, message_id=message_id, actor=current_actor())
