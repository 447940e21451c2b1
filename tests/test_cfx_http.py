"""CFX over `POST /api/v1/cfx`: the line story, redelivery, out-of-order, dead letters, requeue."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import Settings
from tests.cfx_support import Line, assert_line, envelope, master_data, snapshot, t


@pytest.fixture
def client(database_url):
    with TestClient(create_app(Settings(database_url=database_url))) as c:
        yield c


def test_a_panel_through_smt_aoi_rework_and_ict(client, store, uid):
    line = Line(uid)
    master_data(store, uid)
    answer = client.post("/api/v1/cfx", json=line.messages())
    assert answer.status_code == 200, answer.text
    assert {r["status"] for r in answer.json()["results"]} == {"applied"}
    first = snapshot(store, line)
    assert_line(first)

    # Every message delivered again, one by one and as a batch: nothing changes.
    for message in _sent(answer):
        again = client.post("/api/v1/cfx", json=message)
        assert again.json()["results"][0]["status"] == "replayed"
    assert client.post("/api/v1/cfx", json=_sent(answer)).status_code == 200
    assert snapshot(store, line) == first

    devices = {d["source"]: d for d in client.get("/api/v1/devices").json()}
    smt = devices[line.smt]
    assert smt["kind"] == "cfx" and smt["status"] == "connected" and smt["messages"] >= 5
    # The fixed 2026-11-02 timestamps are weeks behind the receive time: flagged as drift.
    assert smt["problems"]["clock_drift"] >= 5 and smt["clock_offset_s"] < -86400


def _sent(answer) -> list[dict]:  # type: ignore[no-untyped-def]
    return answer.request.content and json.loads(answer.request.content)


def test_materials_installed_before_its_work_started_is_held_then_applied(client, store, uid):
    line = Line(uid)
    master_data(store, uid)
    client.post("/api/v1/cfx", json=[line.loaded(), line.splice()])
    early = client.post("/api/v1/cfx", json=line.installed()).json()["results"][0]
    assert early["status"] == "held" and line.panel in early["reason"]
    held = client.get("/api/v1/dead-letters", params={"status": "held"}).json()
    assert [h["hold_key"] for h in held if h["source"] == line.smt] == [line.tx["smt"]]

    started = client.post("/api/v1/cfx", json=line.work_started(line.smt, line.tx["smt"], t(1))).json()
    assert started["results"][0]["answer"]["released"] == 1
    snap = snapshot(store, line)
    assert snap["B1"][0] == ("C1", "CAP-A", "location") and snap["installations"] == 10
    released = client.get("/api/v1/dead-letters", params={"status": "applied", "source": line.smt}).json()
    assert len(released) == 1 and released[0]["resolved_at"]
    problems = {d["source"]: d for d in client.get("/api/v1/devices").json()}[line.smt]["problems"]
    assert problems["unknown_unit"] >= 1


def test_bad_messages_are_dead_lettered_with_the_field_and_requeueable(client, store, uid):
    line = Line(uid)
    master_data(store, uid)
    no_id = envelope("CFX.Production.WorkStarted", line.smt, t(1), {"TransactionID": "x"})
    del no_id["UniqueID"]
    answer = client.post("/api/v1/cfx", json=no_id)
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "UniqueID"

    # A reel WMS has not announced yet: unprocessable now, applied once the lot exists.
    load = envelope("CFX.Materials.Storage.MaterialsLoaded", line.smt, t(0), {"Materials": [
        {"LocationIdentifier": "F9", "MaterialPackage": {"UniqueIdentifier": f"{uid}-LATE"}}]})
    refused = client.post("/api/v1/cfx", json=load)
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "lot" and "LATE" in refused.json()["error"]["message"]
    [dead] = [d for d in client.get("/api/v1/dead-letters", params={"source": line.smt}).json()
              if d["message_id"] == load["UniqueID"]]
    assert dead["status"] == "dead" and dead["field"] == "lot" and dead["message_name"].endswith("Loaded")
    assert client.post(f"/api/v1/dead-letters/{dead['id']}/requeue").status_code == 422  # still no lot

    from traceability import commands as c
    with store.write() as session:
        c.execute(session, c.ReceiveLot(lot=f"{uid}-LATE", part_number=f"{uid}-CAP", quantity=10))
    done = client.post(f"/api/v1/dead-letters/{dead['id']}/requeue")
    assert done.status_code == 200 and done.json()["results"][0]["status"] == "applied"
    after = client.get("/api/v1/dead-letters", params={"status": "applied", "source": line.smt}).json()
    assert [d["id"] for d in after] == [dead["id"]]
    assert client.post("/api/v1/dead-letters/999999999/requeue").status_code == 404
    # A redelivery of the now-applied message is a replay.
    assert client.post("/api/v1/cfx", json=load).json()["results"][0]["status"] == "replayed"


def test_unknown_message_names_are_recorded_and_acknowledged(client, uid):
    message = envelope("CFX.Production.ToolsUsed", f"{uid}.PRESS1", t(0), {"Tools": []})
    answer = client.post("/api/v1/cfx", json=message)
    assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "ignored"
    ignored = client.get("/api/v1/dead-letters", params={"status": "ignored", "source": f"{uid}.PRESS1",
                                                         "with_body": True}).json()
    assert json.loads(ignored[0]["body"])["MessageName"] == "CFX.Production.ToolsUsed"
    assert client.post("/api/v1/cfx", json=message).status_code == 200
    assert len(client.get("/api/v1/dead-letters", params={"status": "ignored",
                                                          "source": f"{uid}.PRESS1"}).json()) == 1
