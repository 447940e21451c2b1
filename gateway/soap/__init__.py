"""Generic SOAP 1.1 (document/literal) serving: a service is a WSDL, its XSD and {operation: handler}.

`SoapService(...).router()` gives a FastAPI router answering `GET /soap/<name>?wsdl` (and `?xsd`)
and `POST /soap/<name>`. Requests are read with a size bound, parsed without DTDs, entities or
network access, validated against the XSD and dispatched by the body element's name; refusals are
SOAP faults naming the field. Protocol-specific services (ERP, WMS) live in their integration.
"""

from gateway.soap.faults import SoapFault
from gateway.soap.service import Handler, SoapCall, SoapService

__all__ = ["Handler", "SoapCall", "SoapFault", "SoapService"]
