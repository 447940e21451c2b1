"""The quality REST hooks: interlock check, holds placed and released idempotently, unit holds."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import Settings
from tests import quality_plant


@pytest.fixture
def client(database_url):
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        yield client


def test_check_answers_go_and_no_go_with_reasons(store, client, uid):
    plant = quality_plant.build(store, uid)
    plant.op(store, "U1", "PASTE", 1)
    ok = client.post(f"/api/v1/units/{plant.n('U1')}/check", json={"station": "S", "operation": "SMT"})
    assert ok.status_code == 200 and ok.json()["go"] is True and ok.json()["reasons"] == []
    no = client.post(f"/api/v1/units/{plant.n('U1')}/check", json={"station": "S", "operation": "AOI"}).json()
    assert no["go"] is False and [r["code"] for r in no["reasons"]] == ["skipped"]
    bad = client.post(f"/api/v1/units/{plant.n('U1')}/check", json={"station": ""})
    assert bad.status_code == 422 and {f["field"] for f in bad.json()["error"]["fields"]} == {
        "station", "operation"}


def test_holds_are_placed_and_released_once_per_key(store, client, uid):
    plant = quality_plant.build(store, uid)
    body = {"target_kind": "unit", "target": plant.n("U1"), "reason": "MRB", "by": "qe-1"}
    first = client.post("/api/v1/holds", json=body, headers={"Idempotency-Key": f"{uid}-h1"})
    again = client.post("/api/v1/holds", json=body, headers={"Idempotency-Key": f"{uid}-h1"})
    assert first.status_code == 201 and again.json()["replayed"] is True
    hold_id = first.json()["hold_id"]
    other = client.post("/api/v1/holds", json={**body, "reason": "other"},
                        headers={"Idempotency-Key": f"{uid}-h1"})
    assert other.status_code == 409
    unknown = client.post("/api/v1/holds", json={**body, "target": "ghost"})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "target"
    [listed] = client.get("/api/v1/holds", params={"target": plant.n("U1")}).json()
    assert listed["id"] == hold_id and listed["held_by"] == "qe-1"
    check = client.post(f"/api/v1/units/{plant.n('U1')}/check",
                        json={"station": "S", "operation": "PASTE"}).json()
    assert [r["code"] for r in check["reasons"]] == ["on_hold"]
    released = client.post(f"/api/v1/holds/{hold_id}/release", json={"by": "qe-2"},
                           headers={"Idempotency-Key": f"{uid}-r1"})
    assert released.json()["changed"] is True
    assert client.get("/api/v1/holds", params={"target": plant.n("U1")}).json() == []
    assert client.get(f"/api/v1/units/{plant.n('U1')}/holds").json() == []


def test_unit_holds_name_what_carries_them(store, client, uid):
    plant = quality_plant.build(store, uid)
    client.post("/api/v1/holds", json={"target_kind": "work_order", "target": plant.n("WO"),
                                       "reason": "ECO 17", "by": "pe"})
    [h] = client.get(f"/api/v1/units/{plant.n('P1-1')}/holds").json()
    assert h["via"] == "work_order" and h["target"] == plant.n("WO")
    assert client.get("/api/v1/units/ghost/holds").status_code == 422


def test_containment_over_rest(store, client, uid):
    plant = quality_plant.build(store, uid)
    plant.op(store, "U1", "REFLOW", 3, station=plant.n("OVEN"))
    opened = client.post("/api/v1/containments/windows", headers={"Idempotency-Key": f"{uid}-w"}, json={
        "station": plant.n("OVEN"), "start": "2026-11-03T06:02:00Z", "end": "2026-11-03T06:04:00Z",
        "reason": "oven out of profile", "by": "pe-1"})
    assert opened.status_code == 201 and opened.json()["held"] == 1
    case = opened.json()["case"]
    read = client.get(f"/api/v1/containments/{case}").json()
    assert read["kind"] == "window" and read["scope"]["held"] == [plant.n("U1")] and read["still_held"] == 1
    assert client.get("/api/v1/containments/CC-NOPE").status_code == 404
    lot = client.post("/api/v1/containments", json={"lot": plant.n("REEL-1"), "reason": "r", "by": "b"})
    assert lot.status_code == 201 and lot.json()["held"] == 0
    naive = client.post("/api/v1/containments/windows", json={
        "station": "S", "start": "2026-11-03T06:02:00", "end": "2026-11-03T06:04:00Z",
        "reason": "r", "by": "b"})
    assert naive.status_code == 422 and naive.json()["error"]["field"] == "start"
    assert client.post(f"/api/v1/containments/{case}/release", json={"by": "qe"}).json()["released"] == 1
    after = client.get(f"/api/v1/containments/{case}").json()
    assert after["status"] == "released" and after["still_held"] == 0 and after["released_by"] == "qe"


def test_yield_over_rest(store, client, uid):
    plant = quality_plant.build(store, uid)
    plant.op(store, "U1", "ICT", 1, result="fail")
    plant.op(store, "U1", "ICT", 2)
    plant.op(store, "U2", "ICT", 3)
    rows = client.get("/api/v1/yield", params={"work_order": plant.n("WO"), "group_by": ["operation", "day"]})
    assert rows.json() == [{"group": {"operation": "ICT", "day": "2026-11-03"}, "units": 2, "first_pass": 1,
                            "final_pass": 2, "attempts": 3, "fpy": 0.5, "final_yield": 1.0}]
    bad = client.get("/api/v1/yield", params={"group_by": "shift"})
    assert bad.status_code == 422 and bad.json()["error"]["field"].startswith("group_by")


def test_spc_over_rest(store, client, uid):
    from tests.test_quality_control_charts import BASELINE, _samples

    station = f"{uid}-OVEN"
    _samples(store, station, [*BASELINE, 262], 0)
    code = f"{uid}-PEAK"
    made = client.post("/api/v1/spc/charts", headers={"Idempotency-Key": f"{uid}-c"}, json={
        "code": code, "station": station, "parameter": "peak_temp", "baseline_start": "2026-11-03T06:00:00Z",
        "baseline_end": "2026-11-03T06:19:00Z", "lsl": 235, "usl": 255})
    assert made.status_code == 201 and made.json()["baseline_points"] == 20
    bad = client.post("/api/v1/spc/charts", json={
        "code": "x", "station": station, "parameter": "p", "kind": "imr", "subgroup_size": 3,
        "baseline_start": "2026-11-03T06:00:00Z", "baseline_end": "2026-11-03T06:19:00Z"})
    assert bad.status_code == 422 and "subgroup_size" in bad.json()["error"]["message"]
    assert client.post(f"/api/v1/spc/charts/{code}/evaluate").json()["alarms"] == 3
    data = client.get(f"/api/v1/spc/charts/{code}", params={"limit": 50}).json()
    assert len(data["points"]) == 21 and data["chart"]["ucl"] == made.json()["ucl"]
    assert data["points"][-1]["rules"] == ["nelson-1", "range-1", "out-of-spec"]
    listed = client.get("/api/v1/spc/alarms", params={"chart": code}).json()
    assert {a["rule"] for a in listed} == {"nelson-1", "range-1", "out-of-spec"}
    ack = client.post(f"/api/v1/spc/alarms/{listed[0]['id']}/acknowledge", json={"by": "pe"})
    assert ack.json()["changed"] is True
    assert client.get("/api/v1/spc/charts/nope").status_code == 404
    listed = client.get("/api/v1/spc/charts", params={"station": station}).json()
    assert [c["chart"] for c in listed] == [code]
