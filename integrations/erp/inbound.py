"""What the ERP's hooks do, whichever protocol carried them (REST or SOAP): one function each."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from tenacity import retry, retry_if_exception_type, stop_after_attempt

from gateway.dispatch import dispatch
from integrations.erp.b2mml import (
    ProductionOrder,
    WorkOrderResult,
    WorkOrderView,
    b2mml_fields,
    result,
    status_change,
    view,
)
from traceability.commands import Command
from traceability.commands.work_orders import describe_work_order
from traceability.database import Store

SOURCE = "erp"  # the idempotency namespace of messages from the ERP, REST and SOAP alike


@retry(retry=retry_if_exception_type(IntegrityError), stop=stop_after_attempt(3), reraise=True)
def _dispatch(store: Store, cmd: Command, message_id: str | None) -> dict:
    """Two concurrent deliveries of one order (an ERP resending before its first call returned)
    race on the same unique keys; the loser's transaction rolls back whole and runs again, and
    then finds the winner's answer."""
    return dispatch(store, cmd, source=SOURCE, message_id=message_id)


def sync(store: Store, order: ProductionOrder, *, number: str | None = None,
         message_id: str | None = None) -> WorkOrderResult:
    """Create or update a work order; an older Version than the stored one changes nothing."""
    with b2mml_fields():
        return result(_dispatch(store, order.to_command(number), message_id))


def change_status(store: Store, number: str, state: str, *, reason: str = "",
                  message_id: str | None = None) -> WorkOrderResult:
    with b2mml_fields():
        cmd = status_change(number, state, reason)
        return result(_dispatch(store, cmd, message_id))


def get(store: Store, number: str) -> WorkOrderView:
    with store.read() as session, b2mml_fields():
        return view(describe_work_order(session, number))
