"""A quarantined lot blocks its use: refused by default, or (policy `flag`) installed, flagged and the
unit held; either way the quarantine shows in the unit's genealogy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.plm_wms_support import app_client, define_parts, row_counts
from traceability import commands as c
from traceability import genealogy
from traceability.database import Store, make_engine
from traceability.errors import Refused
from traceability.models import Hold
from traceability.policy import Policy

T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def _plant(store, p):
    define_parts(store, p)
    with store.write() as session:
        for cmd in [
            c.SyncWorkOrder(number=f"{p}-WO", part_number=f"{p}-BRD", quantity=2, status="released"),
            c.RegisterUnits(work_order=f"{p}-WO", units=[c.NewUnit(serial=f"{p}-B{i}", part_number=f"{p}-BRD",
                                                                   kind="board") for i in (1, 2)]),
            c.ReceiveLot(lot=f"{p}-REEL", part_number=f"{p}-CAP", quantity=100, date_code="2645"),
            c.LoadMaterial(station=f"{p}-SMT", location="F1", lot=f"{p}-REEL", loaded_at=T0),
            c.ChangeLotStatus(lot=f"{p}-REEL", status="quarantined", reason="WMS: MSL exceeded"),
        ]:
            c.execute(session, cmd)


def _install(session, p, serial, **item):
    return c.execute(session, c.InstallComponents(
        parent_serial=f"{p}-{serial}", installed_at=T0 + timedelta(minutes=1), station=f"{p}-SMT",
        operation="SMT", items=[c.InstalledItem(reference_designator="C1", **item)]))


@pytest.mark.parametrize("how, field", [("lot", "items[0].lot"), ("location", "items[0].location")])
def test_refused_by_default_whether_named_or_picked_from_a_feeder(store, uid, how, field):
    _plant(store, uid)
    item = {"lot": f"{uid}-REEL"} if how == "lot" else {"location": "F1"}
    before = row_counts(store)
    with pytest.raises(Refused) as info, store.write() as session:
        _install(session, uid, "B1", **item)
    assert info.value.field == field and "quarantined" in info.value.message
    assert row_counts(store) == before


def test_flag_policy_installs_flags_and_holds_the_unit(database_url, uid):
    store = Store(make_engine(database_url), policy=Policy(quarantined_lot="flag"))
    try:
        _plant(store, uid)
        with store.write() as session:
            _install(session, uid, "B1", location="F1")
        with store.read() as session:
            trace = genealogy.backward(session, f"{uid}-B1")
            holds = session.scalars(select(Hold).where(Hold.target_key == f"{uid}-B1")).all()
        [m] = trace.materials
        assert (m.lot, m.lot_status, m.flag) == (f"{uid}-REEL", "quarantined", "quarantined_lot")
        assert [(h.target_kind, h.reason, h.released_at) for h in holds] == [
            ("unit", f"installed quarantined lot {uid}-REEL", None)]
        # Released by the WMS: the next installation is not flagged and holds nothing.
        with store.write() as session:
            c.execute(session, c.ChangeLotStatus(lot=f"{uid}-REEL", status="released"))
            _install(session, uid, "B2", lot=f"{uid}-REEL")
        with store.read() as session:
            [m2] = genealogy.backward(session, f"{uid}-B2").materials
            assert (m2.lot_status, m2.flag) == ("released", None)
            assert not session.scalars(select(Hold).where(Hold.target_key == f"{uid}-B2")).all()
    finally:
        store.dispose()


def test_genealogy_over_graphql_shows_the_flag_the_quarantine_and_the_hold(database_url, uid):
    with app_client(database_url, quarantined_lot="flag") as client:
        store = client.app.state.store
        _plant(store, uid)
        with store.write() as session:
            _install(session, uid, "B1", lot=f"{uid}-REEL")
        r = client.post("/graphql", json={"query": """
            query($s: String!) { traceBackward(serial: $s) {
                root { holds { reason } }
                materials { lotCode flag lot { status } } } }""", "variables": {"s": f"{uid}-B1"}})
    trace = r.json()["data"]["traceBackward"]
    assert trace["materials"] == [{"lotCode": f"{uid}-REEL", "flag": "quarantined_lot",
                                   "lot": {"status": "quarantined"}}]
    assert trace["root"]["holds"] == [{"reason": f"installed quarantined lot {uid}-REEL"}]


def test_every_process_that_runs_commands_gets_the_policy(database_url, monkeypatch):
    """An order closed by `tracebridge erp sync` reports consumption like one closed over REST."""
    from gateway import cli, erp_cli

    monkeypatch.setenv("TRACEBRIDGE_DATABASE_URL", database_url)
    monkeypatch.setenv("TRACEBRIDGE_ERP_WSDL_URL", "http://127.0.0.1:9/erp?wsdl")
    monkeypatch.setenv("TRACEBRIDGE_WMS_URL", "http://127.0.0.1:9/wms")
    monkeypatch.setenv("TRACEBRIDGE_WMS_QUARANTINED_LOT", "flag")
    wanted = Policy(quarantined_lot="flag", report_to_wms=True)
    store = cli._store(cli.Settings())
    assert store.policy == wanted
    store.dispose()
    _, store, _ = erp_cli._open()
    assert store.policy == wanted
    store.dispose()


def test_the_policy_comes_from_settings(database_url):
    with app_client(database_url, quarantined_lot="flag") as client:
        assert client.app.state.store.policy.quarantined_lot == "flag"
    with app_client(database_url) as client:
        assert client.app.state.store.policy == Policy()
