"""Every state change worth knowing writes a versioned event in its own transaction, and the
payload it writes is the one docs/events/ documents."""

from __future__ import annotations

import json

from sqlalchemy import select

from gateway.events import schemas
from quality.commands import AcknowledgeAlarm, DefineControlChart, EvaluateControlChart
from quality.containment import ContainLot, ReleaseContainment
from tests import scenario
from tests.events_support import a_lot, a_work_order, complete
from tests.scenario import t
from tests.test_quality_spc import IN_CONTROL
from traceability import device_messages
from traceability.commands import (
    ChangeLotStatus,
    ChangeWorkOrderStatus,
    PlaceHold,
    RecordSamples,
    ReleaseHold,
    ReportDeviceStatus,
    Sample,
    execute,
)
from traceability.event_payloads import PAYLOADS
from traceability.events import CATALOG, is_alarm
from traceability.models import OutboxEvent


def _events(store, *aggregate_ids: str) -> list[OutboxEvent]:
    with store.read() as s:
        return list(s.scalars(select(OutboxEvent).where(OutboxEvent.aggregate_id.in_(aggregate_ids))
                              .order_by(OutboxEvent.id)))


def test_every_catalog_type_has_a_payload_model_and_a_current_schema_file():
    assert set(CATALOG) <= set(PAYLOADS)
    for path, text in schemas.files().items():
        assert path.exists() and path.read_text() == text, (
            f"{path.name} is missing or stale: run `python -m gateway.events.schemas`")
        assert json.loads(text)["$id"].endswith(f":v{CATALOG[json.loads(text)['title']].version}")


def test_what_the_commands_emit_is_catalogued_versioned_and_validates(store, uid):
    plant = scenario.build(store, uid)
    [serial] = a_work_order(store, uid, line="L7")
    lot = a_lot(store, uid)
    with store.write() as s:
        execute(s, complete(serial, result="fail"))
        execute(s, ChangeLotStatus(lot=lot, status="quarantined", reason="supplier alert"))
        hold = execute(s, PlaceHold(target_kind="work_order", target=f"{uid}-WO", reason="x", by="qe"))
        execute(s, ReleaseHold(hold_id=hold["hold_id"], by="qe"))
        execute(s, ChangeWorkOrderStatus(number=f"{uid}-WO", status="cancelled"))
        execute(s, ReportDeviceStatus(source=f"{uid}-plc", kind="modbus", status="connected"))
        execute(s, ReportDeviceStatus(source=f"{uid}-plc", kind="modbus", status="lost", error="timeout"))
    with store.read() as s:
        rows = list(s.scalars(select(OutboxEvent).where(OutboxEvent.destination == "events",
                                                        OutboxEvent.aggregate_id.like(f"%{uid}%"))))
    assert plant.p == uid and len(rows) > 30
    for row in rows:
        assert row.type in CATALOG, row.type
        assert row.version == CATALOG[row.type].version
        assert row.aggregate_type == CATALOG[row.type].aggregate
        PAYLOADS[row.type].model_validate(row.payload)  # the documented shape, extra fields refused
    types = {r.type for r in rows}
    assert {"unit.completed", "workorder.progress", "lot.status", "workorder.held", "workorder.released",
            "workorder.status", "device.connected", "device.lost", "container.packed",
            "shipment.shipped", "components.installed", "material.spliced"} <= types


def test_sequences_count_per_aggregate_without_gaps(store, uid):
    serials = a_work_order(store, uid, units=2)
    with store.write() as s:
        for sn in serials:
            execute(s, complete(sn))
    wo = _events(store, f"{uid}-WO")
    assert [e.sequence for e in wo] == list(range(1, len(wo) + 1))
    assert [e.type for e in wo] == ["workorder.created", "unit.registered", "workorder.progress",
                                    "workorder.progress"]
    assert [e.sequence for e in _events(store, serials[0])] == [1]


