"""Sampled process values: one insert per cycle, the unit in process at that instant, stored once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from traceability import commands as c
from traceability.models import OutboxEvent, ProcessParameter, Unit

T0 = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)


def t(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def run(store, *cmds: c.Command) -> list[dict]:
    with store.write() as session:
        return [c.execute(session, cmd) for cmd in cmds]


def samples(station: str, at: datetime, **values: float) -> c.RecordSamples:
    return c.RecordSamples(station=station, recorded_at=at, device="oven",
                           samples=[c.Sample(name=k, value=v, unit="degC") for k, v in values.items()])


def test_samples_belong_to_the_unit_in_process_at_that_instant(store, uid):
    station = f"{uid}-REFLOW"
    run(store,
        c.DefinePart(part_number=f"{uid}-BRD", serialized=True),
        c.RegisterUnits(units=[c.NewUnit(serial=f"{uid}-U1", part_number=f"{uid}-BRD"),
                               c.NewUnit(serial=f"{uid}-U2", part_number=f"{uid}-BRD")]),
        c.RecordOperation(serial=f"{uid}-U1", operation="REFLOW", station=station, started_at=t(0),
                          completed_at=t(10)),
        c.RecordOperation(serial=f"{uid}-U2", operation="REFLOW", station=station, started_at=t(12),
                          transaction_id=f"{uid}-tx2"))
    answers = run(store, samples(station, t(-1), zone1=200.0),
                  samples(station, t(5), zone1=245.5, zone2=250.0),
                  samples(station, t(11), zone1=246.0), samples(station, t(15), zone1=247.0))
    assert [a["serial"] for a in answers] == [None, f"{uid}-U1", None, f"{uid}-U2"]
    assert [a["inserted"] for a in answers] == [1, 2, 1, 1]
    with store.read() as session:
        rows = session.execute(
            select(ProcessParameter.recorded_at, ProcessParameter.name, ProcessParameter.value,
                   ProcessParameter.unit, ProcessParameter.source, Unit.serial)
            .outerjoin(Unit, Unit.id == ProcessParameter.unit_id)
            .where(ProcessParameter.station == station)
            .order_by(ProcessParameter.recorded_at, ProcessParameter.name)).all()
    assert [tuple(r) for r in rows] == [
        (t(-1), "zone1", 200.0, "degC", "modbus", None),
        (t(5), "zone1", 245.5, "degC", "modbus", f"{uid}-U1"),
        (t(5), "zone2", 250.0, "degC", "modbus", f"{uid}-U1"),
        (t(11), "zone1", 246.0, "degC", "modbus", None),
        (t(15), "zone1", 247.0, "degC", "modbus", f"{uid}-U2"),
    ]


def test_units_started_together_give_the_sample_to_their_panel(store, uid):
    station, other = f"{uid}-SPI", f"{uid}-AOI"
    n = lambda name: f"{uid}-{name}"  # noqa: E731
    run(store,
        c.DefinePart(part_number=n("PANEL"), serialized=True),
        c.DefinePart(part_number=n("BRD"), serialized=True),
        c.RegisterUnits(units=[c.NewUnit(serial=n("P1"), part_number=n("PANEL"), kind="panel"),
                               *[c.NewUnit(serial=n(f"B{i}"), part_number=n("BRD"), kind="board",
                                           panel_serial=n("P1"), panel_position=i) for i in (1, 2)]]))
    for serial in (n("B1"), n("B2"), n("P1")):  # the panel's operation recorded last
        run(store, c.RecordOperation(serial=serial, operation="SPI", station=station, started_at=t(20)))
    for serial in (n("B2"), n("B1")):  # boards only: the first recorded
        run(store, c.RecordOperation(serial=serial, operation="AOI", station=other, started_at=t(20)))
    [on_panel, on_board] = run(store, samples(station, t(21), height=120.0), samples(other, t(21), light=3.0))
    assert on_panel["serial"] == n("P1") and on_board["serial"] == n("B2")


def test_a_resent_cycle_is_stored_once_and_announced_once(store, uid):
    station = f"{uid}-OVEN"
    cycle = samples(station, t(1), zone1=230.25, zone2=231.5)
    first, again = run(store, cycle), run(store, cycle)
    assert first[0]["inserted"] == 2 and again[0]["inserted"] == 0
    with store.read() as session:
        stored = session.scalar(select(func.count()).select_from(ProcessParameter)
                                .where(ProcessParameter.station == station))
        events = session.scalars(select(OutboxEvent).where(OutboxEvent.aggregate_id == station)).all()
    assert stored == 2
    [event] = events
    assert event.type == "process.sampled" and event.payload["device"] == "oven"
    assert {s["name"]: s["value"] for s in event.payload["samples"]} == {"zone1": 230.25, "zone2": 231.5}


def test_the_sample_key_leaves_operation_parameters_alone(store, uid):
    """A unit's own recorded parameter at the same station, name and time is not a sample."""
    station = f"{uid}-AOI"
    run(store, c.DefinePart(part_number=f"{uid}-BRD", serialized=True),
        c.RegisterUnits(units=[c.NewUnit(serial=f"{uid}-U{i}", part_number=f"{uid}-BRD") for i in (1, 2)]))
    for i in (1, 2):  # two boards completed at the same instant with the same parameter
        run(store, c.RecordOperation(serial=f"{uid}-U{i}", operation="AOI", station=station, started_at=t(0),
                                     completed_at=t(1), parameters=[c.ParameterValue(name="light", value=1)]))
    assert run(store, samples(station, t(1), light=2.0))[0]["inserted"] == 1
    with store.read() as session:
        sources = session.scalars(select(ProcessParameter.source).where(ProcessParameter.station == station)
                                  .order_by(ProcessParameter.id)).all()
    assert sources == ["operation", "operation", "modbus"]


def test_samples_refuse_what_the_store_cannot_hold():
    with pytest.raises(ValidationError, match="finite"):
        c.Sample(name="t", value=float("nan"))
    with pytest.raises(ValidationError, match="timezone"):
        c.RecordSamples(station="S", recorded_at=datetime(2026, 1, 1), samples=[c.Sample(name="t", value=1)])
    with pytest.raises(ValidationError):
        c.RecordSamples(station="S", recorded_at=T0, samples=[])
