"""CFX over RabbitMQ: real envelopes published with pika, consumed by `CfxConsumer` into the store.

Each test declares its own exchange and queue (unique names) and deletes them at the end.
"""

from __future__ import annotations

import base64
import os

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway.app import create_app
from gateway.settings import Settings
from tests.amqp_support import URL, Publisher, TcpProxy, consumers, require_broker, settings_for, wait_for
from tests.cfx_support import Line, assert_line, envelope, master_data, snapshot, t
from traceability import commands as c
from traceability.models import ComponentInstallation, InboundMessage, TestResult, Unit


@pytest.fixture(autouse=True)
def _broker() -> None:
    require_broker()


def _applied(store, sources: list[str]) -> int:  # type: ignore[no-untyped-def]
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(InboundMessage)
                              .where(InboundMessage.source.in_([f"cfx:{s}" for s in sources])))


def test_line_story_redelivery_dead_letters_and_a_large_message(store, database_url, uid):
    line = Line(uid)
    master_data(store, uid)
    settings = settings_for(uid, batch_size=4, prefetch=16)
    publisher = Publisher(settings)
    messages = line.messages()
    late_lot = envelope("CFX.Materials.Storage.MaterialsLoaded", line.smt, t(0), {"Materials": [
        {"LocationIdentifier": "F9", "MaterialPackage": {"UniqueIdentifier": f"{uid}-LATE"}}]})
    # An AOI report with a 4 MB defect image: accepted whole, not cut at a frame size.
    image = base64.b64encode(os.urandom(3 * 1024 * 1024)).decode()
    big = envelope("CFX.Production.TestAndInspection.UnitsInspected", f"{uid}.AOI2", t(50), {
        "TransactionId": None, "InspectionMethod": "AOI", "InspectedUnits": [{
            "UnitIdentifier": line.board(4), "OverallResult": "Failed", "Inspections": [{
                "InspectionName": "COSMETIC", "Result": "Failed", "DefectsFound": [{
                    "DefectCode": "SCR1",
                    "DefectImages": [{"MimeType": "image/jpg", "ImageData": image}]}]}]}]})
    try:
        with consumers(store, URL, settings) as [consumer]:
            for m in messages:
                publisher.publish(m)
            publisher.publish(b"{this is not json", routing_key="CFX.Production.WorkStarted")
            publisher.publish(late_lot)
            publisher.publish(big)
            total = len(messages) + 3
            assert wait_for(lambda: consumer.stats.messages >= total), consumer.stats
            first = snapshot(store, line)
            assert_line(first)
            with store.read() as session:
                defects = session.scalars(select(TestResult.defect_code)
                                          .join(Unit, Unit.id == TestResult.unit_id)
                                          .where(Unit.serial == line.board(4))).all()
            assert "SCR1" in defects

            # Every message delivered a second time: nothing changes.
            for m in messages:
                publisher.publish(m)
            assert wait_for(lambda: consumer.stats.messages >= total + len(messages)), consumer.stats
            assert snapshot(store, line) == first

        with TestClient(create_app(Settings(database_url=database_url))) as client:
            listed = client.get("/api/v1/dead-letters", params={"limit": 1000}).json()
            dead = {d["message_id"]: d for d in listed}
            garbage = [d for d in dead.values() if d["message_id"].startswith("sha256:")
                       and d["received_at"] and d["field"] == "body"]
            assert garbage and "not a CFX envelope" in garbage[-1]["reason"]
            unprocessable = dead[late_lot["UniqueID"]]
            assert unprocessable["field"] == "lot" and unprocessable["source"] == line.smt
            with store.write() as session:
                c.execute(session, c.ReceiveLot(lot=f"{uid}-LATE", part_number=f"{uid}-CAP", quantity=1))
            done = client.post(f"/api/v1/dead-letters/{unprocessable['id']}/requeue")
            assert done.status_code == 200 and done.json()["results"][0]["status"] == "applied"
    finally:
        publisher.close()


def test_broker_connection_cut_mid_stream_loses_nothing(store, uid):
    """Two consumers through a proxy the test cuts while they work: every message lands once."""
    units, per_message = 40, 25
    with store.write() as session:
        c.execute(session, c.DefinePart(part_number=f"{uid}-PRD", serialized=True))
        c.execute(session, c.DefinePart(part_number=f"{uid}-CAP"))
        c.execute(session, c.ReceiveLot(lot=f"{uid}-REEL", part_number=f"{uid}-CAP", quantity=10**6))
        c.execute(session, c.RegisterUnits(units=[c.NewUnit(serial=f"{uid}-U{i}", part_number=f"{uid}-PRD")
                                                  for i in range(units)]))
    sources = [f"{uid}.SMT{k}" for k in range(2)]
    messages = [envelope("CFX.Production.Assembly.MaterialsInstalled", sources[i % 2], t(i), {
        "TransactionId": None, "InstalledMaterials": [{
            "UnitIdentifier": f"{uid}-U{i}", "QuantityInstalled": per_message,
            "Material": {"UniqueIdentifier": f"{uid}-REEL"},
            "InstalledComponents": [{"ReferenceDesignator": f"C{n}", "InstallationTime": t(i).isoformat()}
                                    for n in range(per_message)]}]}) for i in range(units)]
    settings = settings_for(uid, batch_size=3, prefetch=6)
    publisher = Publisher(settings)
    proxy = TcpProxy()
    try:
        with consumers(store, proxy.url, settings, count=2) as running:
            for m in messages:
                publisher.publish(m)
            assert wait_for(lambda: sum(x.stats.messages for x in running) >= 6)
            proxy.cut()
            assert wait_for(lambda: sum(x.stats.connections for x in running) >= 4)
            assert wait_for(lambda: _applied(store, sources) == units and publisher.pending() == 0)
            proxy.cut()  # and once more after the queue drained
            assert wait_for(lambda: sum(x.stats.connections for x in running) >= 6)
        assert _applied(store, sources) == units
        with store.read() as session:
            rows = session.scalar(select(func.count()).select_from(ComponentInstallation)
                                  .join(Unit, Unit.id == ComponentInstallation.parent_unit_id)
                                  .where(Unit.serial.like(f"{uid}-U%")))
        assert rows == units * per_message
    finally:
        proxy.close()
        publisher.close()
