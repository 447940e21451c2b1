"""The SOAP infrastructure (gateway/soap) refuses unsafe or invalid XML with a fault naming the field.

Raw bytes over HTTP, as a careless or hostile client would send them; nothing is written.
"""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from gateway.app import create_app
from gateway.settings import Settings
from tests.erp_support import plant, served, written

ENV = "http://schemas.xmlsoap.org/soap/envelope/"
FAULT = "{urn:tracebridge:soap:fault}"


@pytest.fixture
def post(store, database_url, uid):
    with served(create_app(Settings(database_url=database_url))) as base, \
            httpx.Client(base_url=base, timeout=10) as client:
        p = plant(store, uid)

        def send(body: bytes) -> httpx.Response:
            return client.post("/soap/erp", content=body, headers={"Content-Type": "text/xml; charset=utf-8"})

        send.client, send.plant = client, p
        yield send


def sync_xml(p: dict[str, str], quantity: str = "<QuantityString>5</QuantityString>", prolog: str = "",
             entity: str = "") -> bytes:
    return (f"""{prolog}<soap:Envelope xmlns:soap="{ENV}"><soap:Body>
      <SyncWorkOrder xmlns="urn:tracebridge:erp:v1"><MessageID>{p['wo']}-m</MessageID>
        <ProductionOrder><ID>{p['wo']}</ID><MaterialDefinitionID>{p['part']}{entity}</MaterialDefinitionID>
          <Quantity>{quantity}</Quantity></ProductionOrder>
      </SyncWorkOrder></soap:Body></soap:Envelope>""").encode()


def fault_of(r: httpx.Response) -> dict[str, str]:
    assert r.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(r.content)
    fault = root.find(f"{{{ENV}}}Body/{{{ENV}}}Fault")
    assert fault is not None, r.text
    out = {"faultcode": fault.findtext("faultcode"), "faultstring": fault.findtext("faultstring")}
    for child in fault.find("detail").find(f"{FAULT}Error"):
        out[child.tag.removeprefix(FAULT)] = child.text
    return out


XXE = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                    for i in range(1, 10)) + "]>")


def test_a_valid_request_passes(post, uid):
    r = post(sync_xml(post.plant))
    assert r.status_code == 200, r.text
    assert b"<Revision>1</Revision>" in r.content


@pytest.mark.parametrize(("body", "field", "status"), [
    (lambda p: b"<soap:Envelope xmlns:soap='x'><unclosed>", "Envelope", 500),
    (lambda p: b"", "Envelope", 500),
    (lambda p: sync_xml(p, prolog=XXE, entity="&xxe;"), "DOCTYPE", 500),
    (lambda p: sync_xml(p, prolog=LAUGHS, entity="&lol9;"), "DOCTYPE", 500),
    (lambda p: sync_xml(p, prolog=XXE, entity="&xxe;").decode().replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16"), "DOCTYPE", 500),
    (lambda p: sync_xml(p, quantity="<QuantityString>" + "9" * 2_000_000 + "</QuantityString>"),
     "Envelope", 413),
    (lambda p: b"<Envelope><Body/></Envelope>", "Envelope", 500),
    (lambda p: f"<soap:Envelope xmlns:soap='{ENV}'><soap:Body><Drop xmlns='urn:tracebridge:erp:v1'/>"
     f"</soap:Body></soap:Envelope>".encode(), "Body", 500),
    (lambda p: sync_xml(p, quantity="<QuantityString>many</QuantityString>"), "QuantityString", 500),
    (lambda p: sync_xml(p, quantity="<UnitOfMeasure>EA</UnitOfMeasure>"), "QuantityString", 500),
    (lambda p: sync_xml(p).replace(b"<ID>", b"<Colour>red</Colour><ID>"), "Colour", 500),
])
def test_refused_with_a_fault_and_nothing_written(post, uid, store, body, field, status):
    r = post(body(post.plant))
    assert r.status_code == status
    fault = fault_of(r)
    assert fault["faultcode"] == "soap:Client" and fault["Field"] == field, fault
    assert written(store, uid) == (0, 0, 0)


def test_the_wsdl_names_where_it_is_served_and_inlines_its_schema(post):
    r = post.client.get("/soap/erp?wsdl")
    assert r.status_code == 200
    wsdl = etree.fromstring(r.content)
    address = wsdl.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address.get("location") == str(post.client.base_url).rstrip("/") + "/soap/erp"
    assert wsdl.find(".//{http://www.w3.org/2001/XMLSchema}schema").get("targetNamespace") \
        == "urn:tracebridge:erp:v1"
    xsd = post.client.get("/soap/erp?xsd")
    assert etree.fromstring(xsd.content).tag == "{http://www.w3.org/2001/XMLSchema}schema"
