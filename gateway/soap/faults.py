"""The one mapping from refusals (domain errors, input validation, XML problems) to SOAP 1.1 faults.

A fault says who is to blame (faultcode Client or Server), what went wrong (faultstring) and, in
<detail>, the stable error code and the field, so an ERP's integrator can act without our logs.
"""

from __future__ import annotations

import logging

from lxml import etree
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gateway.errors import field_errors
from traceability.errors import DomainError

log = logging.getLogger("tracebridge.soap")

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
FAULT_NS = "urn:tracebridge:soap:fault"


class SoapFault(Exception):
    """A refusal to answer as a SOAP fault. `client` False means the fault is ours (retry later)."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid",
                 client: bool = True, status: int = 500) -> None:
        super().__init__(message)
        self.message, self.field, self.code, self.client = message, field, code, client
        # SOAP 1.1 over HTTP answers every fault with 500; 413 says "too large" before parsing.
        self.status = status


def to_fault(exc: Exception) -> SoapFault:
    if isinstance(exc, SoapFault):
        return exc
    if isinstance(exc, DomainError):
        return SoapFault(exc.message, field=exc.field, code=exc.code)
    if isinstance(exc, ValidationError):
        fields = field_errors(exc)
        return SoapFault("; ".join(f"{f['field']}: {f['reason']}" for f in fields),
                         field=fields[0]["field"] if fields else None)
    if isinstance(exc, OperationalError | PoolTimeout):
        log.warning("database unavailable: %s", type(exc).__name__)
        return SoapFault("the database is unavailable; retry later", code="unavailable", client=False)
    log.exception("SOAP handler failed")
    return SoapFault("internal error", code="internal", client=False)


def envelope(payload: etree._Element) -> bytes:
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    etree.SubElement(env, f"{{{SOAP_ENV}}}Body").append(payload)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def fault_xml(fault: SoapFault) -> bytes:
    el = etree.Element(f"{{{SOAP_ENV}}}Fault", nsmap={"soap": SOAP_ENV})
    # faultcode is a QName in the envelope namespace; its children are unqualified (SOAP 1.1 §4.4).
    etree.SubElement(el, "faultcode").text = "soap:Client" if fault.client else "soap:Server"
    etree.SubElement(el, "faultstring").text = fault.message
    error = etree.SubElement(etree.SubElement(el, "detail"), f"{{{FAULT_NS}}}Error",
                             nsmap={"tbf": FAULT_NS})
    etree.SubElement(error, f"{{{FAULT_NS}}}Code").text = fault.code
    if fault.field:
        etree.SubElement(error, f"{{{FAULT_NS}}}Field").text = fault.field
    etree.SubElement(error, f"{{{FAULT_NS}}}Message").text = fault.message
    return envelope(el)
