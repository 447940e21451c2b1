"""PLM's REST hook: routing revisions in B2MML, resends, refusals naming the B2MML field, ECOs and
work orders pinned to the revision they were released with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.plm_wms_support import app_client, define_parts, routing_doc, row_counts
from traceability import commands as c


@pytest.fixture
def client(store, database_url, uid):
    define_parts(store, uid)
    with app_client(database_url) as client:
        yield client


def _put(client, p, rev, doc, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.put(f"/api/v1/plm/routings/{p}-BRD/{rev}", json=doc, headers=headers)


def test_publish_read_back_and_resend(client, store, uid):
    doc = routing_doc(uid)
    first = _put(client, uid, "A", doc, key=f"{uid}-1")
    assert first.status_code == 201, first.text
    assert first.json() == {"part_number": f"{uid}-BRD", "revision": "A", "created": True}
    before = row_counts(store)
    again = _put(client, uid, "A", doc, key=f"{uid}-1")
    assert again.status_code == 201 and again.json() == {**first.json(), "replayed": True}
    assert row_counts(store) == before, "a resend wrote something"
    # Same content without a key (or another key): acknowledged, not a second revision.
    assert _put(client, uid, "A", doc).json()["created"] is False
    assert row_counts(store)["routing"] == before["routing"]

    got = client.get(f"/api/v1/plm/routings/{uid}-BRD/A").json()
    assert got["status"] == "released"
    ops = {s["ID"]: s for s in got["OperationsSegment"]}
    assert [s["ID"] for s in got["OperationsSegment"]] == ["PASTE", "SMT", "REFLOW", "AOI"]
    smt = ops["SMT"]["MaterialSpecification"]
    assert [(m["MaterialDefinitionID"], m["ReferenceDesignator"]) for m in smt] == [
        (f"{uid}-CAP", ["C1", "C2"]), (f"{uid}-RES", ["R1"]), (f"{uid}-IC", ["U1"])]
    assert ops["REFLOW"]["Parameter"] == [{"ID": "peak_temp", "UnitOfMeasure": "C", "LowerLimit": 235.0,
                                           "Target": 245.0, "UpperLimit": 255.0, "Required": True}]
    assert ops["SMT"]["EquipmentSpecification"] == [{"EquipmentClassID": "placement"}]
    assert ops["AOI"]["ReworkAllowed"] is True


def test_same_key_other_body_and_changed_revision_are_conflicts(client, store, uid):
    assert _put(client, uid, "A", routing_doc(uid), key=f"{uid}-1").status_code == 201
    before = row_counts(store)
    other = _put(client, uid, "A", routing_doc(uid, ic_on="U9"), key=f"{uid}-1")
    assert other.status_code == 409 and other.json()["error"]["field"] == "messageId"
    # A published revision is never overwritten: new content needs a new revision.
    changed = _put(client, uid, "A", routing_doc(uid, ic_on="U9"), key=f"{uid}-2")
    assert changed.status_code == 409, changed.text
    err = changed.json()["error"]
    assert err["field"] == "revision" and "new revision" in err["message"]
    assert row_counts(store) == before
    assert _put(client, uid, "B", routing_doc(uid, ic_on="U9"), key=f"{uid}-3").status_code == 201


def _bad(doc_change):
    def make(p):
        doc = routing_doc(p)
        doc_change(doc, p)
        return doc
    return make


def _unknown_part(doc, p):
    doc["OperationsSegment"][1]["MaterialSpecification"][2]["MaterialDefinitionID"] = f"{p}-NOPE"


def _duplicate_designator(doc, p):
    doc["OperationsSegment"][3]["MaterialSpecification"] = [
        {"MaterialDefinitionID": f"{p}-RES", "ReferenceDesignator": ["R1"]}]


def _sequence_not_increasing(doc, p):
    doc["OperationsSegment"][2]["Sequence"] = 20


def _limits_reversed(doc, p):
    doc["OperationsSegment"][2]["Parameter"][0].update(LowerLimit=260)


def _no_segments(doc, p):
    doc["OperationsSegment"] = []


def _wrong_type(doc, p):
    doc["OperationsSegment"][0]["Sequence"] = "first"


def _unknown_field(doc, p):
    doc["OperationsSegment"][0]["Colour"] = "blue"


@pytest.mark.parametrize("change, field, words", [
    (_unknown_part, "OperationsSegment[1].MaterialSpecification[2].MaterialDefinitionID", "unknown part"),
    (_duplicate_designator, "OperationsSegment[3].MaterialSpecification[0].ReferenceDesignator",
     "used twice"),
    (_sequence_not_increasing, "OperationsSegment[2].Sequence", "does not increase"),
    (_limits_reversed, "OperationsSegment[2].Parameter[0].LowerLimit", "above USL"),
    (_no_segments, "OperationsSegment", "at least 1"),
    (_wrong_type, "OperationsSegment.0.Sequence", "integer"),
    (_unknown_field, "OperationsSegment.0.Colour", "Extra inputs"),
])
def test_bad_routings_are_refused_naming_the_b2mml_field(client, store, uid, change, field, words):
    before = row_counts(store)
    r = _put(client, uid, "A", _bad(change)(uid), key=f"{uid}-bad")
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["field"] == field and words in err["message"], err
    assert row_counts(store) == before


def test_unknown_part_in_the_path(client, uid):
    r = _put(client, f"{uid}-X", "A", routing_doc(uid))
    assert r.status_code == 422 and r.json()["error"]["field"] == "part"


def _days(n: int) -> str:
    return (datetime.now(UTC) + timedelta(days=n)).isoformat()


def _sync(store, number, p, rev=None, status="released", version=1):
    with store.write() as session:
        return c.execute(session, c.SyncWorkOrder(number=number, part_number=f"{p}-BRD", quantity=10,
                                                  routing_revision=rev, status=status, version=version))


def test_orders_stay_on_their_revision_and_an_eco_stops_new_ones(client, store, uid):
    assert _put(client, uid, "A", routing_doc(uid)).status_code == 201
    assert _put(client, uid, "B", routing_doc(uid, extra_ref="R2")).status_code == 201
    _sync(store, f"{uid}-WO1", uid, "B")
    _sync(store, f"{uid}-WO0", uid, status="planned")  # no revision named: the newest usable one
    assert _put(client, uid, "C", routing_doc(uid, extra_ref="R3")).status_code == 201

    def pinned(number):
        return client.get(f"/api/v1/plm/work-orders/{number}/routing").json()["revision"]

    assert pinned(f"{uid}-WO1") == "B" and pinned(f"{uid}-WO0") == "B"
    # ERP resends the released order without a revision: it keeps B; naming C is a conflict.
    _sync(store, f"{uid}-WO1", uid, version=2)
    assert pinned(f"{uid}-WO1") == "B"
    with pytest.raises(Exception) as info, store.write() as session:
        c.execute(session, c.SyncWorkOrder(number=f"{uid}-WO1", part_number=f"{uid}-BRD", quantity=10,
                                           routing_revision="C", status="released", version=3))
    assert getattr(info.value, "field", None) == "routing_revision"

    # ECO: B obsolete from yesterday. WO1 stays on B; a new order on B is refused; the default is C.
    eco = {"ChangeNoticeID": f"ECO-{uid}", "EffectiveDate": _days(-1)}
    r = client.post(f"/api/v1/plm/routings/{uid}-BRD/B/obsolete", json=eco,
                    headers={"Idempotency-Key": f"{uid}-e"})
    assert r.status_code == 200 and r.json()["status"] == "obsolete", r.text
    assert pinned(f"{uid}-WO1") == "B"
    with pytest.raises(Exception) as info, store.write() as session:
        c.execute(session, c.SyncWorkOrder(number=f"{uid}-WO2", part_number=f"{uid}-BRD", quantity=1,
                                           routing_revision="B", status="released"))
    assert info.value.field == "routing_revision" and f"ECO-{uid}" in info.value.message
    # The planned order on B may not be released on it any more.
    with pytest.raises(Exception) as info, store.write() as session:
        c.execute(session, c.ChangeWorkOrderStatus(number=f"{uid}-WO0", status="released"))
    assert info.value.field == "status" and "obsolete" in info.value.message
    _sync(store, f"{uid}-WO3", uid)
    assert pinned(f"{uid}-WO3") == "C"

    # An ECO dated in the future leaves the revision usable until then.
    later = {"ChangeNoticeID": f"ECO2-{uid}", "EffectiveDate": _days(30)}
    r = client.post(f"/api/v1/plm/routings/{uid}-BRD/C/obsolete", json=later)
    assert r.json()["status"] == "released"
    _sync(store, f"{uid}-WO4", uid, "C")

    history = client.get(f"/api/v1/plm/routings/{uid}-BRD").json()
    assert [(h["revision"], h["status"], h["change_notice"]) for h in history] == [
        ("A", "released", None), ("B", "obsolete", f"ECO-{uid}"), ("C", "released", f"ECO2-{uid}")]
    # Every revision's content is still there (history is never rewritten).
    b = client.get(f"/api/v1/plm/routings/{uid}-BRD/B").json()
    smt = next(s for s in b["OperationsSegment"] if s["ID"] == "SMT")
    assert ["R2"] in [m["ReferenceDesignator"] for m in smt["MaterialSpecification"]]


def test_eco_refusals(client, uid):
    r = client.post(f"/api/v1/plm/routings/{uid}-BRD/Z/obsolete",
                    json={"ChangeNoticeID": "E", "EffectiveDate": "2026-01-01T00:00:00Z"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "revision"
    r = client.post(f"/api/v1/plm/routings/{uid}-BRD/Z/obsolete",
                    json={"ChangeNoticeID": "E", "EffectiveDate": "2026-01-01T00:00:00"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "EffectiveDate"
    assert client.get(f"/api/v1/plm/routings/{uid}-BRD/Z").status_code == 404



def test_an_eco_resend_is_replayed_and_another_body_under_its_key_refused(client, store, uid):
    assert _put(client, uid, "A", routing_doc(uid)).status_code == 201
    url = f"/api/v1/plm/routings/{uid}-BRD/A/obsolete"
    eco = {"ChangeNoticeID": f"ECO-{uid}", "EffectiveDate": "2026-06-01T00:00:00Z"}
    first = client.post(url, json=eco, headers={"Idempotency-Key": f"{uid}-e"})
    before = row_counts(store)
    again = client.post(url, json=eco, headers={"Idempotency-Key": f"{uid}-e"})
    assert again.json() == {**first.json(), "replayed": True} and row_counts(store) == before
    other = client.post(url, json={**eco, "EffectiveDate": "2026-07-01T00:00:00Z"},
                        headers={"Idempotency-Key": f"{uid}-e"})
    assert other.status_code == 409 and other.json()["error"]["field"] == "messageId"
    assert row_counts(store) == before
