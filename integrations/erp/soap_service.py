"""The ERP's SOAP face: /soap/erp (WSDL at /soap/erp?wsdl), the same operations as the REST hook."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from gateway.soap import SoapCall, SoapService
from gateway.soap.xmlmap import from_dict, to_dict
from integrations.erp import inbound
from integrations.erp.b2mml import ProductionOrder, WorkOrderResult

HERE = Path(__file__).parent
NS = "urn:tracebridge:erp:v1"


def _store(call: SoapCall):  # type: ignore[no-untyped-def]
    return call.request.app.state.store


def _result(name: str, answer: WorkOrderResult) -> etree._Element:
    return from_dict(NS, name, {"Result": answer.model_dump()})


def sync_work_order(call: SoapCall) -> etree._Element:
    data = to_dict(call.payload)
    order = ProductionOrder.model_validate(data["ProductionOrder"])
    answer = inbound.sync(_store(call), order, message_id=data.get("MessageID"))
    return _result("SyncWorkOrderResponse", answer)


def get_work_order(call: SoapCall) -> etree._Element:
    found = inbound.get(_store(call), to_dict(call.payload)["ID"])
    return from_dict(NS, "GetWorkOrderResponse", found.model_dump())


def change_work_order_status(call: SoapCall) -> etree._Element:
    data = to_dict(call.payload)
    answer = inbound.change_status(_store(call), data["ID"], data["RequestState"],
                                   reason=data.get("Reason", ""), message_id=data.get("MessageID"))
    return _result("ChangeWorkOrderStatusResponse", answer)


def service() -> SoapService:
    return SoapService("erp", wsdl=HERE / "erp.wsdl", xsd=HERE / "erp.xsd", operations={
        "SyncWorkOrder": sync_work_order,
        "GetWorkOrder": get_work_order,
        "ChangeWorkOrderStatus": change_work_order_status,
    })
