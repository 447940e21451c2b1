"""The other CFX messages, straight through the ingest path: process data, disqualification, faults,
unloading, unit movements, carrier positions, late WorkStarted, and a batch mixing every outcome."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from devices.cfx.ingest import Ingest
from devices.cfx.settings import CfxSettings
from tests.cfx_support import Line, envelope, master_data, snapshot, t
from traceability import commands as c
from traceability.models import AuditEntry, DeviceStatus, MaterialLoad, ProcessParameter, Unit, UnitOperation


def ingest(store, messages, **settings):  # type: ignore[no-untyped-def]
    with store.write() as session:
        return Ingest(CfxSettings(**settings)).run(session, messages)


def test_reflow_process_data_becomes_parameters_of_the_transaction(store, uid):
    line = Line(uid)
    master_data(store, uid)
    oven, tx = f"{uid}.OVEN1", str(uuid.uuid4())
    zones = [{"Zone": {"ReflowZoneType": "PreHeat", "StageSequence": 1, "StageName": "Zone1"},
              "Setpoints": [{"SubZone": "Top", "SetpointType": "Temperature", "Setpoint": 220.0}],
              "Readings": [{"SubZone": "Top", "ReadingType": "Temperature", "ReadingValue": 221.5}]}]
    out = ingest(store, [
        line.work_started(oven, tx, t(20)),
        envelope("CFX.Production.Processing.UnitsProcessed", oven, t(24), {
            "TransactionId": tx, "OverallResult": "Succeeded",
            "CommonProcessData": {"$type": "CFX.Structures.SolderReflow.ReflowProcessData, CFX",
                                  "ConveyorSpeed": 60.0, "ZoneData": zones}, "UnitProcessData": []}),
        line.work_completed(oven, tx, t(25)),
    ])
    assert [o.status for o in out] == ["applied"] * 3
    with store.read() as session:
        rows = session.execute(select(Unit.serial, ProcessParameter.name, ProcessParameter.value)
                               .join(Unit, Unit.id == ProcessParameter.unit_id)
                               .where(ProcessParameter.station == oven)).all()
    values = {(s.removeprefix(f"{uid}-"), n): v for s, n, v in rows}
    assert values[("P1", "Zone1.Top.Temperature")] == 221.5
    assert values[("B3", "Zone1.Top.Temperature.setpoint")] == 220.0
    assert values[("B1", "ConveyorSpeed")] == 60.0


def test_work_completed_before_work_started_waits_for_it(store, uid):
    line = Line(uid)
    master_data(store, uid)
    tx = line.tx["smt"]
    [early] = ingest(store, [line.work_completed(line.smt, tx, t(9))])
    assert early.status == "held"
    [started] = ingest(store, [line.work_started(line.smt, tx, t(1))])
    assert started.answer["released"] == 1
    assert ("P1", "SMT1", "pass") in snapshot(store, line)["ops"]


def test_disqualified_units_are_scrapped_and_faults_show_on_the_device(store, uid):
    line = Line(uid)
    master_data(store, uid)
    ingest(store, [line.work_started(line.smt, line.tx["smt"], t(1))])
    out = ingest(store, [
        envelope("CFX.Production.UnitsDisqualified", line.aoi, t(12), {
            "Reason": "DefectiveRepairNotPossible", "Comments": "dropped",
            "Units": [{"UnitIdentifier": line.panel, "PositionNumber": 3}]}),
        envelope("CFX.ResourcePerformance.FaultOccurred", line.smt, t(13), {"Fault": {
            "Cause": "MechanicalFailure", "Severity": "Error", "FaultCode": "ERROR 3943480",
            "FaultOccurrenceId": "ea170e0a-43fb-4b02-af2c-928a8401dd51", "OccurredAt": t(13).isoformat()}}),
    ])
    assert [o.status for o in out] == ["applied", "applied"]
    with store.read() as session:
        assert session.scalar(select(Unit.status).where(Unit.serial == line.board(3))) == "scrapped"
        device = session.scalars(select(DeviceStatus).where(DeviceStatus.source == line.smt)).one()
        assert "ERROR 3943480" in device.last_error and device.problems["fault"] == 1
    ingest(store, [envelope("CFX.ResourcePerformance.FaultCleared", line.smt, t(14), {
        "FaultOccurrenceId": "ea170e0a-43fb-4b02-af2c-928a8401dd51"})])
    with store.read() as session:
        device = session.scalars(select(DeviceStatus).where(DeviceStatus.source == line.smt)).one()
        assert device.last_error is None and device.status == "connected"


def test_unloading_closes_the_feeder_and_unknown_units_are_reported(store, uid):
    line = Line(uid)
    master_data(store, uid)
    out = ingest(store, [
        line.loaded(),
        envelope("CFX.Materials.Storage.MaterialsUnloaded", line.smt, t(30),
                 {"MaterialPackageIdentifiers": [f"{uid}-RES-A", f"{uid}-NOWHERE"]}),
        envelope("CFX.Production.UnitsArrived", line.smt, t(31), {
            "UnitCount": 1, "Units": [{"UnitIdentifier": f"{uid}-GHOST", "PositionNumber": 1}]}),
    ])
    assert [o.status for o in out] == ["applied"] * 3
    with store.read() as session:
        loads = dict(session.execute(select(MaterialLoad.location, MaterialLoad.unloaded_at)
                                     .where(MaterialLoad.station == line.smt)).all())
        device = session.scalars(select(DeviceStatus).where(DeviceStatus.source == line.smt)).one()
    assert loads["F2"] == t(30) and loads["F1"] is None
    assert device.problems["unknown_unit"] == 1 and device.problems["unknown_material"] == 1


def test_a_carrier_with_positions_records_on_the_boards_registered_there(store, uid):
    line = Line(uid)
    master_data(store, uid)
    with store.write() as session:
        c.execute(session, c.DefinePart(part_number=f"{uid}-PANEL", serialized=True))
        c.execute(session, c.RegisterUnits(work_order=f"{uid}-WO", units=[
            c.NewUnit(serial=line.panel, part_number=f"{uid}-PANEL", kind="panel"),
            *[c.NewUnit(serial=line.board(i), part_number=f"{uid}-BRD", kind="board",
                        panel_serial=line.panel, panel_position=i) for i in (1, 2)]]))
    tx = str(uuid.uuid4())
    started = envelope("CFX.Production.WorkStarted", line.aoi, t(1), {
        "TransactionID": tx, "Units": [{"UnitIdentifier": line.panel, "PositionNumber": i} for i in (1, 2)]})
    assert [o.status for o in ingest(store, [started])] == ["applied"]
    with store.read() as session:
        serials = session.scalars(select(Unit.serial).join(UnitOperation, UnitOperation.unit_id == Unit.id)
                                  .where(UnitOperation.transaction_id == tx)).all()
    assert sorted(serials) == sorted([line.panel, line.board(1), line.board(2)])


def test_a_batch_of_installations_gives_each_message_its_own_outcome(store, uid):
    """The set-based path: applied, replayed, conflicting, held, refused and a copy in the same batch."""
    line = Line(uid)
    master_data(store, uid)
    ingest(store, [line.loaded(), line.work_started(line.smt, line.tx["smt"], t(1))])

    def installed(pos: int, **extra) -> dict:  # type: ignore[no-untyped-def]
        body = {"TransactionId": line.tx["smt"], "InstalledMaterials": [{
            "UnitIdentifier": line.panel, "UnitPositionNumber": pos, "QuantityInstalled": 1,
            "CarrierLocation": {"LocationIdentifier": "F1"},
            "InstalledComponents": [{"ReferenceDesignator": "C1", "InstallationTime": t(2).isoformat()}]}]}
        body["InstalledMaterials"][0].update(extra)
        return envelope("CFX.Production.Assembly.MaterialsInstalled", line.smt, t(3), body)

    first = installed(1)
    [done] = ingest(store, [first])
    assert done.status == "applied"
    changed = json.loads(json.dumps(first))
    changed["MessageBody"]["InstalledMaterials"][0]["UnitPositionNumber"] = 2
    unknown_unit = installed(1, UnitIdentifier=f"{uid}-NOPE")
    unknown_lot = installed(3, Material={"UniqueIdentifier": f"{uid}-NOLOT"}, CarrierLocation=None)
    twice = installed(4)
    out = ingest(store, [first, changed, unknown_unit, unknown_lot, twice, installed(2), twice])
    assert [o.status for o in out] == ["replayed", "dead", "held", "dead", "applied", "applied", "replayed"]
    assert out[1].field == "messageId" and out[3].field == "items[0].lot"
    snap = snapshot(store, line)
    assert snap["installations"] == 3
    assert [s[:2] for s in snap["B4"]] == [("C1", "CAP-A")]


def test_the_set_based_path_leaves_the_audit_entries_of_the_one_by_one_path(store, uid):
    line = Line(uid)
    master_data(store, uid)
    ingest(store, [line.loaded(), line.work_started(line.smt, line.tx["smt"], t(1))])

    def installed(pos: int) -> dict:
        return envelope("CFX.Production.Assembly.MaterialsInstalled", line.smt, t(3), {
            "TransactionId": line.tx["smt"], "InstalledMaterials": [{
                "UnitIdentifier": line.panel, "UnitPositionNumber": pos, "QuantityInstalled": 1,
                "CarrierLocation": {"LocationIdentifier": "F1"},
                "InstalledComponents": [{"ReferenceDesignator": "C1",
                                         "InstallationTime": t(2).isoformat()}]}]})

    assert [o.status for o in ingest(store, [installed(1)])] == ["applied"]  # one by one
    out = ingest(store, [installed(2), installed(3)])  # set-based
    assert [o.status for o in out] == ["applied", "applied"]
    with store.read() as session:
        entries = session.execute(select(AuditEntry.actor, AuditEntry.target, AuditEntry.source,
                                         AuditEntry.payload_hash)
                                  .where(AuditEntry.command == "InstallComponents",
                                         AuditEntry.target == line.panel)).all()
    assert len(entries) == 3 and {(e.actor, e.source) for e in entries} == {("system", "local")}
    assert len({e.payload_hash for e in entries}) == 3
