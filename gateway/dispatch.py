"""Running a domain command for an adapter: one transaction, idempotent by message id.

The audit log's actor is whoever the guard authenticated for this request: the guard sets
`traceability.actor` for the request, and `execute` reads it, so no adapter passes the caller along.
"""

from __future__ import annotations

from traceability.commands import Command, execute
from traceability.database import Store


def dispatch(store: Store, cmd: Command, *, source: str, message_id: str | None) -> dict:
    with store.write() as session:
        return execute(session, cmd, source=source, message_id=message_id)
