"""Reading SOAP requests safely: bounded size, no DTD, no entity expansion, no network.

XXE and billion-laughs payloads both need a DTD; a document that declares one is refused before
anything in it is used, and entities are never resolved even if one slipped through.
"""

from __future__ import annotations

from lxml import etree

from gateway.soap.faults import SoapFault

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def parser() -> etree.XMLParser:
    # A parser per call: lxml parsers are not thread-safe and handlers run in a thread pool.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True)


def parse(body: bytes) -> etree._Element:
    """The envelope's root element, or a Client fault saying why the bytes are not acceptable."""
    if not body.strip():
        raise SoapFault("empty request body", field="Envelope")
    head = body[:4096].lstrip().lower()
    if b"<!doctype" in head or b"<!entity" in head:
        raise SoapFault("DTDs are not accepted in SOAP messages", field="DOCTYPE")
    try:
        root = etree.fromstring(body, parser())
    except etree.XMLSyntaxError as exc:
        raise SoapFault(f"malformed XML: {exc.msg}", field="Envelope") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # e.g. a DTD hidden behind UTF-16
        raise SoapFault("DTDs are not accepted in SOAP messages", field="DOCTYPE")
    return root


def body_payload(envelope: etree._Element) -> tuple[etree._Element, etree._Element | None]:
    """The one element inside soap:Body (document/literal) and the soap:Header, if any."""
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFault(f"expected a SOAP 1.1 Envelope, got {etree.QName(envelope).localname!r}",
                        field="Envelope")
    header = envelope.find(f"{{{SOAP_ENV}}}Header")
    body = envelope.find(f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise SoapFault("the Envelope has no Body", field="Body")
    children = [c for c in body if isinstance(c.tag, str)]
    if len(children) != 1:
        raise SoapFault(f"the Body must hold exactly one element, it holds {len(children)}", field="Body")
    return children[0], header
