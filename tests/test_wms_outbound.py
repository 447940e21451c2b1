"""What the WMS is told, through the outbox to a fake WMS over HTTP: consumption per work order,
pallets packed, quarantine requests from holds; retried, and never booked twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from integrations.wms.client import WmsClient, relay
from integrations.wms.settings import WmsSettings
from tests.fake_systems import TOKEN, FakeWms, serve
from tests.plm_wms_support import app_client, define_parts
from traceability import commands as c
from traceability.database import Store, make_engine
from traceability.models import OutboxEvent
from traceability.policy import Policy

T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
def reporting(database_url):
    store = Store(make_engine(database_url), policy=Policy(report_to_wms=True))
    yield store
    store.dispose()


def drain_leftovers(store):
    """Deliver what earlier tests left for a WMS (the database is shared) to a scratch fake, so this
    test's counts are its own."""
    with serve(FakeWms()) as url:
        client = WmsClient(WmsSettings(url=url, token=TOKEN))
        relay(store, client, tries=1, max_wait=0.01).drain()
        client.close()


@pytest.fixture
def wms(reporting):
    drain_leftovers(reporting)
    fake = FakeWms()
    with serve(fake) as url:
        client = WmsClient(WmsSettings(url=url, token=TOKEN))
        yield fake, client
        client.close()


def _run(store, *cmds):
    with store.write() as session:
        return [c.execute(session, cmd) for cmd in cmds]


def _build(store, p, boards=(1, 2), minute=1):
    """Boards of the order get a capacitor from each reel and a resistor."""
    _run(store, c.RegisterUnits(work_order=f"{p}-WO", units=[
        c.NewUnit(serial=f"{p}-B{i}", part_number=f"{p}-BRD", kind="board") for i in boards]))
    for i in boards:
        _run(store, c.InstallComponents(
            parent_serial=f"{p}-B{i}", installed_at=T0 + timedelta(minutes=minute + i), station=f"{p}-SMT",
            operation="SMT", items=[c.InstalledItem(lot=f"{p}-CAP-1", reference_designator="C1"),
                                    c.InstalledItem(lot=f"{p}-CAP-2", reference_designator="C2"),
                                    c.InstalledItem(lot=f"{p}-RES-1", reference_designator="R1")]))


def _plant(store, p):
    define_parts(store, p)
    _run(store, c.SyncWorkOrder(number=f"{p}-WO", part_number=f"{p}-BRD", quantity=3, status="released"),
         *[c.ReceiveLot(lot=f"{p}-{lot}", part_number=f"{p}-{lot[:3]}", quantity=100)
           for lot in ("CAP-1", "CAP-2", "RES-1")])


def _wms_rows(store, p):
    with store.read() as session:
        return session.scalars(select(OutboxEvent).where(
            OutboxEvent.destination == "wms", OutboxEvent.aggregate_id.like(f"{p}%"))
            .order_by(OutboxEvent.id)).all()


def test_consumption_is_reported_once_with_retries_and_redelivery(reporting, wms, uid):
    fake, client = wms
    _plant(reporting, uid)
    _build(reporting, uid)
    _run(reporting, c.ChangeWorkOrderStatus(number=f"{uid}-WO", status="completed"))
    _run(reporting, c.ChangeWorkOrderStatus(number=f"{uid}-WO", status="closed"))  # nothing new to report
    [row] = _wms_rows(reporting, uid)
    fake.fail_next = 2  # the WMS is busy twice: tenacity's quick retries get it through
    assert relay(reporting, client, max_wait=0.01).drain() == 1
    assert relay(reporting, client).drain() == 0
    [report] = fake.booked_at("/consumption")
    assert report["ReportID"] == row.event_id and report["WorkOrderID"] == f"{uid}-WO"
    used = report["MaterialConsumed"]
    assert [(x["MaterialLotID"], x["OperationsSegmentID"], x["Quantity"]) for x in used] == [
        (f"{uid}-CAP-1", "SMT", 2), (f"{uid}-CAP-2", "SMT", 2), (f"{uid}-RES-1", "SMT", 2)]
    assert [key for _, key, _ in fake.deliveries] == [row.event_id] * 3

    # A relay that died after sending but before marking: the row is delivered again, same key.
    with reporting.write() as session:
        session.execute(OutboxEvent.__table__.update().where(OutboxEvent.id == row.id)
                        .values(status="pending", next_attempt_at=None))
    assert relay(reporting, client).drain() == 1
    assert len(fake.deliveries) == 4 and len(fake.booked_at("/consumption")) == 1


def test_a_reopened_order_reports_only_what_is_new(reporting, wms, uid):
    fake, client = wms
    _plant(reporting, uid)
    _build(reporting, uid, boards=(1,))
    _run(reporting, c.ChangeWorkOrderStatus(number=f"{uid}-WO", status="completed"))
    _run(reporting, c.ChangeWorkOrderStatus(number=f"{uid}-WO", status="in_progress"))
    _build(reporting, uid, boards=(2, 3), minute=10)
    _run(reporting, c.ChangeWorkOrderStatus(number=f"{uid}-WO", status="completed"))
    relay(reporting, client).drain()
    reports = [r for r in fake.booked_at("/consumption") if r["WorkOrderID"] == f"{uid}-WO"]
    assert [[x["Quantity"] for x in r["MaterialConsumed"]] for r in reports] == [[1, 1, 1], [2, 2, 2]]


