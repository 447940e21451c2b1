"""GS1 EPCIS 2.0 export of the foundation scenario, over REST, on SQLite and PostgreSQL.

Checked against the standard's rules (tests/epcis_checks.py), against the published JSON schema
when TRACEBRIDGE_EPCIS_SCHEMA names the file, and by a round trip: the documents alone rebuild a
genealogy whose backward and forward traces equal the store's.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import Settings
from integrations.epcis.identifiers import Identifiers
from integrations.epcis.settings import EpcisSettings
from tests import standards_scenario
from tests.epcis_checks import check_document
from tests.epcis_genealogy import Rebuilt
from tests.scenario import T0, t
from traceability import commands as c
from traceability import genealogy

GTIN_PRD, GTIN_CAP = "04012345000016", "4012345000023"  # a product and a component with GTINs
ZONE = "Europe/Berlin"
MAX_PAGES = 200


def _scenario(store, uid):  # type: ignore[no-untyped-def]
    s = standards_scenario.build(store, uid)
    n = s.n
    standards_scenario.run(store, [
        c.DefinePart(part_number=n("PRD"), description="controller module", serialized=True, gtin=GTIN_PRD),
        c.DefinePart(part_number=n("CAP"), description="10uF 0603 capacitor", gtin=GTIN_CAP),
        c.Unpack(container=n("BOX-1"), items=[c.PackedItem(serial=n("PRD-4"))], unpacked_at=t(120)),
    ], uid)
    return s


def _client(database_url: str, **epcis) -> TestClient:  # type: ignore[no-untyped-def]
    settings = Settings(database_url=database_url, epcis=EpcisSettings(time_zone=ZONE, **epcis))
    return TestClient(create_app(settings))


def _all_pages(client: TestClient, **params) -> list[dict]:  # type: ignore[no-untyped-def]
    docs, token = [], None
    for _ in range(MAX_PAGES):
        paging = {"nextPageToken": token} if token else {}
        answer = client.get("/api/v1/epcis/events", params={**params, **paging})
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/ld+json")
        docs.append(answer.json())
        token = answer.headers.get("GS1-Next-Page-Token")
        if token is None:
            return docs
    raise AssertionError("more pages than the bound")


def _events(docs: list[dict]) -> list[dict]:
    return [e for d in docs for e in d["epcisBody"]["eventList"]]


def test_export_follows_the_standard_and_rebuilds_the_store_genealogy(store, database_url, uid):
    s = _scenario(store, uid)
    n = s.n
    ids = Identifiers(EpcisSettings().id_base, EpcisSettings().digital_link_base)
    with _client(database_url) as client:
        docs = _all_pages(client, perPage=50)
    for doc in docs:
        assert check_document(doc, zone=ZONE) == []
    events = _events(docs)
    assert len({e["eventID"] for e in events}) == len(events)
    rebuilt = Rebuilt(ids)
    rebuilt.add(events)
    unit_uri = {x: _uri(ids, store, x) for x in [*s.products, *s.boards, n("P1")]}
    with store.read() as session:
        for serial, uri in unit_uri.items():
            trace = genealogy.backward(session, serial)
            assert rebuilt.backward(uri) == (trace.lots, {u.serial for u in trace.units}), serial
        for lot in ["CAP-LOT", "REEL-CAP-A", "REEL-CAP-B", "REEL-RES-A", "REEL-RES-B", "PASTE-1"]:
            trace = genealogy.forward(session, n(lot))
            lot_uri = _lot_uri(ids, n(lot), GTIN_CAP if "CAP" in lot else None)
            assert rebuilt.forward(lot_uri) == (set(trace.lots), trace.serials,
                                                {x.code for x in trace.containers}), lot


def _uri(ids: Identifiers, store, serial: str) -> str:  # type: ignore[no-untyped-def]
    gtin = GTIN_PRD if "-PRD-" in serial else None
    from traceability.history.facts import UnitRef
    return ids.unit(UnitRef(serial=serial, part_number="", gtin=gtin))


def _lot_uri(ids: Identifiers, code: str, gtin: str | None) -> str:
    from traceability.history.facts import LotRef
    return ids.lot(LotRef(code=code, part_number="", gtin=gtin, unit_of_measure="EA"))


def test_events_carry_digital_links_cbv_terms_stations_lines_and_values(store, database_url, uid):
    s = _scenario(store, uid)
    n = s.n
    with _client(database_url) as client:
        events = _events(_all_pages(client, serial=n("PRD-1")))
    by_step = {}
    for e in events:
        by_step.setdefault((e["type"], e.get("bizStep")), []).append(e)
    [commissioned] = by_step[("ObjectEvent", "commissioning")]
    assert f"https://id.gs1.org/01/{GTIN_PRD}/21/{n('PRD-1')}" in commissioned["epcList"]
    [assembly] = by_step[("TransformationEvent", "assembling")]
    assert assembly["inputEPCList"] == [f"urn:tracebridge:plant:local:unit:{n('B1')}"]
    assert assembly["outputEPCList"] == [f"https://id.gs1.org/01/{GTIN_PRD}/21/{n('PRD-1')}"]
    assert assembly["readPoint"] == {"id": f"urn:tracebridge:plant:local:station:{n('FA1')}"}
    assert assembly["tb:placements"] == [{"tb:input": assembly["inputEPCList"][0],
                                          "tb:referenceDesignator": "J1", "tb:quantity": 1.0,
                                          "tb:attribution": "direct"}]
    [fct] = by_step[("ObjectEvent", "inspecting")]
    assert (fct["disposition"], fct["tb:operation"], fct["tb:operator"]) == ("conformant", "FCT", "op-22")
    [report] = fct["sensorElementList"][0]["sensorReport"]
    assert (report["type"], report["value"], report["uom"], report["tb:parameter"]) == (
        "ElectricCurrent", 100.0, "4K", "supply_current")
    # T0 is 06:00 UTC on 2 November: CET, one hour ahead.
    assert fct["eventTimeZoneOffset"] == "+01:00" and fct["eventTime"].endswith("Z")
    [packing] = by_step[("AggregationEvent", "packing")]
    assert packing["parentID"] == f"urn:tracebridge:plant:local:container:{n('BOX-1')}"


def test_capacitor_lots_are_quantity_classes_with_their_gtin(store, database_url, uid):
    s = _scenario(store, uid)
    with _client(database_url) as client:
        events = _events(_all_pages(client, lot=s.n("REEL-CAP-B")))
    classes = {q["epcClass"] for e in events for q in e.get("inputQuantityList", [])}
    assert classes >= {f"https://id.gs1.org/01/0{GTIN_CAP}/10/{s.n('REEL-CAP-B')}"}
    kinds = sorted({e["type"] for e in events})
    assert kinds == ["TransformationEvent"]  # the split from the bulk lot, and the two placements
    assert len(events) == 3


def test_time_window_and_pages_cover_each_event_once(store, database_url, uid):
    s = _scenario(store, uid)
    window = {"GE_eventTime": T0.isoformat(), "LT_eventTime": (T0 + timedelta(hours=3)).isoformat()}
    with _client(database_url) as client:
        big = _events(_all_pages(client, serial=s.n("B2"), **window))
        small = _events(_all_pages(client, serial=s.n("B2"), perPage=2, **window))
        late = _events(_all_pages(client, serial=s.n("B2"), GE_eventTime=t(31).isoformat(),
                                  LT_eventTime=t(33).isoformat()))
    assert [e["eventID"] for e in small] == [e["eventID"] for e in big] and len(big) >= 8
    times = [e["eventTime"] for e in big]
    assert times == sorted(times)
    assert {e["bizStep"] for e in late} == {"repairing", "inspecting"}  # the rework and the re-inspection


def test_removal_names_the_installation_it_undoes(store, database_url, uid):
    s = _scenario(store, uid)
    with _client(database_url) as client:
        events = _events(_all_pages(client, serial=s.n("B2")))
    [removal] = [e for e in events if e.get("bizStep") == "removing"]
    [install] = [e for e in events if e["eventID"] == removal["tb:transformationEvent"]]
    assert removal["tb:referenceDesignator"] == "R1" and removal["tb:reason"] == "tombstoned at AOI"
    assert removal["tb:removedFrom"] == install["outputEPCList"]  # the panel and board 2
    assert removal["quantityList"][0]["epcClass"] in [q["epcClass"] for q in install["inputQuantityList"]]


def test_refusals_name_the_parameter(store, database_url, uid):
    with _client(database_url) as client:
        token = client.get("/api/v1/epcis/events", params={"nextPageToken": "garbage"})
        naive = client.get("/api/v1/epcis/events", params={"GE_eventTime": "2026-11-02T06:00:00"})
        big = client.get("/api/v1/epcis/events", params={"perPage": 5000})
        unknown = client.get("/api/v1/epcis/events", params={"serial": f"{uid}-nope"})
    assert token.status_code == 422 and token.json()["error"]["field"] == "nextPageToken"
    assert naive.status_code == 422 and naive.json()["error"]["field"] == "GE_eventTime"
    assert big.status_code == 422 and big.json()["error"]["field"] == "perPage"
    assert unknown.status_code == 200 and unknown.json()["epcisBody"]["eventList"] == []


def test_settings_refuse_unknown_zone_and_bizstep():
    with pytest.raises(ValueError, match="time zone"):
        EpcisSettings(time_zone="Mars/Olympus")
    with pytest.raises(ValueError, match="CBV"):
        EpcisSettings(bizsteps={"AOI": "looking"})


SCHEMA = os.environ.get("TRACEBRIDGE_EPCIS_SCHEMA")


@pytest.mark.skipif(not SCHEMA, reason="TRACEBRIDGE_EPCIS_SCHEMA does not name the EPCIS 2.0 JSON schema")
def test_export_validates_against_the_published_json_schema(store, database_url, uid):
    import jsonschema

    schema = json.loads(Path(SCHEMA or "").read_text())
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    _scenario(store, uid)
    with _client(database_url) as client:
        docs = _all_pages(client, perPage=200)
    problems = [f"{list(e.absolute_path)}: {e.message}" for d in docs for e in validator.iter_errors(d)]
    assert problems == []


def test_an_open_operation_is_work_in_progress_at_its_start(store, database_url, uid):
    s = _scenario(store, uid)
    standards_scenario.run(store, [c.RecordOperation(
        serial=s.n("PRD-1"), operation="BURNIN", station=s.n("OVEN9"), started_at=t(200),
        transaction_id=s.n("tx-burn"))], uid)
    with _client(database_url) as client:
        [event] = [e for e in _events(_all_pages(client, serial=s.n("PRD-1")))
                   if e.get("tb:operation") == "BURNIN"]
    assert (event["disposition"], event["bizStep"], event["eventTime"]) == (
        "in_progress", "other", "2026-11-02T09:20:00.000Z")


def test_a_page_costs_the_same_statements_whatever_its_size(store, uid):
    from sqlalchemy import event

    from traceability import history

    _scenario(store, uid)
    statements: list[str] = []

    def count(conn, cursor, sql, *args):  # type: ignore[no-untyped-def]
        statements.append(sql)

    sizes = {}
    event.listen(store.engine, "before_cursor_execute", count)
    try:
        for limit in (5, 500):
            statements.clear()
            with store.read() as session:
                page = history.page(session, start=T0, end=T0 + timedelta(hours=3), limit=limit)
            sizes[limit] = (len(statements), len(page.facts))
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    (small, n_small), (large, n_large) = sizes[5], sizes[500]
    assert n_small == 5 and n_large >= 30
    assert small <= large <= 45, sizes  # batched lookups per kind of fact, never one per event


def test_cli_export_writes_one_document_equal_to_the_rest_pages(store, database_url, uid, tmp_path):
    from typer.testing import CliRunner

    from gateway.cli import app

    s = _scenario(store, uid)
    out = tmp_path / "export.jsonld"
    env = {"TRACEBRIDGE_DATABASE_URL": database_url, "TRACEBRIDGE_EPCIS_TIME_ZONE": ZONE}
    result = CliRunner().invoke(app, ["epcis", "export", "--serial", s.n("B2"), "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert check_document(doc, zone=ZONE) == []
    with _client(database_url) as client:
        pages = _events(_all_pages(client, serial=s.n("B2"), perPage=3))
    assert [e["eventID"] for e in doc["epcisBody"]["eventList"]] == [e["eventID"] for e in pages]
    naive = CliRunner().invoke(app, ["epcis", "export", "--since", "2026-11-02T06:00:00"], env=env)
    assert naive.exit_code == 2 and "--since" in naive.output
