"""The WMS's SOAP face: /soap/wms (WSDL at /soap/wms?wsdl), the same operations as the REST hooks,
on the shared `gateway.soap` infrastructure (safe parsing, XSD validation, one fault mapping)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from gateway.soap import SoapCall, SoapService
from gateway.soap.xmlmap import from_dict, to_dict
from integrations.wms import inbound
from integrations.wms import messages as m

HERE = Path(__file__).parent
NS = "urn:tracebridge:wms:v1"
LOT = "MaterialLotID"


def _store(call: SoapCall):  # type: ignore[no-untyped-def]
    return call.request.app.state.store


def _result(call: SoapCall, answer: dict) -> etree._Element:
    """The command's answer as a LotResultType, in the XSD's element order."""
    return from_dict(NS, f"{call.operation}Response", {"Result": {
        "MaterialLotID": answer["lot"], "MaterialSublotID": answer.get("new_lot"),
        "Remaining": answer.get("remaining"), "Status": answer.get("status"),
        "Location": answer.get("location"), "Created": answer.get("created"),
        "Changed": answer.get("changed"), "Replayed": answer.get("replayed"),
    }})


def receive(call: SoapCall) -> etree._Element:
    data = to_dict(call.payload)
    lot = m.MaterialLotReceipt.model_validate(data["MaterialLot"])
    return _result(call, inbound.receive(_store(call), lot, data.get("MessageID")))


def split(call: SoapCall) -> etree._Element:
    data = to_dict(call.payload)
    body = m.LotSplit.model_validate({k: data[k] for k in ("MaterialSublotID", "Quantity", "StorageLocation")
                                      if k in data})
    return _result(call, inbound.split(_store(call), data[LOT], body, data.get("MessageID"), LOT))


def _status(status: str):  # type: ignore[no-untyped-def]
    def handle(call: SoapCall) -> etree._Element:
        data = to_dict(call.payload)
        body = m.LotStatusChange(Reason=data.get("Reason", ""))
        return _result(call, inbound.change_status(_store(call), data[LOT], body, status,
                                                   data.get("MessageID"), LOT))
    return handle


def issue(call: SoapCall) -> etree._Element:
    data = to_dict(call.payload)
    body = m.LotIssue.model_validate({k: data[k] for k in ("Line", "Station", "IssueDate") if k in data})
    return _result(call, inbound.issue(_store(call), data[LOT], body, data.get("MessageID"), LOT))


def service() -> SoapService:
    return SoapService("wms", wsdl=HERE / "wms.wsdl", xsd=HERE / "wms.xsd", operations={
        "ReceiveMaterialLot": receive,
        "SplitMaterialLot": split,
        "QuarantineMaterialLot": _status("quarantined"),
        "ReleaseMaterialLot": _status("released"),
        "IssueMaterialLot": issue,
    })
