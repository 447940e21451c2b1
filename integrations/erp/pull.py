"""Pulling released work orders from the ERP into the store, and delivering confirmations back.

A pull is one transaction; each order runs in its own savepoint, so one the store refuses (an
unknown part, say) is reported and the others are kept. Every order's message id is its number
and a digest of its content: pulling the same list again writes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pydantic import ValidationError
from tenacity import Retrying, retry_if_not_exception_type, stop_after_attempt, wait_exponential_jitter

from gateway.errors import field_errors
from gateway.outbox_relay import OutboxRelay, one_by_one
from integrations.erp.b2mml import ProductionOrder, b2mml_fields
from integrations.erp.client import ErpClient, ErpNotConfigured
from integrations.erp.inbound import SOURCE
from integrations.erp.settings import ErpSettings
from traceability import confirmations
from traceability.commands import execute
from traceability.database import Store
from traceability.errors import DomainError
from traceability.idempotency import payload_hash

log = logging.getLogger("tracebridge.erp")


@dataclass
class PullReport:
    received: int = 0
    changed: int = 0
    unchanged: int = 0
    refused: list[str] = field(default_factory=list)  # "ID field: reason"


def fetch(client: ErpClient, *, tries: int = 3) -> list[dict]:
    """The ERP's released orders, with a few quick retries (exponential back-off with jitter)."""
    for attempt in Retrying(stop=stop_after_attempt(tries), reraise=True,
                            retry=retry_if_not_exception_type(ErpNotConfigured),
                            wait=wait_exponential_jitter(multiplier=0.2, max=5, jitter=0.2)):
        with attempt:
            return client.released_orders()
    return []  # unreachable: tenacity re-raises the last error


def pull(store: Store, client: ErpClient) -> PullReport:
    orders = fetch(client)
    report = PullReport(received=len(orders))
    with store.write() as session:
        for raw in orders:
            number = str(raw.get("ID", "?"))
            try:
                with session.begin_nested(), b2mml_fields():
                    cmd = ProductionOrder.model_validate(raw).to_command()
                    answer = execute(session, cmd, source=SOURCE,
                                     message_id=f"pull:{number}:{payload_hash(raw)[:16]}")
            except (DomainError, ValidationError) as exc:
                report.refused.append(f"{number} {_why(exc)}")
                log.warning("ERP order %s refused: %s", number, _why(exc))
                continue
            if answer.get("replayed") or answer.get("ignored"):
                report.unchanged += 1
            else:
                report.changed += 1
    return report


def _why(exc: DomainError | ValidationError) -> str:
    """'field: reason', the way every refusal reads."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{f['field']}: {f['reason']}" for f in field_errors(exc))
    if exc.field and not exc.message.startswith(f"{exc.field}:"):
        return f"{exc.field}: {exc.message}"
    return exc.message


def confirmation_relay(store: Store, client: ErpClient, settings: ErpSettings) -> OutboxRelay:
    """The outbox relay for destination 'erp': in order per work order, retried, then failed."""
    return OutboxRelay(store, confirmations.DESTINATION, one_by_one(client.confirm, tries=3, max_wait=2.0),
                       ordered=True, max_attempts=settings.max_attempts)
