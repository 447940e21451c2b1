"""Confirmations to the ERP: written with the state they report, delivered in order, once, retried."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from gateway.app import create_app
from gateway.cli import app as cli
from gateway.settings import Settings
from integrations.erp import inbound
from integrations.erp.b2mml import ProductionOrder
from integrations.erp.client import ErpClient
from integrations.erp.pull import confirmation_relay
from integrations.erp.settings import ErpSettings
from integrations.erp.simulator import ErpSimulator
from tests.erp_support import plant, served
from tests.scenario import t
from traceability import commands as c
from traceability import outbox
from traceability.database import Store, make_engine
from traceability.errors import Invalid
from traceability.models import OutboxEvent


def build(store, uid, *, close=True):
    """An ERP order of 4 units: SMT passes 3 and scraps 1; ICT fails one, which passes on retest."""
    p = plant(store, uid)
    wo = p["wo"]
    inbound.sync(store, ProductionOrder.model_validate({
        "Version": 1, "MaterialDefinitionID": p["part"], "Quantity": {"QuantityString": "4"},
        "OperationsDefinitionVersion": "R1", "RequestState": "Released"}), number=wo)
    serials = [f"{uid}-U{i}" for i in range(4)]
    with store.write() as session:
        c.execute(session, c.RegisterUnits(work_order=wo, units=[
            c.NewUnit(serial=s, part_number=p["part"]) for s in serials]))
        for i, s in enumerate(serials):
            c.execute(session, c.RecordOperation(serial=s, operation="SMT", station="SMT-L1",
                                                 started_at=t(i), completed_at=t(i + 1),
                                                 result="scrapped" if i == 3 else "pass"))
        for i, s in enumerate(serials[:3]):
            c.execute(session, c.RecordOperation(serial=s, operation="ICT", station="ICT-1",
                                                 started_at=t(10 + i), completed_at=t(11 + i),
                                                 result="fail" if i == 0 else "pass"))
        c.execute(session, c.RecordOperation(serial=serials[0], operation="ICT", station="ICT-1",
                                             started_at=t(20), completed_at=t(21), result="pass"))
    if close:
        with store.write() as session:
            c.execute(session, c.ChangeWorkOrderStatus(number=wo, status="completed"))
        inbound.change_status(store, wo, "Closed", message_id=f"{uid}-close")
    return wo


def rows(store, wo):
    with store.read() as session:
        return list(session.scalars(select(OutboxEvent).where(
            OutboxEvent.destination == "erp", OutboxEvent.aggregate_id == wo).order_by(OutboxEvent.id)))


@pytest.fixture
def erp():
    with ErpSimulator() as sim:
        client = ErpClient(ErpSettings(wsdl_url=sim.wsdl_url, timeout=5))
        yield sim, client
        client.close()


def fast(relay):
    relay.base_delay = relay.max_delay = 0.0
    return relay


def deliver_all(relay, sim, wo, expected):
    for _ in range(30):  # bounded: every round delivers at least the next row per order
        relay.drain(max_batches=50)
        if sum(1 for b in sim.bookings.values() if b.order == wo) >= expected:
            return


def test_confirmations_are_written_with_the_state_they_report(store, uid):
    wo = build(store, uid)
    out = rows(store, wo)
    units = [r.payload["operations"][0] for r in out if not r.payload["final"]]
    assert [(u["operation"], u["good"], u["scrap"]) for u in units] == \
        [("SMT", 1, 0)] * 3 + [("SMT", 0, 1)] + [("ICT", 1, 0)] * 3  # the failed test is not confirmed
    final = out[-1].payload
    assert final["final"] is True and final["operations"] == [
        {"operation": "ICT", "good": 3, "scrap": 0}, {"operation": "SMT", "good": 3, "scrap": 1}]
    assert [r.sequence for r in out] == list(range(1, len(out) + 1))


def test_a_transaction_that_fails_leaves_no_confirmation(store, uid):
    wo = build(store, uid, close=False)
    before = len(rows(store, wo))
    with pytest.raises(Invalid), store.write() as session:
        c.execute(session, c.RecordOperation(serial=f"{uid}-U1", operation="PACK", station="P1",
                                             started_at=t(30), completed_at=t(31)))
        c.execute(session, c.RecordOperation(serial=f"{uid}-GHOST", operation="PACK", station="P1",
                                             started_at=t(30), completed_at=t(31)))
    assert len(rows(store, wo)) == before


def test_delivered_in_order_once_through_failures(store, uid, erp):
    sim, client = erp
    wo = build(store, uid)
    expected = len(rows(store, wo))
    sim.fail_first = 4
    deliver_all(fast(confirmation_relay(store, client, ErpSettings())), sim, wo, expected)
    mine = [b for b in sim.bookings.values() if b.order == wo]
    assert [b.sequence for b in mine] == list(range(1, expected + 1))  # in order, no gaps
    assert {b.key for b in mine} == {r.event_id for r in rows(store, wo)}  # each once, by its key
    assert mine[-1].final and {r.status for r in rows(store, wo)} == {"sent"}


def test_a_slow_erp_that_times_out_still_books_once(store, uid):
    wo = build(store, uid)
    with ErpSimulator() as sim:
        client = ErpClient(ErpSettings(wsdl_url=sim.wsdl_url, timeout=0.5))
        client.released_orders()  # the WSDL is read
        sim.delay, sim.slow_calls = 1.5, 1  # the next call answers after the client gave up
        deliver_all(fast(confirmation_relay(store, client, ErpSettings())), sim, wo, len(rows(store, wo)))
        client.close()
        keys = [b.key for b in sim.bookings.values() if b.order == wo]
        assert sorted(keys) == sorted(r.event_id for r in rows(store, wo))
        assert sim.calls.count("ConfirmProduction") > len(keys)  # the timed-out call was resent ...
        # ... and the ERP booked it once, by its idempotency key


def test_survives_a_restart_and_an_erp_that_went_away(database_url, store, uid):
    wo = build(store, uid)
    sim = ErpSimulator().start()
    port = sim.port
    client = ErpClient(ErpSettings(wsdl_url=sim.wsdl_url, timeout=2))
    client.released_orders()
    sim.stop()  # the ERP goes away
    relay = fast(confirmation_relay(store, client, ErpSettings()))
    assert relay.run_once() == 0
    assert any(r.attempts == 1 and "Connection" in (r.last_error or "") for r in rows(store, wo))
    restarted = Store(make_engine(database_url))  # TraceBridge restarts: only the rows remain
    with ErpSimulator(port=port) as back:
        client2 = ErpClient(ErpSettings(wsdl_url=back.wsdl_url, timeout=2))
        relay2 = fast(confirmation_relay(restarted, client2, ErpSettings()))
        deliver_all(relay2, back, wo, len(rows(store, wo)))
        client2.close()
        assert len([b for b in back.bookings.values() if b.order == wo]) == len(rows(store, wo))
    restarted.dispose()
    client.close()


def test_undeliverable_ones_are_listed_and_retried(store, database_url, uid):
    wo = build(store, uid)
    with ErpSimulator(fail_first=10_000) as sim:
        client = ErpClient(ErpSettings(wsdl_url=sim.wsdl_url, timeout=2))
        relay = fast(confirmation_relay(store, client, ErpSettings(max_attempts=1)))
        relay.drain()
        with served(create_app(Settings(database_url=database_url))) as base, \
                httpx.Client(base_url=f"{base}/api/v1/erp", timeout=10) as http:
            failed = [e for e in http.get("/outbox", params={"status": "failed", "limit": 1000}).json()
                      if e["work_order"] == wo]
            assert failed and "temporarily unavailable" in failed[0]["last_error"]
            assert failed[0]["event_id"] == rows(store, wo)[0].event_id
            assert http.get("/outbox", params={"status": "lost"}).status_code == 422
            r = http.post("/outbox/retry", json={"ids": [e["id"] for e in failed]})
            assert r.json() == {"retried": len(failed)}
        sim.fail_first = 0
        deliver_all(relay, sim, wo, len(rows(store, wo)))
        client.close()
    assert len([b for b in sim.bookings.values() if b.order == wo]) == len(rows(store, wo))


def test_cli_confirm_and_run(store, database_url, uid, monkeypatch):
    wo = build(store, uid)
    with ErpSimulator() as sim:
        monkeypatch.setenv("TRACEBRIDGE_DATABASE_URL", database_url)
        monkeypatch.setenv("TRACEBRIDGE_ERP_WSDL_URL", sim.wsdl_url)
        monkeypatch.setenv("TRACEBRIDGE_ERP_CONFIRM_INTERVAL", "0.05")
        result = CliRunner().invoke(cli, ["erp", "confirm"])
        assert result.exit_code == 0, result.output
        assert "confirmation(s) delivered" in result.output
        assert [b.sequence for b in sim.bookings.values() if b.order == wo][:1] == [1]
        result = CliRunner().invoke(cli, ["erp", "run", "--duration", "2"])
        assert result.exit_code == 0, result.output
        assert len([b for b in sim.bookings.values() if b.order == wo]) == len(rows(store, wo))
    monkeypatch.delenv("TRACEBRIDGE_ERP_WSDL_URL")
    result = CliRunner().invoke(cli, ["erp", "sync"])
    assert result.exit_code == 2 and "TRACEBRIDGE_ERP_WSDL_URL" in result.output


def test_a_panel_is_confirmed_as_its_boards(store, uid):
    p = plant(store, uid)
    wo = p["wo"]
    panel, boards = f"{uid}-PNL", [f"{uid}-B{i}" for i in range(4)]
    inbound.sync(store, ProductionOrder.model_validate({
        "MaterialDefinitionID": p["part"], "Quantity": {"QuantityString": "4"},
        "OperationsDefinitionVersion": "R1", "RequestState": "Released"}), number=wo)
    with store.write() as session:
        c.execute(session, c.RegisterUnits(work_order=wo, units=[
            c.NewUnit(serial=panel, part_number=p["part"], kind="panel"),
            *[c.NewUnit(serial=b, part_number=p["part"], kind="board", panel_serial=panel, panel_position=i)
              for i, b in enumerate(boards)]]))
        c.execute(session, c.RecordOperation(serial=panel, operation="SMT", station="SMT-L1",
                                             started_at=t(0), completed_at=t(1)))
        for i, b in enumerate(boards):
            c.execute(session, c.RecordOperation(
                serial=b, operation="ICT", station="ICT-1", started_at=t(5 + i), completed_at=t(6 + i),
                result="scrapped" if i == 0 else "pass"))
        c.execute(session, c.ChangeWorkOrderStatus(number=wo, status="completed"))
        c.execute(session, c.ChangeWorkOrderStatus(number=wo, status="closed"))
    out = [r.payload for r in rows(store, wo)]
    first = out[0]["operations"][0]
    assert (first["operation"], first["good"], first["scrap"], first["serial"]) == ("SMT", 4, 0, panel)
    assert out[-1]["operations"] == [{"operation": "ICT", "good": 3, "scrap": 1},
                                     {"operation": "SMT", "good": 4, "scrap": 0}]


def test_a_confirmation_the_erp_does_not_accept_fails_visibly_and_holds_the_rest(store, uid, erp):
    sim, client = erp
    wo = build(store, uid)
    sim.closed_orders.add(wo)
    relay = fast(confirmation_relay(store, client, ErpSettings(max_attempts=2)))
    for _ in range(4):
        relay.drain()
    first, *rest = rows(store, wo)
    assert first.status == "failed" and f"production order {wo} is closed in the ERP" in first.last_error
    assert {r.status for r in rest} == {"pending"}  # nothing overtakes it
    assert not [b for b in sim.bookings.values() if b.order == wo]
    sim.closed_orders.clear()
    with store.write() as session:
        assert outbox.retry(session, "erp", [first.id]) == 1
    deliver_all(relay, sim, wo, len(rows(store, wo)))
    assert [b.sequence for b in sim.bookings.values() if b.order == wo] == list(range(1, len(rest) + 2))
