"""A routing revision or an ECO from PLM into the store, whether pushed (REST) or pulled (sync).

Each is one domain command in one transaction, idempotent by message id; a refusal is re-raised
with its field in B2MML names.
"""

from __future__ import annotations

from gateway.dispatch import dispatch
from integrations.field_names import renamed
from integrations.plm import b2mml
from traceability.database import Store
from traceability.errors import DomainError

SOURCE = "plm"


def publish(store: Store, part: str, revision: str, doc: b2mml.OperationsDefinition,
            message_id: str | None) -> dict:
    try:
        return dispatch(store, b2mml.to_command(part, revision, doc), source=SOURCE, message_id=message_id)
    except DomainError as exc:
        raise renamed(exc, b2mml.FIELD_NAMES) from None


def obsolete(store: Store, part: str, revision: str, eco: b2mml.EngineeringChange,
             message_id: str | None) -> dict:
    try:
        return dispatch(store, eco.command(part, revision), source=SOURCE, message_id=message_id)
    except DomainError as exc:
        raise renamed(exc, b2mml.ECO_FIELD_NAMES) from None
