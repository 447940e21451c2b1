"""An ERP simulator: a small SOAP server (wsgiref + lxml) offering the production-order API.

It serves `simulator.wsdl` at `/erp?wsdl`, lists its released production orders and books
confirmations once per IdempotencyKey. For tests and trying TraceBridge out; it can fail the first
N calls, answer slowly, and be stopped. It shares no code with TraceBridge's own SOAP serving, so
a fault in one is not mirrored in the other.

    python -m integrations.erp.simulator --port 8090 --orders 3 --part PRD-900
"""

from __future__ import annotations

import argparse
import base64
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from lxml import etree

NS = "urn:example:erp:production:v1"
ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSDL = Path(__file__).with_name("simulator.wsdl")
ORDER_FIELDS = ("ID", "Version", "MaterialDefinitionID", "MaterialDefinitionRevision", "Quantity",
                "OperationsDefinitionVersion", "EndTime", "RequestState", "EquipmentID")


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Booking:
    key: str
    order: str
    sequence: int
    final: bool
    operations: list[dict[str, str]]


@dataclass
class ErpSimulator:
    host: str = "127.0.0.1"
    port: int = 0
    orders: list[dict[str, Any]] = field(default_factory=list)  # B2MML production orders
    fail_first: int = 0  # answer this many calls with a Server fault
    delay: float = 0.0  # seconds to wait before answering ...
    slow_calls: int | None = None  # ... the first this many calls (None: every call)
    credentials: tuple[str, str] | None = None  # require HTTP basic authentication
    closed_orders: set[str] = field(default_factory=set)  # confirmations for these are not accepted
    bookings: dict[str, Booking] = field(default_factory=dict)  # confirmations by IdempotencyKey
    calls: list[str] = field(default_factory=list)  # every operation called, in order
    _server: _Server | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def wsdl_url(self) -> str:
        return f"http://{self.host}:{self.port}/erp?wsdl"

    def start(self) -> ErpSimulator:
        self._server = make_server(self.host, self.port, self._app, server_class=_Server,
                                   handler_class=_QuietHandler)
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ErpSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the WSGI application -------------------------------------------------------------
    def _app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if self.credentials and environ.get("HTTP_AUTHORIZATION") != _basic(*self.credentials):
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="erp"')])
            return [b""]
        if environ["REQUEST_METHOD"] == "GET":
            location = f"http://{self.host}:{self.port}/erp"
            body = WSDL.read_bytes().replace(b"http://localhost/erp", location.encode())
            return _reply(start_response, "200 OK", body)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        request = environ["wsgi.input"].read(min(length, 1 << 20))
        try:
            payload = etree.fromstring(request, etree.XMLParser(resolve_entities=False, no_network=True)) \
                .find(f"{{{ENV}}}Body")[0]
            operation = etree.QName(payload).localname
            with self._lock:
                self.calls.append(operation)  # on arrival, so a call answered late still counts
                slow = self.delay > 0 and (self.slow_calls is None or self.slow_calls > 0)
                if slow and self.slow_calls is not None:
                    self.slow_calls -= 1
            if slow:
                time.sleep(self.delay)
            with self._lock:
                if self.fail_first > 0:
                    self.fail_first -= 1
                    return _reply(start_response, "500 Internal Server Error",
                                  _fault("soap:Server", "ERP temporarily unavailable"))
                answer = self._answer(operation, payload)
        except Exception as exc:  # noqa: BLE001 - a simulator answers every error as a fault
            return _reply(start_response, "500 Internal Server Error", _fault("soap:Client", str(exc)))
        return _reply(start_response, "200 OK", _envelope(answer))

    def _answer(self, operation: str, payload: etree._Element) -> etree._Element:
        if operation == "GetReleasedProductionOrders":
            out = etree.Element(f"{{{NS}}}GetReleasedProductionOrdersResponse", nsmap={None: NS})
            for order in self.orders:
                if order.get("RequestState", "Released") == "Released":
                    _append(out, "ProductionOrder", {k: order.get(k) for k in ORDER_FIELDS})
            return out
        if operation == "ConfirmProduction":
            key = payload.findtext(f"{{{NS}}}IdempotencyKey")
            order = payload.findtext(f"{{{NS}}}ProductionOrderID")
            out = etree.Element(f"{{{NS}}}ConfirmProductionResponse", nsmap={None: NS})
            if order in self.closed_orders:
                _append(out, "Accepted", False)
                _append(out, "Duplicate", False)
                _append(out, "Reason", f"production order {order} is closed in the ERP")
                return out
            duplicate = key in self.bookings
            if not duplicate:
                self.bookings[key] = Booking(
                    key=key, order=order,
                    sequence=int(payload.findtext(f"{{{NS}}}Sequence")),
                    final=payload.findtext(f"{{{NS}}}Final") == "true",
                    operations=[{etree.QName(c).localname: c.text for c in op}
                                for op in payload.iterfind(f"{{{NS}}}OperationConfirmation")])
            _append(out, "Accepted", True)
            _append(out, "Duplicate", duplicate)
            return out
        raise ValueError(f"unknown operation {operation}")


def _append(parent: etree._Element, name: str, value: Any) -> None:
    if value is None:
        return
    child = etree.SubElement(parent, f"{{{NS}}}{name}")
    if isinstance(value, dict):
        for k, v in value.items():
            _append(child, k, v)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    else:
        child.text = str(value)


def _envelope(payload: etree._Element) -> bytes:
    env = etree.Element(f"{{{ENV}}}Envelope", nsmap={"soap": ENV})
    etree.SubElement(env, f"{{{ENV}}}Body").append(payload)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def _fault(code: str, text: str) -> bytes:
    fault = etree.Element(f"{{{ENV}}}Fault", nsmap={"soap": ENV})
    etree.SubElement(fault, "faultcode").text = code
    etree.SubElement(fault, "faultstring").text = text
    return _envelope(fault)


def _reply(start_response: Any, status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def main() -> None:
    ap = argparse.ArgumentParser(description="An ERP simulator with released production orders")
    ap.add_argument("--port", type=int, default=8090)
    ap.add_argument("--orders", type=int, default=3, help="released production orders to offer")
    ap.add_argument("--part", default="PRD-900", help="their part number (MaterialDefinitionID)")
    ap.add_argument("--prefix", default="ERP-WO-", help="their numbers' prefix")
    args = ap.parse_args()
    orders = [{"ID": f"{args.prefix}{i:04d}", "Version": 1, "MaterialDefinitionID": args.part,
               "Quantity": {"QuantityString": "100", "UnitOfMeasure": "EA"}, "RequestState": "Released"}
              for i in range(1, args.orders + 1)]
    sim = ErpSimulator(port=args.port, orders=orders).start()
    print(f"ERP simulator: WSDL at {sim.wsdl_url}, {len(orders)} released orders; Ctrl-C stops")
    try:
        while True:
            time.sleep(5)
            print(f"{len(sim.bookings)} confirmation(s) booked, {len(sim.calls)} call(s)")
    except KeyboardInterrupt:
        sim.stop()


if __name__ == "__main__":
    main()
