"""Consumption reported to the WMS: the cost of completing a large work order (the report is built
in the completion's transaction), against the bare aggregate query; and inbound WMS receipts per
second through the REST hook.

    .venv/bin/python -m bench.wms_consumption --boards 2000 --placements 20 \\
        --database-url sqlite:////tmp/bench.db --database-url postgresql://postgres@127.0.0.1:5432/bench
The databases are migrated to head; rows are written under a unique prefix.
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import Settings
from integrations.wms.settings import WmsSettings
from traceability import bom, schema
from traceability import commands as c
from traceability.database import Store, make_engine
from traceability.policy import Policy

T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def build(store: Store, p: str, boards: int, placements: int, reels: int) -> None:
    with store.write() as session:
        for pn in ("BRD", "CAP"):
            c.execute(session, c.DefinePart(part_number=f"{p}-{pn}", serialized=pn == "BRD"))
        c.execute(session, c.SyncWorkOrder(number=f"{p}-WO", part_number=f"{p}-BRD", quantity=boards,
                                           status="released"))
        for r in range(reels):
            c.execute(session, c.ReceiveLot(lot=f"{p}-R{r}", part_number=f"{p}-CAP", quantity=10**6))
        c.execute(session, c.RegisterUnits(work_order=f"{p}-WO", units=[
            c.NewUnit(serial=f"{p}-B{i}", part_number=f"{p}-BRD", kind="board") for i in range(boards)]))
    for start in range(0, boards, 100):  # one transaction per 100 boards, as a line would batch them
        with store.write() as session:
            for i in range(start, min(boards, start + 100)):
                c.execute(session, c.InstallComponents(
                    parent_serial=f"{p}-B{i}", installed_at=T0 + timedelta(seconds=i), operation="SMT",
                    items=[c.InstalledItem(lot=f"{p}-R{(i + k) % reels}", reference_designator=f"C{k}")
                           for k in range(placements)]))


def run(url: str, boards: int, placements: int, reels: int, receipts: int) -> None:
    p = f"W{uuid.uuid4().hex[:6].upper()}"
    store = Store(make_engine(url), policy=Policy(report_to_wms=True))
    schema.upgrade(store.engine)
    t0 = time.perf_counter()
    build(store, p, boards, placements, reels)
    built = time.perf_counter() - t0
    with store.read() as session:
        wo = bom.work_order_id(session, f"{p}-WO")
        t0 = time.perf_counter()
        lines = bom.consumption(session, wo)
        query = time.perf_counter() - t0
    t0 = time.perf_counter()
    with store.write() as session:
        c.execute(session, c.ChangeWorkOrderStatus(number=f"{p}-WO", status="completed"))
    complete = time.perf_counter() - t0
    store.dispose()
    print(f"{store.dialect}: {boards * placements} installations in {built:.1f} s; "
          f"consumption query {query * 1000:.1f} ms ({len(lines)} lines); "
          f"completion with its WMS report {complete * 1000:.1f} ms")

    settings = Settings(database_url=url, wms=WmsSettings())
    with TestClient(create_app(settings)) as api:
        api.post("/api/v1/wms/lots", json={"ID": f"{p}-warm", "MaterialDefinitionID": f"{p}-CAP",
                                           "Quantity": 1})
        t0 = time.perf_counter()
        for i in range(receipts):
            r = api.post("/api/v1/wms/lots", headers={"Idempotency-Key": f"{p}-k{i}"}, json={
                "ID": f"{p}-L{i}", "MaterialDefinitionID": f"{p}-CAP", "Quantity": 1000,
                "SupplierID": "ACME", "DateCode": "2647"})
            assert r.status_code == 201, r.text
        seconds = time.perf_counter() - t0
    print(f"{store.dialect}: {receipts} WMS lot receipts over REST (in-process client) in {seconds:.2f} s "
          f"= {receipts / seconds:.0f}/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", action="append", required=True)
    ap.add_argument("--boards", type=int, default=2000)
    ap.add_argument("--placements", type=int, default=20)
    ap.add_argument("--reels", type=int, default=40)
    ap.add_argument("--receipts", type=int, default=300)
    args = ap.parse_args()
    for url in args.database_url:
        run(url, args.boards, args.placements, args.reels, args.receipts)


if __name__ == "__main__":
    main()
