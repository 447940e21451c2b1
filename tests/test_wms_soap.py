"""The WMS's SOAP hook at /soap/wms: a zeep client built from our WSDL, over HTTP, as a WMS would."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest
import zeep
from sqlalchemy import select
from zeep.exceptions import Fault

from gateway.app import create_app
from gateway.settings import Settings
from tests.erp_support import served
from tests.plm_wms_support import define_parts, row_counts
from traceability.models import MaterialLot

FAULT_NS = "{urn:tracebridge:soap:fault}"


@pytest.fixture
def soap(store, database_url, uid):
    define_parts(store, uid)
    with served(create_app(Settings(database_url=database_url))) as base:
        client = zeep.Client(f"{base}/soap/wms?wsdl")
        yield client.service, base
        client.transport.session.close()


def detail(fault: Fault) -> dict[str, str]:
    error = fault.detail.find(f"{FAULT_NS}Error")
    return {child.tag.removeprefix(FAULT_NS): child.text for child in error}


def lot(p, **over):
    return {"ID": f"{p}-LOT", "MaterialDefinitionID": f"{p}-CAP", "Quantity": Decimal("10000"),
            "SupplierID": "Murata", "SupplierLotID": "MU-778", "DateCode": "2645",
            "ReceiptDate": dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC), **over}


def test_every_operation_and_resends(soap, store, uid):
    service, _ = soap
    res = service.ReceiveMaterialLot(MessageID=f"{uid}-1", MaterialLot=lot(uid))
    assert (res.MaterialLotID, res.Created, res.Replayed) == (f"{uid}-LOT", True, None)
    before = row_counts(store)
    again = service.ReceiveMaterialLot(MessageID=f"{uid}-1", MaterialLot=lot(uid))
    assert (again.Created, again.Replayed) == (True, True) and row_counts(store) == before
    with pytest.raises(Fault) as info:  # the same MessageID with another lot
        service.ReceiveMaterialLot(MessageID=f"{uid}-1", MaterialLot=lot(uid, Quantity=Decimal("5")))
    assert detail(info.value)["Code"] == "conflict" and detail(info.value)["Field"] == "messageId"

    res = service.SplitMaterialLot(MessageID=f"{uid}-2", MaterialLotID=f"{uid}-LOT",
                                   MaterialSublotID=f"{uid}-REEL", Quantity=Decimal("4000"))
    assert (res.MaterialSublotID, res.Remaining) == (f"{uid}-REEL", Decimal("6000"))
    res = service.QuarantineMaterialLot(MessageID=f"{uid}-3", MaterialLotID=f"{uid}-REEL", Reason="MSL")
    assert (res.Status, res.Changed) == ("quarantined", True)
    res = service.ReleaseMaterialLot(MessageID=f"{uid}-4", MaterialLotID=f"{uid}-REEL")
    assert res.Status == "released"
    res = service.IssueMaterialLot(MessageID=f"{uid}-5", MaterialLotID=f"{uid}-REEL", Line="SMT-L1",
                                   Station="SMT-L1-P1")
    assert (res.Location, res.Changed) == ("SMT-L1-P1", True)
    with store.read() as session:
        reel = session.scalars(select(MaterialLot).where(MaterialLot.lot_code == f"{uid}-REEL")).one()
    assert (reel.status, reel.location, reel.date_code, reel.quantity) == \
        ("released", "SMT-L1-P1", "2645", 4000)


def test_rest_and_soap_share_one_idempotency_namespace(soap, uid):
    service, base = soap
    service.ReceiveMaterialLot(MessageID=f"{uid}-k", MaterialLot=lot(uid))
    r = httpx.post(f"{base}/api/v1/wms/lots", headers={"Idempotency-Key": f"{uid}-k"}, json={
        "ID": f"{uid}-LOT", "MaterialDefinitionID": f"{uid}-CAP", "Quantity": 10000, "SupplierID": "Murata",
        "SupplierLotID": "MU-778", "DateCode": "2645", "ReceiptDate": "2026-11-30T08:00:00Z"})
    assert r.status_code == 201 and r.json()["replayed"] is True


@pytest.mark.parametrize("call, field", [
    (lambda s, p: s.ReceiveMaterialLot(MaterialLot=lot(p, MaterialDefinitionID=f"{p}-NOPE")),
     "MaterialDefinitionID"),
    (lambda s, p: s.ReceiveMaterialLot(MaterialLot=lot(p, Quantity=Decimal("-1"))), "Quantity"),
    (lambda s, p: s.ReceiveMaterialLot(MaterialLot=lot(p, ReceiptDate=dt.datetime(2026, 11, 30, 8))),
     "ReceiptDate"),
    (lambda s, p: s.SplitMaterialLot(MaterialLotID=f"{p}-NOPE", MaterialSublotID=f"{p}-R",
                                     Quantity=Decimal("1")), "MaterialLotID"),
    (lambda s, p: s.QuarantineMaterialLot(MaterialLotID=f"{p}-NOPE"), "MaterialLotID"),
    (lambda s, p: s.IssueMaterialLot(MaterialLotID=f"{p}-NOPE", Line="L1"), "MaterialLotID"),
])
def test_refusals_are_client_faults_naming_the_field(soap, store, uid, call, field):
    service, _ = soap
    before = row_counts(store)
    with pytest.raises(Fault) as info:
        call(service, uid)
    assert info.value.code.endswith("Client")
    assert detail(info.value)["Field"] == field, detail(info.value)
    assert row_counts(store) == before


def test_malformed_and_hostile_xml_is_refused(soap):
    _, base = soap
    xxe = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
           '<ReceiveMaterialLot xmlns="urn:tracebridge:wms:v1"><MaterialLot><ID>&e;</ID></MaterialLot>'
           '</ReceiveMaterialLot></soap:Body></soap:Envelope>')
    for body in [xxe, "<not-xml", ""]:
        r = httpx.post(f"{base}/soap/wms", content=body, headers={"Content-Type": "text/xml"})
        assert r.status_code == 500 and b"soap:Client" in r.content and b"root:" not in r.content
