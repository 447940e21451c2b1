"""The ERP's REST hook: B2MML production orders in by PUT, read back, transitions, resends, versions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from tests.erp_support import plant, served, written


@pytest.fixture
def erp(store, database_url, uid):
    with served(create_app(Settings(database_url=database_url))) as base, \
            httpx.Client(base_url=f"{base}/api/v1/erp", timeout=10) as client:
        yield client, plant(store, uid)


def order(p, **over):
    body = {"Version": 1, "MaterialDefinitionID": p["part"], "MaterialDefinitionRevision": "A",
            "Quantity": {"QuantityString": "500", "UnitOfMeasure": "EA"},
            "OperationsDefinitionVersion": "R1", "EndTime": "2026-12-15", "RequestState": "Planned",
            "EquipmentID": "SMT-L1"}
    return {**body, **over}


def test_put_get_and_transitions(erp, uid):
    client, p = erp
    r = client.put(f"/work-orders/{p['wo']}", json=order(p), headers={"Idempotency-Key": f"{uid}-1"})
    assert r.status_code == 200, r.text
    assert r.json() == {"ID": p["wo"], "RequestState": "Planned", "Version": 1, "Revision": 1}
    got = client.get(f"/work-orders/{p['wo']}").json()
    assert got["ProductionOrder"] == {
        "ID": p["wo"], "Version": 1, "MaterialDefinitionID": p["part"], "MaterialDefinitionRevision": "A",
        "Quantity": {"QuantityString": "500.0", "UnitOfMeasure": "EA"}, "OperationsDefinitionVersion": "R1",
        "EndTime": "2026-12-15", "RequestState": "Planned", "EquipmentID": "SMT-L1"}
    assert got["Revision"] == 1
    r = client.post(f"/work-orders/{p['wo']}/release", headers={"Idempotency-Key": f"{uid}-2"})
    assert r.json()["RequestState"] == "Released"
    r = client.post(f"/work-orders/{p['wo']}/cancel", json={"Reason": "customer cancelled"})
    assert r.json() == {"ID": p["wo"], "RequestState": "Cancelled", "Version": 1, "Revision": 3}
    r = client.post(f"/work-orders/{p['wo']}/release")
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "RequestState" and "cancelled" in r.json()["error"]["message"]


def test_a_resend_gets_the_first_answer_and_writes_nothing(erp, uid, store):
    client, p = erp
    first = client.put(f"/work-orders/{p['wo']}", json=order(p), headers={"Idempotency-Key": f"{uid}-k"})
    before = written(store, uid)
    again = client.put(f"/work-orders/{p['wo']}", json=order(p), headers={"Idempotency-Key": f"{uid}-k"})
    assert again.status_code == 200 and again.json() == {**first.json(), "Replayed": True}
    assert written(store, uid) == before
    other = client.put(f"/work-orders/{p['wo']}", json=order(p, Quantity={"QuantityString": "9"}),
                       headers={"Idempotency-Key": f"{uid}-k"})
    assert other.status_code == 409 and other.json()["error"]["field"] == "messageId"
    assert written(store, uid) == before


def test_an_older_version_after_a_newer_one_changes_nothing(erp, uid):
    client, p = erp
    client.put(f"/work-orders/{p['wo']}", json=order(p, Version=3, Quantity={"QuantityString": "300"}))
    late = client.put(f"/work-orders/{p['wo']}", json=order(p, Version=2, Quantity={"QuantityString": "200"}))
    assert late.status_code == 200
    assert late.json()["Version"] == 3 and "older" in late.json()["Ignored"]
    got = client.get(f"/work-orders/{p['wo']}").json()["ProductionOrder"]
    assert got["Quantity"]["QuantityString"] == "300.0" and got["Version"] == 3
    newer = client.put(f"/work-orders/{p['wo']}",
                       json=order(p, Version=4, Quantity={"QuantityString": "400"}))
    assert newer.json()["Version"] == 4 and newer.json()["Revision"] == 2


@pytest.mark.parametrize(("change", "field"), [
    ({"MaterialDefinitionID": None}, "MaterialDefinitionID"),
    ({"Quantity": {"QuantityString": "many"}}, "Quantity.QuantityString"),
    ({"Quantity": {"QuantityString": "-1"}}, "Quantity.QuantityString"),
    ({"Version": "newest"}, "Version"),
    ({"EndTime": "31/12/2026"}, "EndTime"),
    ({"RequestState": "Done"}, "RequestState"),
    ({"Colour": "red"}, "Colour"),
    ({"MaterialDefinitionID": "NO-SUCH-PART"}, "MaterialDefinitionID"),
    ({"MaterialDefinitionRevision": "Z"}, "MaterialDefinitionRevision"),
    ({"OperationsDefinitionVersion": "R9"}, "OperationsDefinitionVersion"),
    ({"ID": "ANOTHER"}, "ID"),
])
def test_bad_input_is_refused_naming_the_field(erp, uid, store, change, field):
    client, p = erp
    body = {k: v for k, v in order(p, **change).items() if v is not None}
    r = client.put(f"/work-orders/{p['wo']}", json=body, headers={"Idempotency-Key": f"{uid}-bad"})
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["error"]["field"] == field, r.json()
    assert written(store, uid) == (0, 0, 0)


def test_malformed_json_and_unknown_work_order(erp, uid, store):
    client, p = erp
    r = client.put(f"/work-orders/{p['wo']}", content=b'{"Version": 1,',
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert client.get(f"/work-orders/{uid}-NONE").status_code == 404
    assert client.post(f"/work-orders/{uid}-NONE/close").json()["error"]["field"] == "ID"
    assert written(store, uid) == (0, 0, 0)


def test_an_oversized_body_is_refused_before_it_is_read(store, database_url, uid):
    settings = Settings(database_url=database_url, max_body_bytes=10_000)
    with served(create_app(settings)) as base, httpx.Client(base_url=f"{base}/api/v1/erp") as client:
        p = plant(store, uid)
        body = order(p, EquipmentID="L" * 20_000)
        r = client.put(f"/work-orders/{p['wo']}", json=body)
        assert r.status_code == 413 and r.json()["error"]["field"] == "body"

        def chunks():  # no Content-Length: read only up to the limit
            yield b'{"EquipmentID": "'
            for _ in range(20):
                yield b"L" * 1000
            yield b'"}'

        r = client.put(f"/work-orders/{p['wo']}", content=chunks(),
                       headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        assert client.put(f"/work-orders/{p['wo']}", json=order(p)).status_code == 200
        assert written(store, uid)[0] == 1


def test_concurrent_resends_and_versions_settle_on_the_newest(erp, uid, store):
    client, p = erp
    url = f"/work-orders/{p['wo']}"

    def put(i: int) -> httpx.Response:
        if i < 4:  # the same message four times at once
            return client.put(url, json=order(p, Version=1), headers={"Idempotency-Key": f"{uid}-same"})
        return client.put(url, json=order(p, Version=i, Quantity={"QuantityString": str(i)}))

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(put, range(8)))
    assert [r.status_code for r in answers] == [200] * 8, [r.text for r in answers]
    got = client.get(url).json()["ProductionOrder"]
    assert got["Version"] == 7 and got["Quantity"]["QuantityString"] == "7.0"
    assert written(store, uid)[:2] == (1, 1)  # one work order, one accepted message for the key
