"""The ERP's SOAP hook at /soap/erp: a zeep client built from our WSDL, as an ERP would use it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import zeep
from zeep.exceptions import Fault

from gateway.app import create_app
from gateway.settings import Settings
from tests.erp_support import plant, served, written

FAULT_NS = "{urn:tracebridge:soap:fault}"


@pytest.fixture
def soap(store, database_url, uid):
    with served(create_app(Settings(database_url=database_url))) as base:
        client = zeep.Client(f"{base}/soap/erp?wsdl")
        yield client.service, plant(store, uid)
        client.transport.session.close()


def order(p, **over):
    body = {"ID": p["wo"], "Version": 1, "MaterialDefinitionID": p["part"],
            "MaterialDefinitionRevision": "A",
            "Quantity": {"QuantityString": Decimal("250"), "UnitOfMeasure": "EA"},
            "OperationsDefinitionVersion": "R1", "EndTime": dt.date(2026, 12, 15), "RequestState": "Planned",
            "EquipmentID": "SMT-L1"}
    return {**body, **over}


def detail(fault: Fault) -> dict[str, str]:
    error = fault.detail.find(f"{FAULT_NS}Error")
    return {child.tag.removeprefix(FAULT_NS): child.text for child in error}


def test_sync_get_and_change_status(soap, uid):
    service, p = soap
    res = service.SyncWorkOrder(MessageID=f"{uid}-1", ProductionOrder=order(p))
    assert (res.ID, res.RequestState, res.Version, res.Revision) == (p["wo"], "Planned", 1, 1)
    got = service.GetWorkOrder(ID=p["wo"])
    assert got.ProductionOrder.MaterialDefinitionID == p["part"]
    assert got.ProductionOrder.Quantity.QuantityString == Decimal("250")
    assert got.ProductionOrder.EndTime == dt.date(2026, 12, 15)
    assert got.Revision == 1 and got.UpdatedAt.tzinfo is not None
    res = service.ChangeWorkOrderStatus(MessageID=f"{uid}-2", ID=p["wo"], RequestState="Released")
    assert res.RequestState == "Released" and res.Revision == 2


def test_resends_and_out_of_order_versions(soap, uid, store):
    service, p = soap
    first = service.SyncWorkOrder(MessageID=f"{uid}-a", ProductionOrder=order(p, Version=5))
    before = written(store, uid)
    again = service.SyncWorkOrder(MessageID=f"{uid}-a", ProductionOrder=order(p, Version=5))
    assert again.Replayed is True and again.Revision == first.Revision
    assert written(store, uid) == before
    late = service.SyncWorkOrder(MessageID=f"{uid}-b", ProductionOrder=order(
        p, Version=4, Quantity={"QuantityString": Decimal("1")}))
    assert late.Version == 5 and "older" in late.Ignored
    assert service.GetWorkOrder(ID=p["wo"]).ProductionOrder.Quantity.QuantityString == Decimal("250")
    with pytest.raises(Fault) as info:  # the same MessageID with another order
        service.SyncWorkOrder(MessageID=f"{uid}-a", ProductionOrder=order(p, Version=6))
    assert detail(info.value)["Code"] == "conflict"


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"MaterialDefinitionID": "NO-SUCH-PART"}, "MaterialDefinitionID", "invalid"),
    ({"MaterialDefinitionRevision": "Z"}, "MaterialDefinitionRevision", "invalid"),
    ({"OperationsDefinitionVersion": "R9"}, "OperationsDefinitionVersion", "invalid"),
    ({"Quantity": {"QuantityString": Decimal("0")}}, "Quantity.QuantityString", "invalid"),
])
def test_refusals_are_faults_naming_the_field(soap, uid, store, change, field, code):
    service, p = soap
    with pytest.raises(Fault) as info:
        service.SyncWorkOrder(MessageID=f"{uid}-x", ProductionOrder=order(p, **change))
    assert info.value.code.endswith("Client")
    assert detail(info.value)["Field"] == field and detail(info.value)["Code"] == code
    assert field in info.value.message
    assert written(store, uid) == (0, 0, 0)


def test_unknown_work_order_and_forbidden_transition(soap, uid):
    service, p = soap
    with pytest.raises(Fault) as info:
        service.GetWorkOrder(ID=f"{uid}-NONE")
    assert detail(info.value) | {} == {"Code": "not_found", "Field": "ID",
                                       "Message": f"no work order '{uid}-NONE'"}
    service.SyncWorkOrder(ProductionOrder=order(p, RequestState="Released"))
    service.ChangeWorkOrderStatus(ID=p["wo"], RequestState="Cancelled")
    with pytest.raises(Fault) as info:
        service.ChangeWorkOrderStatus(ID=p["wo"], RequestState="Released")
    assert detail(info.value)["Field"] == "RequestState"


def test_a_resent_status_change_gets_the_first_answer(soap, uid, store):
    service, p = soap
    service.SyncWorkOrder(ProductionOrder=order(p))
    first = service.ChangeWorkOrderStatus(MessageID=f"{uid}-r", ID=p["wo"], RequestState="Released")
    before = written(store, uid)
    again = service.ChangeWorkOrderStatus(MessageID=f"{uid}-r", ID=p["wo"], RequestState="Released")
    assert again.Replayed is True and again.Revision == first.Revision == 2
    assert written(store, uid) == before
