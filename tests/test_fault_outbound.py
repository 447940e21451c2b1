"""The ERP down for longer than the retry budget: confirmations wait in the outbox, visible (API and
/metrics), and once the ERP is back and they are queued again, each is booked once, in order per
work order."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.app import create_app
from gateway.settings import Settings
from integrations.erp.client import ErpClient
from integrations.erp.pull import confirmation_relay
from integrations.erp.settings import ErpSettings
from integrations.erp.simulator import ErpSimulator
from tests.fault_support import Outcome
from tests.test_erp_confirmations import build
from traceability.models import OutboxEvent

BUDGET = 3  # attempts before a confirmation is marked failed (ErpSettings.max_attempts)


def _rows(store, orders: list[str]) -> list[OutboxEvent]:  # type: ignore[no-untyped-def]
    with store.read() as s:
        return list(s.scalars(select(OutboxEvent).where(
            OutboxEvent.destination == "erp", OutboxEvent.aggregate_id.in_(orders)).order_by(OutboxEvent.id)))


def test_erp_down_beyond_the_retry_budget_then_back(pg_store, postgresql_url, uid):
    store = pg_store
    orders = [build(store, f"{uid}A"), build(store, f"{uid}B")]
    expected = _rows(store, orders)
    sim = ErpSimulator().start()
    port = sim.port
    client = ErpClient(ErpSettings(wsdl_url=sim.wsdl_url, timeout=2))
    client.released_orders()  # the WSDL is read while the ERP is up
    sim.stop()  # ... and then the ERP goes away
    relay = confirmation_relay(store, client, ErpSettings(max_attempts=BUDGET))
    relay.base_delay = relay.max_delay = 0.0
    for _ in range(BUDGET + 1):  # bounded: the budget, and one round more
        relay.drain(max_batches=5)
    rows = _rows(store, orders)
    failed = [r for r in rows if r.status == "failed"]
    assert {r.aggregate_id for r in failed} == set(orders)  # the first of each order, budget spent
    assert all(r.status == "pending" for r in rows if r.status != "failed")  # the rest wait behind it
    settings = Settings(database_url=postgresql_url)
    settings.events.relay = False
    with TestClient(create_app(settings)) as http:
        listed = http.get("/api/v1/erp/outbox", params={"status": "failed", "limit": 1000}).json()
        assert {e["work_order"] for e in listed} >= set(orders)
        assert all(e["last_error"] for e in listed if e["work_order"] in orders)
        scrape = http.get("/metrics").text
        assert 'tracebridge_outbox_backlog{destination="erp",status="failed"}' in scrape
        assert 'tracebridge_outbox_oldest_age_seconds{destination="erp"}' in scrape
        with ErpSimulator(port=port) as back:  # the ERP is back, at the same address
            ids = [e["id"] for e in listed if e["work_order"] in orders]
            assert http.post("/api/v1/erp/outbox/retry", json={"ids": ids}).json() == {"retried": len(ids)}
            client2 = ErpClient(ErpSettings(wsdl_url=back.wsdl_url, timeout=2))
            relay2 = confirmation_relay(store, client2, ErpSettings(max_attempts=BUDGET))
            for _ in range(len(expected) + 1):  # bounded: each round books at least the next per order
                if relay2.drain(max_batches=5) == 0:
                    break
            client2.close()
            bookings = list(back.bookings.values())
            calls = back.calls.count("ConfirmProduction")
    client.close()
    lost = 0
    for wo in orders:
        mine = [b for b in bookings if b.order == wo]
        want = [r for r in expected if r.aggregate_id == wo]
        assert [b.sequence for b in mine] == [r.sequence for r in want]  # in order per work order
        lost += len(want) - len(mine)
    assert {r.status for r in _rows(store, orders)} == {"sent"}
    Outcome("ERP down beyond the retry budget", sent=len(expected), stored=len(bookings),
            duplicated=len(bookings) - len({b.key for b in bookings}), lost=lost,
            note=f"{len(failed)} failed after {BUDGET} attempts, queued again by the API; "
                 f"{calls} ConfirmProduction call(s) once back").report()
    assert lost == 0 and len(bookings) == len(expected)
