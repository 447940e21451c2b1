"""Telling the WMS: outbox rows (destination 'wms') as calls to its REST API, with the row's event id
as the Idempotency-Key so a redelivery (retry, expired lease) is booked once by the WMS.

The wire shape uses ISA-95 / B2MML material names like the inbound hooks. Delivery, retries
(tenacity) and ordering per aggregate are the shared `gateway.outbox_relay` machinery.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from gateway.outbox_relay import OutboxRelay, one_by_one
from integrations.wms.settings import WmsSettings
from traceability.database import Store
from traceability.outbox import OutboxMessage
from traceability.warehouse_reports import DESTINATION


class WmsRefused(Exception):
    """The WMS answered with an error status; the relay records it and retries later."""


def request_for(msg: OutboxMessage) -> tuple[str, dict[str, Any]]:
    """The path and JSON body for one outbox row."""
    p = msg.payload
    if msg.type == "wms.consumption":
        return "/consumption", {
            "ReportID": msg.event_id, "WorkOrderID": p["work_order"],
            "MaterialDefinitionID": p["part_number"], "WorkOrderStatus": p["status"],
            "MaterialConsumed": [{"MaterialLotID": x["lot"], "MaterialDefinitionID": x["part_number"],
                                  "OperationsSegmentID": x["operation"], "Quantity": x["quantity"]}
                                 for x in p["lines"]]}
    if msg.type == "wms.pallet_packed":
        return "/pallets", {
            "PalletID": p["pallet"], "PackedDate": p["packed_at"], "Boxes": p["boxes"],
            "Contents": [{"MaterialDefinitionID": x["part_number"], "Quantity": x["quantity"]}
                         for x in p["contents"]]}
    if msg.type in ("wms.quarantine_requested", "wms.release_requested"):
        what = "quarantine-requests" if msg.type == "wms.quarantine_requested" else "release-requests"
        return f"/lots/{quote(p['lot'], safe='')}/{what}", {
            "MaterialLotID": p["lot"], "Reason": p["reason"], "RequestedBy": p["by"],
            "HoldID": p["hold_id"], "CaseID": p["case_id"]}
    raise WmsRefused(f"no WMS call for outbox type {msg.type!r}")


class WmsClient:
    def __init__(self, settings: WmsSettings, *, transport: httpx.BaseTransport | None = None) -> None:
        if not settings.url:
            raise ValueError("TRACEBRIDGE_WMS_URL is not set: there is no WMS to report to")
        headers = {"Authorization": f"Bearer {settings.token}"} if settings.token else {}
        self._http = httpx.Client(base_url=settings.url.rstrip("/"), headers=headers,
                                  timeout=settings.timeout, transport=transport)

    def send(self, msg: OutboxMessage) -> None:
        path, body = request_for(msg)
        r = self._http.post(path, json=body, headers={"Idempotency-Key": msg.event_id})
        if r.status_code >= 300:
            raise WmsRefused(f"{r.status_code} from WMS {path}: {r.text[:300]}")

    def close(self) -> None:
        self._http.close()


def relay(store: Store, client: WmsClient, *, tries: int = 3, max_wait: float = 2.0,
          **options: Any) -> OutboxRelay:
    """The WMS relay: ordered per aggregate (a release request never overtakes its quarantine)."""
    return OutboxRelay(store, DESTINATION, one_by_one(client.send, tries=tries, max_wait=max_wait),
                       ordered=True, **options)
