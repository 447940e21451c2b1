"""A SOAP service: a hand-written WSDL and XSD on disk plus a table {operation name: handler}.

Document/literal wrapped: the Body holds one element named after the operation, defined in the XSD;
the answer is `<Operation>Response`. The XSD is inlined into the WSDL when served, with the address
set to where the request came in, so one GET gives a client (zeep) everything it needs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request, Response
from lxml import etree
from starlette.concurrency import run_in_threadpool

from gateway.soap.faults import SoapFault, envelope, fault_xml, to_fault
from gateway.soap.parsing import body_payload, parse, parser

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
XML_TYPE = "text/xml; charset=utf-8"


@dataclass(frozen=True)
class SoapCall:
    """One validated request: the operation, its payload element, the SOAP header and the HTTP request."""

    operation: str
    payload: etree._Element
    header: etree._Element | None
    request: Request


Handler = Callable[[SoapCall], etree._Element]


class SoapService:
    def __init__(self, name: str, *, wsdl: Path, xsd: Path, operations: dict[str, Handler],
                 max_body_bytes: int = 1024 * 1024) -> None:
        self.name, self.operations, self.max_body_bytes = name, operations, max_body_bytes
        self._xsd = etree.parse(str(xsd), parser()).getroot()
        self.namespace = self._xsd.get("targetNamespace", "")
        self.schema = etree.XMLSchema(self._xsd)
        # One validator keeps one error log: concurrent requests (a thread pool) take turns.
        self._validating = threading.Lock()
        self._names = {e.get("name") for e in self._xsd.iter(f"{{{XSD_NS}}}element")}
        self._wsdl = etree.parse(str(wsdl), parser()).getroot()
        port_ops = self._wsdl.iterfind(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation")
        declared = {op.get("name") for op in port_ops}
        if declared != set(operations):
            # The WSDL is the contract: a handler without an operation (or the reverse) is a bug.
            raise ValueError(f"{name}: WSDL operations {sorted(declared)} != handlers {sorted(operations)}")

    def wsdl(self, location: str) -> bytes:
        """The WSDL with the XSD inlined into <types> and the port's address set to `location`."""
        doc = etree.fromstring(etree.tostring(self._wsdl), parser())
        types = doc.find(f"{{{WSDL_NS}}}types")
        if types is None:
            types = etree.Element(f"{{{WSDL_NS}}}types")
            doc.insert(0, types)
        types.append(etree.fromstring(etree.tostring(self._xsd), parser()))
        for address in doc.iter(f"{{{WSDL_SOAP_NS}}}address"):
            address.set("location", location)
        return etree.tostring(doc, xml_declaration=True, encoding="utf-8", pretty_print=True)

    def xsd(self) -> bytes:
        return etree.tostring(self._xsd, xml_declaration=True, encoding="utf-8")

    def handle(self, body: bytes, request: Request) -> etree._Element:
        """Parse, validate, dispatch; raises SoapFault for anything the client must fix."""
        payload, header = body_payload(parse(body))
        qname = etree.QName(payload)
        if qname.namespace != self.namespace or qname.localname not in self.operations:
            raise SoapFault(f"unknown operation {qname.localname!r} in namespace {qname.namespace!r}",
                            field="Body", code="unknown_operation")
        with self._validating:
            valid = self.schema.validate(payload)
            fault = None if valid else _schema_fault(self.schema.error_log, self._names)
        if fault is not None:
            raise fault
        return self.operations[qname.localname](SoapCall(qname.localname, payload, header, request))

    def router(self) -> APIRouter:
        router = APIRouter(tags=["soap"])
        path = f"/soap/{self.name}"

        @router.get(path, summary=f"WSDL (?wsdl) or XSD (?xsd) of the {self.name} SOAP service",
                    response_class=Response)
        def describe(request: Request) -> Response:
            if "xsd" in request.query_params:
                return Response(self.xsd(), media_type=XML_TYPE)
            location = str(request.url.replace(query=None))
            return Response(self.wsdl(location), media_type=XML_TYPE)

        @router.post(path, summary=f"SOAP 1.1 endpoint of the {self.name} service "
                     f"({', '.join(sorted(self.operations))})", response_class=Response)
        async def call(request: Request) -> Response:
            try:
                body = await _bounded_body(request, self.max_body_bytes)
                answer = await run_in_threadpool(self.handle, body, request)
            except Exception as exc:  # noqa: BLE001 - every refusal becomes a SOAP fault
                fault = to_fault(exc)
                return Response(fault_xml(fault), status_code=fault.status, media_type=XML_TYPE)
            return Response(envelope(answer), media_type=XML_TYPE)

        return router


async def _bounded_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    too_large = SoapFault(f"the request is larger than {limit} bytes", field="Envelope",
                          code="too_large", status=413)
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:  # a lying or absent Content-Length: stop reading at the bound
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


_ELEMENT = re.compile(r"Element '(?:\{[^}]*\})?([^']+)'")
_ELEMENT_PREFIX = re.compile(r"^Element '[^']*': ")
_EXPECTED = re.compile(r"Expected is(?: one of)? \( ?([^)]+?) ?\)")


def _schema_fault(error_log: etree._ListErrorLog, known: set[str]) -> SoapFault:
    """Name the field the XSD refused: the element in error, or the missing one it expected.

    "Not expected" after a missing required element names the element that came instead; when
    that one is a field the schema knows, the missing one is the field to report.
    """
    error = error_log[0]
    message = error.message
    field = None
    element = _ELEMENT.search(message)
    expected = _EXPECTED.search(message)
    missing = "Missing child element" in message or (
        "not expected" in message and element is not None and element.group(1) in known)
    if missing and expected:
        field = expected.group(1).split(",")[0].strip().rsplit("}", 1)[-1]
        message = f"{field}: required"
    elif match := element:
        field = match.group(1)
        message = f"{field}: {_ELEMENT_PREFIX.sub('', message)}"
    return SoapFault(f"{message} (line {error.line})", field=field)
