"""The ERP's own SOAP API, called with zeep: released production orders out, confirmations in.

The client is built on first use (zeep reads the WSDL then), so an ERP that is down when
TraceBridge starts is only a failed call, retried later.
"""

from __future__ import annotations

from typing import Any

import requests
import zeep
from zeep.helpers import serialize_object
from zeep.transports import Transport

from integrations.erp.settings import ErpSettings
from traceability.outbox import OutboxMessage


class ErpNotConfigured(RuntimeError):
    pass


class ErpRefused(RuntimeError):
    """The ERP answered but did not accept the confirmation (kept, retried, then marked failed)."""


class ErpClient:
    def __init__(self, settings: ErpSettings) -> None:
        self.settings = settings
        self._client: zeep.Client | None = None

    def _service(self) -> Any:
        if self._client is None:
            if not self.settings.wsdl_url:
                raise ErpNotConfigured("TRACEBRIDGE_ERP_WSDL_URL is not set")
            session = requests.Session()
            if self.settings.username:
                password = self.settings.password.get_secret_value() if self.settings.password else ""
                session.auth = (self.settings.username, password)
            transport = Transport(session=session, timeout=self.settings.timeout,
                                  operation_timeout=self.settings.timeout)
            self._client = zeep.Client(self.settings.wsdl_url, transport=transport)
        return self._client.service

    def released_orders(self) -> list[dict[str, Any]]:
        """The ERP's released production orders as plain dicts (B2MML names; unset fields left out)."""
        found = serialize_object(self._service().GetReleasedProductionOrders(), dict) or []
        return [_without_none(order) for order in found]

    def confirm(self, message: OutboxMessage) -> None:
        """Book one confirmation; its outbox event id is the key the ERP deduplicates on."""
        data = message.payload
        answer = self._service().ConfirmProduction(
            IdempotencyKey=message.event_id, ProductionOrderID=data["work_order"],
            Sequence=message.sequence, Final=data["final"],
            OperationConfirmation=[{
                "OperationID": op["operation"], "YieldQuantity": op["good"], "ScrapQuantity": op["scrap"],
                "SerialNumber": op.get("serial"), "EquipmentID": op.get("station"),
                "ConfirmedAt": op.get("completed_at")} for op in data["operations"]])
        if not answer.Accepted:
            raise ErpRefused(f"the ERP did not accept confirmation {message.sequence} of "
                             f"{data['work_order']}: {answer.Reason or 'no reason given'}")

    def close(self) -> None:
        if self._client is not None:
            self._client.transport.session.close()
            self._client = None


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    return value
