"""SOAP callers authenticate with a WS-Security UsernameToken (the same API keys) or the HTTP header;
zeep, as an ERP would use it, is the client. Refusals are SOAP faults with 401/403."""

from __future__ import annotations

import pytest
import requests
import zeep
from zeep.exceptions import Fault
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from tests.erp_support import plant
from tests.security_support import bearer, make_key, secure_app
from tests.served import serve

FAULT_NS = "{urn:tracebridge:soap:fault}"


@pytest.fixture
def soap(store, database_url, uid):
    writer, writer_id = make_key(database_url, ["erp:write", "erp:read"], name=f"erp-{uid}")
    reader, reader_id = make_key(database_url, ["trace:read"], name="reader")
    with serve(secure_app(database_url)) as base:
        yield base, (writer, writer_id), (reader, reader_id), plant(store, uid)


def client(base: str, **kw) -> zeep.Client:  # type: ignore[no-untyped-def]
    return zeep.Client(f"{base}/soap/erp?wsdl", **kw)  # the WSDL itself is public


def test_a_username_token_or_the_header_authenticates_a_soap_call(soap, store, uid):
    from traceability import audit

    base, (writer, writer_id), _, p = soap
    by_token = client(base, wsse=UsernameToken(writer_id, writer))
    by_token.service.SyncWorkOrder(MessageID=f"{uid}-1", ProductionOrder={
        "ID": p["wo"], "Version": 1, "MaterialDefinitionID": p["part"], "MaterialDefinitionRevision": "A",
        "Quantity": {"QuantityString": "250", "UnitOfMeasure": "EA"}, "OperationsDefinitionVersion": "R1",
        "RequestState": "Planned"})
    session = requests.Session()
    session.headers.update(bearer(writer))
    by_header = client(base, transport=Transport(session=session))
    assert p["wo"] == by_header.service.GetWorkOrder(ID=p["wo"]).ProductionOrder.ID
    with store.read() as s:
        [entry] = audit.entries(s, target=p["wo"], actor=f"key:erp-{uid}:")
    assert entry.actor == f"key:erp-{uid}:{writer_id}" and entry.source and entry.message_id == f"{uid}-1"


def test_soap_refusals_are_faults_with_401_or_403(soap, uid):
    base, (writer, writer_id), (reader, reader_id), p = soap
    cases = [
        ({}, "unauthenticated", "a credential is required"),
        ({"wsse": UsernameToken(reader_id, reader)}, "forbidden", "requires scope erp:write"),
        ({"wsse": UsernameToken(writer_id, writer + "x")}, "unauthenticated", "unknown"),
        ({"wsse": UsernameToken(reader_id, writer)}, "unauthenticated", "Username must be the key id"),
        ({"wsse": UsernameToken(writer_id, writer, use_digest=True)}, "unauthenticated", "PasswordText"),
    ]
    for kw, code, reason in cases:
        with pytest.raises(Fault) as refused:
            client(base, **kw).service.GetWorkOrder(ID=p["wo"])
        assert refused.value.code == "soap:Client" and reason in refused.value.message, kw
        assert refused.value.detail.find(f"{FAULT_NS}Error/{FAULT_NS}Code").text == code
    raw = requests.post(f"{base}/soap/erp", data=b"<x/>", headers={"Content-Type": "text/xml"}, timeout=30)
    assert raw.status_code == 401 and raw.headers["www-authenticate"].startswith("Bearer")
    raw = requests.post(f"{base}/soap/erp", data=b"<x/>", timeout=30,
                        headers={**bearer(reader), "Content-Type": "text/xml"})
    assert raw.status_code == 403 and b"<faultstring>" in raw.content


def test_a_soap_envelope_past_the_body_limit_is_refused_before_parsing(database_url):
    with serve(secure_app(database_url, max_body_bytes=4096)) as base:
        big = b"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body>" + \
            b"<x>" + b"a" * 10_000 + b"</x></soap:Body></soap:Envelope>"
        answer = requests.post(f"{base}/soap/erp", data=iter([big]), timeout=30,
                               headers={"Content-Type": "text/xml"})
        assert answer.status_code == 413 and b"too_large" in answer.content
