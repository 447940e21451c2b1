"""Device status: reports merge per source; a change of status is an event; the API lists them."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.app import create_app
from gateway.settings import Settings
from traceability import commands as c
from traceability.models import OutboxEvent


def test_reports_merge_and_status_changes_are_events(store, database_url, uid):
    src = f"{uid}/SMT-1"
    now = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
    for cmd in [
        c.ReportDeviceStatus(source=src, kind="cfx", status="connected", station="SMT-1", seen_at=now,
                             messages=3, clock_offset_s=0.4),
        c.ReportDeviceStatus(source=src, kind="cfx", messages=2, problems={"unknown_unit": 1}),
        c.ReportDeviceStatus(source=src, kind="cfx", messages=1, problems={"unknown_unit": 2}),
        c.ReportDeviceStatus(source=src, kind="cfx", status="lost", error="heartbeat missed"),
    ]:
        with store.write() as session:
            c.execute(session, cmd)
    with store.read() as session:
        types = session.scalars(select(OutboxEvent.type).where(OutboxEvent.aggregate_id == src)
                                .order_by(OutboxEvent.id)).all()
    assert types == ["device.connected", "device.lost"]
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        [dev] = [d for d in client.get("/api/v1/devices").json() if d["source"] == src]
    assert dev["status"] == "lost" and dev["messages"] == 6 and dev["station"] == "SMT-1"
    assert dev["problems"] == {"unknown_unit": 3} and dev["last_error"] == "heartbeat missed"
    assert dev["clock_offset_s"] == 0.4