def test_pallets_and_quarantine_requests(reporting, wms, uid):
    fake, client = wms
    _plant(reporting, uid)
    _build(reporting, uid)
    _run(reporting,
         c.Pack(container=f"{uid}-BOX-1", kind="box", packed_at=T0 + timedelta(hours=1),
                items=[c.PackedItem(serial=f"{uid}-B1"), c.PackedItem(serial=f"{uid}-B2")]),
         c.Pack(container=f"{uid}-PAL-1", kind="pallet", packed_at=T0 + timedelta(hours=2),
                items=[c.PackedItem(container=f"{uid}-BOX-1")]))
    [held] = _run(reporting, c.PlaceHold(target_kind="lot", target=f"{uid}-CAP-2", reason="supplier alert",
                                         by="qe-7"))
    _run(reporting, c.ReleaseHold(hold_id=held["hold_id"], by="qe-7"))
    # A hold on a unit is not the warehouse's business.
    _run(reporting, c.PlaceHold(target_kind="unit", target=f"{uid}-B1", reason="x-ray", by="qe-7"))
    assert relay(reporting, client).drain() == 3
    [pallet] = fake.booked_at("/pallets")
    assert pallet["PalletID"] == f"{uid}-PAL-1" and pallet["Boxes"] == [f"{uid}-BOX-1"]
    assert pallet["Contents"] == [{"MaterialDefinitionID": f"{uid}-BRD", "Quantity": 2}]
    paths = [p for p, _, _ in fake.deliveries]
    lot = f"{uid}-CAP-2"
    assert paths[-2:] == [f"/lots/{lot}/quarantine-requests", f"/lots/{lot}/release-requests"]
    [request] = fake.booked_at(f"/lots/{lot}/quarantine-requests")
    assert request == {"MaterialLotID": lot, "Reason": "supplier alert", "RequestedBy": "qe-7",
                       "HoldID": held["hold_id"], "CaseID": None}


def test_nothing_is_written_for_a_wms_when_none_is_configured(store, uid):
    _plant(store, uid)
    _build(store, uid)
    _run(store, c.ChangeWorkOrderStatus(number=f"{uid}-WO", status="completed"))
    assert _wms_rows(store, uid) == []


def test_an_unreachable_wms_leaves_visible_failures_that_can_be_retried(reporting, database_url, uid):
    drain_leftovers(reporting)
    _plant(reporting, uid)
    _build(reporting, uid)
    _run(reporting, c.ChangeWorkOrderStatus(number=f"{uid}-WO", status="completed"))
    fake = FakeWms(fail_next=10**6)
    with serve(fake) as url:
        client = WmsClient(WmsSettings(url=url, token=TOKEN))
        deliveries = relay(reporting, client, tries=1, max_attempts=2, base_delay=0.0, max_delay=0.0)
        for _ in range(3):
            deliveries.run_once()
        with app_client(database_url, url=url, token=TOKEN) as api:
            failed = api.get("/api/v1/wms/outbox", params={"status": "failed"}).json()
            mine = [f for f in failed if f["aggregate_id"] == f"{uid}-WO"]
            assert len(mine) == 1 and mine[0]["attempts"] == 2 and "503" in mine[0]["last_error"]
            assert api.post("/api/v1/wms/outbox/retry").json()["requeued"] >= 1
        fake.fail_next = 0
        assert relay(reporting, client).drain() >= 1
        client.close()
    assert [r["WorkOrderID"] for r in fake.booked_at("/consumption")] == [f"{uid}-WO"]


def test_cli_deliver_once(tmp_path, uid):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from traceability.schema import upgrade

    url = f"sqlite:///{tmp_path / 'wms.db'}"
    store = Store(make_engine(url), policy=Policy(report_to_wms=True))
    upgrade(store.engine)
    _plant(store, uid)
    _build(store, uid)
    _run(store, c.ChangeWorkOrderStatus(number=f"{uid}-WO", status="completed"))
    store.dispose()
    fake = FakeWms()
    with serve(fake) as wms_url:
        env = {**os.environ, "TRACEBRIDGE_DATABASE_URL": url, "TRACEBRIDGE_WMS_URL": wms_url,
               "TRACEBRIDGE_WMS_TOKEN": TOKEN}
        cmd = [str(Path(sys.executable).parent / "tracebridge"), "wms", "deliver", "--once"]
        first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "1 message(s) delivered" in first.stdout and "0 message(s) delivered" in again.stdout
    assert [r["WorkOrderID"] for r in fake.booked_at("/consumption")] == [f"{uid}-WO"]
