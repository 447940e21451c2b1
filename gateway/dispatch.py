"""Running a domain command for an adapter: one transaction, idempotent by message id."""

from __future__ import annotations

from traceability.commands import Command, execute
from traceability.database import Store


def dispatch(store: Store, cmd: Command, *, source: str, message_id: str | None) -> dict:
    with store.write() as session:
        return execute(session, cmd, source=source, message_id=message_id)