def test_work_order_progress_counts_each_unit_once_and_every_failure(store, uid):
    a, b = a_work_order(store, uid, line="L3", units=2)
    steps = [complete(a, result="fail", minute=0), complete(a, minute=1), complete(a, minute=2),
             complete(b, minute=3)]
    for cmd in steps:
        with store.write() as s:
            execute(s, cmd)
    progress = [e.payload for e in _events(store, f"{uid}-WO") if e.type == "workorder.progress"]
    assert [(p["serial"], p["result"], p["passed"], p["failed"]) for p in progress] == [
        (a, "fail", 0, 1), (a, "pass", 1, 1), (a, "pass", 1, 1), (b, "pass", 2, 1)]
    assert progress[-1]["line"] == "L3" and progress[-1]["quantity"] == 2
    # A unit passing again (a retest) is reported, but counts once.
    with store.write() as s:
        execute(s, complete(b, minute=4))
    last = [e.payload for e in _events(store, f"{uid}-WO") if e.type == "workorder.progress"][-1]
    assert (last["serial"], last["passed"], last["failed"]) == (b, 2, 1)


def test_quality_events_are_catalogued_and_validate(store, uid):
    plant = scenario.build(store, uid)
    station = f"{uid}-OVEN"
    with store.write() as s:
        for k, v in enumerate([245 + x for x in IN_CONTROL[:20]] + [262]):
            execute(s, RecordSamples(station=station, recorded_at=t(k),
                                     samples=[Sample(name="peak_temp", value=v, unit="C")]))
        execute(s, DefineControlChart(code=f"{uid}-PEAK", station=station, parameter="peak_temp",
                                      baseline_start=t(0), baseline_end=t(19), lsl=235, usl=255))
        execute(s, EvaluateControlChart(chart=f"{uid}-PEAK"))
    with store.write() as s:
        alarm_id = s.scalars(select(OutboxEvent.payload).where(
            OutboxEvent.aggregate_id == f"{uid}-PEAK", OutboxEvent.type == "spc.alarm")).first()["alarm_id"]
        execute(s, AcknowledgeAlarm(alarm_id=alarm_id, by="qe"))
        case = execute(s, ContainLot(lot=plant.n("REEL-CAP-A"), reason="cracked caps", by="qe"))["case"]
        execute(s, ReleaseContainment(case=case, by="qe"))
    with store.read() as s:
        rows = list(s.scalars(select(OutboxEvent).where(
            OutboxEvent.destination == "events",
            OutboxEvent.aggregate_id.in_([f"{uid}-PEAK", case, str(alarm_id)]))))
    assert {r.type for r in rows} == {"spc.chart_defined", "spc.alarm", "spc.alarm_acknowledged",
                                      "containment.opened", "containment.released"}
    for row in rows:
        assert row.type in CATALOG and row.aggregate_type == CATALOG[row.type].aggregate
        PAYLOADS[row.type].model_validate(row.payload)


def test_a_dead_lettered_device_message_is_an_alarm_event(store, uid):
    with store.write() as s:
        for _ in range(2):  # delivered twice: two events, the attempts counted
            device_messages.park(s, status="dead", source=f"{uid}-AOI", message_id=f"{uid}-m1",
                                 message_name="CFX.Production.UnitsInspected", body="{}",
                                 reason="unknown unit 'X'", field="Inspections[0].UnitIdentifier")
        device_messages.park(s, status="held", source=f"{uid}-AOI", message_id=f"{uid}-m2",
                             message_name="CFX.Production.WorkCompleted", body="{}", hold_key="t1")
    rows = _events(store, f"{uid}-AOI")
    assert [(r.type, r.sequence, r.payload["attempts"]) for r in rows] == [
        ("message.deadlettered", 1, 1), ("message.deadlettered", 2, 2)]
    assert is_alarm("message.deadlettered")
    for row in rows:
        PAYLOADS[row.type].model_validate(row.payload)
