"""ERP integration throughput on 127.0.0.1: hooks in, pull, confirmations out.

Prints, per store: REST PUT work orders/s (httpx, keep-alive), SOAP SyncWorkOrder/s (zeep, from our
WSDL), resends/s (same Idempotency-Key: the stored answer), a pull of N released orders from the
ERP simulator (orders/s), and confirmations delivered to the simulator per second (one SOAP call
each, in order per work order) for W work orders of U units.

    .venv/bin/python -m bench.erp_hooks --orders 300 --database-url sqlite:////tmp/bench-erp.db \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench
The databases are migrated to head; every run writes under a fresh prefix.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import uvicorn
import zeep

from gateway.app import create_app
from gateway.security.settings import SecuritySettings
from gateway.settings import Settings
from integrations.erp.client import ErpClient
from integrations.erp.pull import confirmation_relay, pull
from integrations.erp.settings import ErpSettings
from integrations.erp.simulator import ErpSimulator
from traceability import commands as c
from traceability import schema
from traceability.database import Store, make_engine


def serve(app):  # type: ignore[no-untyped-def]
    # proto IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only then (else +40 ms a request).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    for _ in range(1000):
        if server.started:
            break
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{sock.getsockname()[1]}"


def order(part: str, n: int) -> dict:
    return {"Version": 1, "MaterialDefinitionID": part, "Quantity": {"QuantityString": str(n)},
            "RequestState": "Released"}


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:8.0f}/s ({n} in {seconds:.2f} s)"


def run(url: str, args: argparse.Namespace) -> None:
    store = Store(make_engine(url))
    schema.upgrade(store.engine)
    p = f"B{uuid.uuid4().hex[:6].upper()}"
    part = f"{p}-PRD"
    with store.write() as session:
        c.execute(session, c.DefinePart(part_number=part, serialized=True))
        c.execute(session, c.DefineRouting(part_number=part, revision="R1", operations=[
            c.RoutingStep(sequence=10, code="SMT"), c.RoutingStep(sequence=20, code="ICT")]))
    open_app = Settings(database_url=url, security=SecuritySettings(auth_required=False))  # no guard
    server, base = serve(create_app(open_app))
    n = args.orders
    print(f"\n{store.dialect}: {url}")
    with httpx.Client(base_url=f"{base}/api/v1/erp", timeout=30) as http:
        t0 = time.perf_counter()
        for i in range(n):
            key = {"Idempotency-Key": f"{p}-{i}"}
            http.put(f"/work-orders/{p}-R{i}", json=order(part, 10), headers=key).raise_for_status()
        print(f"  REST PUT work order      {rate(n, time.perf_counter() - t0)}")
        t0 = time.perf_counter()
        for i in range(n):
            http.put(f"/work-orders/{p}-R{i}", json=order(part, 10), headers={"Idempotency-Key": f"{p}-{i}"})
        print(f"  REST resend (replayed)   {rate(n, time.perf_counter() - t0)}")
    soap = zeep.Client(f"{base}/soap/erp?wsdl")
    t0 = time.perf_counter()
    for i in range(n):
        soap.service.SyncWorkOrder(MessageID=f"{p}-S{i}",
                                   ProductionOrder={**order(part, 10), "ID": f"{p}-S{i}"})
    print(f"  SOAP SyncWorkOrder (zeep) {rate(n, time.perf_counter() - t0)}")
    soap.transport.session.close()
    server.should_exit = True

    with ErpSimulator(orders=[{**order(part, 5), "ID": f"{p}-P{i}"} for i in range(n)]) as sim:
        client = ErpClient(ErpSettings(wsdl_url=sim.wsdl_url))
        t0 = time.perf_counter()
        report = pull(store, client)
        print(f"  pull released orders     {rate(report.changed, time.perf_counter() - t0)}")
        # Confirmations: W work orders from the ERP, U units each completing SMT.
        relay = confirmation_relay(store, client, ErpSettings())
        relay.drain()  # anything left from earlier runs
        at = datetime.now(UTC)
        with store.write() as session:
            for w in range(args.work_orders):
                units = [f"{p}-P{w}-U{u}" for u in range(args.units)]
                c.execute(session, c.RegisterUnits(work_order=f"{p}-P{w}", units=[
                    c.NewUnit(serial=s, part_number=part) for s in units]))
                for s in units:
                    c.execute(session, c.RecordOperation(
                        serial=s, operation="SMT", station="L1", started_at=at,
                        completed_at=at + timedelta(seconds=1)))
        before = len(sim.bookings)
        t0 = time.perf_counter()
        for _ in range(args.units + 5):  # ordered: one per work order per batch
            if relay.drain() == 0 and len(sim.bookings) - before >= args.work_orders * args.units:
                break
        delivered = len(sim.bookings) - before
        print(f"  confirmations delivered  {rate(delivered, time.perf_counter() - t0)}  "
              f"({args.work_orders} work orders x {args.units} units)")
        client.close()
    store.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=200)
    ap.add_argument("--work-orders", type=int, default=20)
    ap.add_argument("--units", type=int, default=10)
    ap.add_argument("--database-url", action="append", default=[])
    args = ap.parse_args()
    for url in args.database_url or ["sqlite:///./bench-erp.db"]:
        run(url, args)


if __name__ == "__main__":
    main()
