"""Issue 6, done when: a work order released from ERP on routing revision B, with lots received from
WMS, built through the routing, shows the right BOM per operation and reports consumption back to
the (fake, HTTP) WMS exactly once; a revision C published later leaves the order on B."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from integrations.wms.client import WmsClient, relay
from integrations.wms.settings import WmsSettings
from tests.fake_systems import TOKEN, FakeWms, serve
from tests.plm_wms_support import app_client, define_parts, routing_doc
from tests.test_wms_outbound import drain_leftovers
from traceability import commands as c
from traceability import genealogy

T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_order_on_revision_b_built_with_wms_lots_reports_consumption_once(database_url, uid):
    p = uid
    fake = FakeWms()
    with serve(fake) as wms_url, app_client(database_url, url=wms_url, token=TOKEN) as api:
        store = api.app.state.store  # the app's store: the WMS reporting policy comes from settings
        drain_leftovers(store)

        sent = iter(range(10**6))

        def run(cmd, source="erp"):
            with store.write() as session:
                return c.execute(session, cmd, source=source, message_id=f"{p}-{source}-{next(sent)}")

        define_parts(store, p)
        # PLM publishes A, then B (B adds R2 at SMT).
        for rev, doc in [("A", routing_doc(p)), ("B", routing_doc(p, extra_ref="R2"))]:
            r = api.put(f"/api/v1/plm/routings/{p}-BRD/{rev}", json=doc,
                        headers={"Idempotency-Key": f"{p}-{rev}"})
            assert r.status_code == 201, r.text
        # ERP releases the order on B.
        run(c.SyncWorkOrder(number=f"{p}-WO", part_number=f"{p}-BRD", quantity=2, routing_revision="B",
                            status="released", source_system="ERP", version=1))
        # WMS receives the material, splits reels and issues them to the line.
        for lot, part, qty in [("CAP", "CAP", 5000), ("RES", "RES", 5000), ("IC", "IC", 100),
                               ("PASTE", "PASTE", 500)]:
            r = api.post("/api/v1/wms/lots", headers={"Idempotency-Key": f"{p}-rcv-{lot}"}, json={
                "ID": f"{p}-{lot}-LOT", "MaterialDefinitionID": f"{p}-{part}", "Quantity": qty,
                "SupplierID": "ACME", "SupplierLotID": f"S-{lot}", "DateCode": "2647"})
            assert r.status_code == 201, r.text
        reels = {}
        for lot, qty in [("CAP", 1000), ("RES", 1000), ("IC", 50)]:
            reel = reels[lot] = f"{p}-{lot}-REEL"
            r = api.post(f"/api/v1/wms/lots/{p}-{lot}-LOT/split",
                         headers={"Idempotency-Key": f"{p}-spl-{lot}"},
                         json={"MaterialSublotID": reel, "Quantity": qty})
            assert r.status_code == 201, r.text
            assert api.post(f"/api/v1/wms/lots/{reel}/issue", json={"Line": "SMT-L1", "Station": f"{p}-SMT"},
                            headers={"Idempotency-Key": f"{p}-iss-{lot}"}).status_code == 200

        # The routing the order is pinned to tells what goes where.
        pinned = api.get(f"/api/v1/plm/work-orders/{p}-WO/routing").json()
        assert pinned["revision"] == "B"
        bom = {s["ID"]: [(m["MaterialDefinitionID"], m["ReferenceDesignator"], m["Quantity"])
                         for m in s["MaterialSpecification"]] for s in pinned["OperationsSegment"]}
        assert bom == {
            "PASTE": [(f"{p}-PASTE", [], 0.5)],
            "SMT": [(f"{p}-CAP", ["C1", "C2"], 2.0), (f"{p}-RES", ["R1"], 1.0), (f"{p}-IC", ["U1"], 1.0),
                    (f"{p}-RES", ["R2"], 1.0)],
            "REFLOW": [], "AOI": []}

        # Build two boards through the routing: feeders loaded from the reels, BOM per operation.
        boards = [f"{p}-B1", f"{p}-B2"]
        run(c.RegisterUnits(work_order=f"{p}-WO", registered_at=at(0), units=[
            c.NewUnit(serial=s, part_number=f"{p}-BRD", kind="board") for s in boards]), source="cfx")
        feeders = {f"{p}-CAP": ("F1", reels["CAP"]), f"{p}-RES": ("F2", reels["RES"]),
                   f"{p}-IC": ("F3", reels["IC"])}
        for feeder, reel in feeders.values():
            run(c.LoadMaterial(station=f"{p}-SMT", location=feeder, lot=reel, loaded_at=at(0)), source="cfx")
        for n, serial in enumerate(boards):
            t = 10 * n
            for seq, op in enumerate(pinned["OperationsSegment"]):
                items = []
                for m in op["MaterialSpecification"]:
                    part = m["MaterialDefinitionID"]
                    if part == f"{p}-PASTE":
                        items.append(c.InstalledItem(lot=f"{p}-PASTE-LOT", quantity=m["Quantity"]))
                    else:
                        items += [c.InstalledItem(location=feeders[part][0], reference_designator=ref)
                                  for ref in m["ReferenceDesignator"]]
                if items:
                    run(c.InstallComponents(parent_serial=serial, installed_at=at(t + seq),
                                            station=f"{p}-SMT", operation=op["ID"], items=items),
                        source="cfx")
                run(c.RecordOperation(serial=serial, operation=op["ID"], station=f"{p}-{op['ID']}",
                                      started_at=at(t + seq), completed_at=at(t + seq + 0.5), result="pass"),
                    source="cfx")

        # As built = the BOM of revision B, per operation, from the WMS's reels.
        with store.read() as session:
            trace = genealogy.backward(session, boards[0])
        built = sorted((m.operation, m.reference_designator, m.lot) for m in trace.materials)
        assert built == sorted([("PASTE", None, f"{p}-PASTE-LOT"), ("SMT", "C1", reels["CAP"]),
                                ("SMT", "C2", reels["CAP"]), ("SMT", "R1", reels["RES"]),
                                ("SMT", "R2", reels["RES"]), ("SMT", "U1", reels["IC"])])
        assert {m.date_code for m in trace.materials} == {"2647"}

        # PLM publishes C: the order stays on B.
        r = api.put(f"/api/v1/plm/routings/{p}-BRD/C", json=routing_doc(p, extra_ref="R3"))
        assert r.status_code == 201
        run(c.SyncWorkOrder(number=f"{p}-WO", part_number=f"{p}-BRD", quantity=2, status="released",
                            source_system="ERP", version=2))
        assert api.get(f"/api/v1/plm/work-orders/{p}-WO/routing").json()["revision"] == "B"

        # The order completes; consumption goes to the WMS, once, even when the relay runs again.
        run(c.ChangeWorkOrderStatus(number=f"{p}-WO", status="completed"))
        run(c.ChangeWorkOrderStatus(number=f"{p}-WO", status="closed"))
        client = WmsClient(WmsSettings(url=wms_url, token=TOKEN))
        try:
            assert relay(store, client).drain() == 1
            assert relay(store, client).drain() == 0
        finally:
            client.close()
        assert api.get("/api/v1/wms/outbox", params={"status": "pending"}).json() == []

    [report] = fake.booked_at("/consumption")
    assert len([d for d in fake.deliveries if d[0] == "/consumption"]) == 1
    assert report["WorkOrderID"] == f"{p}-WO" and report["WorkOrderStatus"] == "completed"
    consumed = {(x["OperationsSegmentID"], x["MaterialLotID"]): x["Quantity"]
                for x in report["MaterialConsumed"]}
    assert consumed == {("PASTE", f"{p}-PASTE-LOT"): 1.0, ("SMT", reels["CAP"]): 4.0,
                        ("SMT", reels["RES"]): 4.0, ("SMT", reels["IC"]): 2.0}
