"""What the WMS's hooks do, whichever protocol carried them (REST or SOAP): one function each.

Each builds one material command (which may refuse), runs it with `dispatch` under the WMS's
message id, and re-raises a refusal with its field in the WMS's names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from gateway.dispatch import dispatch
from integrations.field_names import renamed
from integrations.wms import messages as m
from traceability.commands import Command
from traceability.database import Store
from traceability.errors import DomainError

SOURCE = "wms"  # the idempotency namespace of messages from the WMS, REST and SOAP alike


def _run(store: Store, build: Callable[[], Command], message_id: str | None,
         names: Mapping[str, str]) -> dict:
    try:
        return dispatch(store, build(), source=SOURCE, message_id=message_id)
    except DomainError as exc:
        raise renamed(exc, names) from None


def receive(store: Store, body: m.MaterialLotReceipt, message_id: str | None) -> dict:
    return _run(store, body.command, message_id, m.RECEIPT_NAMES)


# `lot_field`: where the caller named the lot (`id` in a REST path, `MaterialLotID` in SOAP).


def split(store: Store, lot: str, body: m.LotSplit, message_id: str | None, lot_field: str = "id") -> dict:
    return _run(store, lambda: body.command(lot), message_id, {**m.FIELD_NAMES, "lot": lot_field})


def change_status(store: Store, lot: str, body: m.LotStatusChange, status: str,
                  message_id: str | None, lot_field: str = "id") -> dict:
    return _run(store, lambda: body.command(lot, status), message_id, {**m.FIELD_NAMES, "lot": lot_field})


def issue(store: Store, lot: str, body: m.LotIssue, message_id: str | None, lot_field: str = "id") -> dict:
    return _run(store, lambda: body.command(lot), message_id, {**m.FIELD_NAMES, "lot": lot_field})
