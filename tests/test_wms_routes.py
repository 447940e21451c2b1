"""WMS's REST hooks: receipt, split, quarantine, release, issue; resends; refusals naming the WMS field."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.plm_wms_support import app_client, define_parts, row_counts
from traceability.models import MaterialLot


@pytest.fixture
def client(store, database_url, uid):
    define_parts(store, uid)
    with app_client(database_url) as client:
        yield client


def _receipt(p, lot="LOT-1", **over):
    return {"ID": f"{p}-{lot}", "MaterialDefinitionID": f"{p}-CAP", "Quantity": 10000, "UnitOfMeasure": "EA",
            "SupplierID": "Murata", "SupplierLotID": "MU-778", "DateCode": "2645",
            "StorageLocation": "WH1-A-03", "ReceiptDate": "2026-11-30T08:00:00Z", **over}


def _post(client, path, body, key=None):
    return client.post(f"/api/v1/wms{path}", json=body, headers={"Idempotency-Key": key} if key else {})


def _lot(store, code):
    with store.read() as session:
        return session.scalars(select(MaterialLot).where(MaterialLot.lot_code == code)).one()


def test_receipt_with_supplier_data_and_resend(client, store, uid):
    r = _post(client, "/lots", _receipt(uid), key=f"{uid}-r1")
    assert r.status_code == 201 and r.json() == {"lot": f"{uid}-LOT-1", "created": True}
    lot = _lot(store, f"{uid}-LOT-1")
    assert (lot.supplier, lot.supplier_lot, lot.date_code, lot.location, lot.quantity) == \
        ("Murata", "MU-778", "2645", "WH1-A-03", 10000)
    assert lot.received_at.isoformat() == "2026-11-30T08:00:00+00:00"
    before = row_counts(store)
    again = _post(client, "/lots", _receipt(uid), key=f"{uid}-r1")
    assert again.status_code == 201 and again.json() == {**r.json(), "replayed": True}
    assert row_counts(store) == before
    other = _post(client, "/lots", _receipt(uid, Quantity=5), key=f"{uid}-r1")
    assert other.status_code == 409 and other.json()["error"]["field"] == "messageId"
    # The WMS calls twice under two keys: the lot is there once.
    twice = _post(client, "/lots", _receipt(uid), key=f"{uid}-r2")
    assert twice.json() == {"lot": f"{uid}-LOT-1", "created": False}
    assert row_counts(store) == before | {"inbound_message": before["inbound_message"] + 1}


@pytest.mark.parametrize("over, field, words", [
    ({"MaterialDefinitionID": "NOPE"}, "MaterialDefinitionID", "unknown part"),
    ({"Quantity": -1}, "Quantity", "greater than or equal to 0"),
    ({"Quantity": "lots"}, "Quantity", "valid number"),
    ({"ReceiptDate": "2026-11-30T08:00:00"}, "ReceiptDate", "timezone"),
    ({"ParentMaterialLotID": "NOPE"}, "ParentMaterialLotID", "unknown material lot"),
    ({"ID": ""}, "ID", "at least 1"),
    ({"Shelf": 3}, "Shelf", "Extra inputs"),
])
def test_bad_receipts_are_refused_naming_the_field(client, store, uid, over, field, words):
    before = row_counts(store)
    r = _post(client, "/lots", _receipt(uid, **over), key=f"{uid}-bad")
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field and words in r.json()["error"]["message"], r.json()
    assert row_counts(store) == before


def test_receipt_of_a_lot_known_for_another_part(client, uid):
    assert _post(client, "/lots", _receipt(uid)).status_code == 201
    r = _post(client, "/lots", _receipt(uid, MaterialDefinitionID=f"{uid}-RES"))
    assert r.status_code == 409 and r.json()["error"]["field"] == "ID"


def test_split_quarantine_release_issue(client, store, uid):
    assert _post(client, "/lots", _receipt(uid), key=f"{uid}-r").status_code == 201
    lot, reel = f"{uid}-LOT-1", f"{uid}-REEL-1"
    split = {"MaterialSublotID": reel, "Quantity": 4000, "StorageLocation": "WH1-B-01"}
    r = _post(client, f"/lots/{lot}/split", split, key=f"{uid}-s")
    assert r.status_code == 201 and r.json() == {"lot": lot, "new_lot": reel, "remaining": 6000}
    before = row_counts(store)
    assert _post(client, f"/lots/{lot}/split", split, key=f"{uid}-s").json()["replayed"] is True
    assert row_counts(store) == before and _lot(store, lot).quantity == 6000
    child = _lot(store, reel)
    parent_id = _lot(store, lot).id
    assert (child.parent_lot_id, child.date_code, child.supplier_lot) == (parent_id, "2645", "MU-778")

    r = _post(client, f"/lots/{reel}/quarantine", {"Reason": "MSL exceeded"}, key=f"{uid}-q")
    assert r.json() == {"lot": reel, "status": "quarantined", "changed": True}
    assert _post(client, f"/lots/{reel}/quarantine", {"Reason": "MSL exceeded"}, key=f"{uid}-q").json() \
        == {"lot": reel, "status": "quarantined", "changed": True, "replayed": True}
    assert _lot(store, reel).status == "quarantined"
    r = _post(client, f"/lots/{reel}/release", {"Reason": "baked 24h"}, key=f"{uid}-rel")
    assert r.json()["status"] == "released" and _lot(store, reel).status == "released"

    r = _post(client, f"/lots/{reel}/issue", {"Line": "SMT-L1", "Station": "SMT-L1-P1"}, key=f"{uid}-i")
    assert r.json() == {"lot": reel, "location": "SMT-L1-P1", "changed": True}
    assert _lot(store, reel).location == "SMT-L1-P1"
    assert _post(client, f"/lots/{lot}/issue", {"Line": "SMT-L2"}).json()["location"] == "SMT-L2"


@pytest.mark.parametrize("path, body, status, field", [
    ("/lots/{p}-NOPE/split", {"MaterialSublotID": "{p}-R9", "Quantity": 1}, 422, "id"),
    ("/lots/{p}-LOT-1/split", {"MaterialSublotID": "{p}-R9", "Quantity": 20000}, 422, "Quantity"),
    ("/lots/{p}-LOT-1/split", {"MaterialSublotID": "{p}-LOT-1", "Quantity": 1}, 409, "MaterialSublotID"),
    ("/lots/{p}-LOT-1/split", {"MaterialSublotID": "{p}-R9", "Quantity": 0}, 422, "Quantity"),
    ("/lots/{p}-NOPE/quarantine", {"Reason": "x"}, 422, "id"),
    ("/lots/{p}-NOPE/release", {}, 422, "id"),
    ("/lots/{p}-LOT-1/issue", {}, 422, "body"),
    ("/lots/{p}-NOPE/issue", {"Line": "L1"}, 422, "id"),
])
def test_bad_lot_moves_are_refused(client, store, uid, path, body, status, field):
    assert _post(client, "/lots", _receipt(uid)).status_code == 201
    before = row_counts(store)
    body = {k: v.format(p=uid) if isinstance(v, str) else v for k, v in body.items()}
    r = _post(client, path.format(p=uid), body, key=f"{uid}-bad")
    assert r.status_code == status, r.text
    assert r.json()["error"]["field"] == field, r.json()
    assert row_counts(store) == before


@pytest.mark.parametrize("path, body, other", [
    ("/lots/{p}-LOT-1/split", {"MaterialSublotID": "{p}-R1", "Quantity": 10},
     {"MaterialSublotID": "{p}-R1", "Quantity": 20}),
    ("/lots/{p}-LOT-1/quarantine", {"Reason": "MSL"}, {"Reason": "ESD"}),
    ("/lots/{p}-LOT-1/release", {"Reason": "ok"}, {"Reason": "baked"}),
    ("/lots/{p}-LOT-1/issue", {"Line": "L1"}, {"Line": "L2"}),
])
def test_every_hook_replays_a_resend_and_refuses_another_body_under_its_key(client, store, uid, path,
                                                                             body, other):
    assert _post(client, "/lots", _receipt(uid)).status_code == 201

    def fill(b):
        return {k: v.format(p=uid) if isinstance(v, str) else v for k, v in b.items()}

    first = _post(client, path.format(p=uid), fill(body), key=f"{uid}-k")
    assert first.status_code in (200, 201), first.text
    before = row_counts(store)
    again = _post(client, path.format(p=uid), fill(body), key=f"{uid}-k")
    assert again.status_code == first.status_code and again.json() == {**first.json(), "replayed": True}
    conflict = _post(client, path.format(p=uid), fill(other), key=f"{uid}-k")
    assert conflict.status_code == 409 and conflict.json()["error"]["field"] == "messageId"
    assert row_counts(store) == before


def test_every_event_the_wms_hooks_write_is_in_the_catalog(client, store, uid):
    from traceability.event_payloads import PAYLOADS
    from traceability.events import CATALOG
    from traceability.models import OutboxEvent

    lot = f"{uid}-LOT-1"
    assert _post(client, "/lots", _receipt(uid)).status_code == 201
    _post(client, f"/lots/{lot}/split", {"MaterialSublotID": f"{uid}-R1", "Quantity": 5})
    _post(client, f"/lots/{lot}/quarantine", {"Reason": "MSL"})
    _post(client, f"/lots/{lot}/release", {})
    _post(client, f"/lots/{lot}/issue", {"Line": "SMT-L1"})
    with store.read() as session:
        rows = session.scalars(select(OutboxEvent).where(OutboxEvent.destination == "events",
                                                         OutboxEvent.aggregate_id == lot)
                               .order_by(OutboxEvent.id)).all()
    assert [r.type for r in rows] == ["lot.received", "lot.split", "lot.status", "lot.status", "lot.issued"]
    for row in rows:
        assert row.aggregate_type == CATALOG[row.type].aggregate and row.version == CATALOG[row.type].version
        PAYLOADS[row.type].model_validate(row.payload)
