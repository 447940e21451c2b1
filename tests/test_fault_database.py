"""PostgreSQL unavailable: a TCP proxy in front of it, cut and refusing (the server is 'down').

Requests fail fast with 503 and a clear message; /ready says so; the CFX consumer stops acking
(hands its batches back to the broker) and resumes when the database is back, every message
stored once, nothing partial. Killing the app's connections with pg_terminate_backend, without
an outage, is invisible to callers: the pool checks a connection before handing it out."""

from __future__ import annotations

import time

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from gateway.app import create_app
from gateway.settings import Settings
from tests.amqp_support import URL, Publisher, TcpProxy, consumers, require_broker, settings_for, wait_for
from tests.databases import PG_ADMIN_URL
from tests.fault_support import Stream, elapsed, store_at

PG = ("127.0.0.1", 5432)


def _via(proxy: TcpProxy, url: str) -> str:
    """The same database, reached through the proxy."""
    return url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")


def _app(url: str) -> TestClient:
    settings = Settings(database_url=url)
    settings.events.relay = False
    return TestClient(create_app(settings))


def test_requests_fail_fast_with_503_and_recover(postgresql_url, uid):
    proxy = TcpProxy(target=PG)
    try:
        with _app(_via(proxy, postgresql_url)) as client:
            assert client.get("/ready").status_code == 200
            work_order = {"Version": 1, "MaterialDefinitionID": f"{uid}-PRD",
                          "Quantity": {"QuantityString": "5"}}
            proxy.refuse = True
            proxy.cut()
            start = time.monotonic()
            down = client.put(f"/api/v1/erp/work-orders/{uid}-WO", json=work_order,
                              headers={"Idempotency-Key": f"{uid}-1"})
            took = elapsed(start)
            assert down.status_code == 503, down.text
            assert down.json()["error"] == {"code": "unavailable",
                                            "message": "the database is unavailable; retry later"}
            assert client.get("/api/v1/devices").status_code == 503
            graph = client.post("/graphql", json={"query": f'{{ unit(serial: "{uid}-U1") {{ serial }} }}'})
            assert graph.json()["errors"][0]["extensions"]["code"] == "unavailable"  # GraphQL's own way
            ready = client.get("/ready")
            assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("unavailable")
            print(f"503 answered in {took} with the database down")
            proxy.refuse = False
            assert client.get("/ready").status_code == 200  # no restart needed
    finally:
        proxy.close()
    # Nothing of the refused request was written.
    with psycopg.connect(postgresql_url) as conn:
        assert conn.execute("SELECT count(*) FROM work_order WHERE number = %s",
                            (f"{uid}-WO",)).fetchone() == (0,)


def test_terminated_connections_are_replaced_unseen(postgresql_url, uid):
    with _app(postgresql_url) as client:
        assert client.get("/ready").status_code == 200
        name = postgresql_url.rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            killed = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = %s AND pid <> pg_backend_pid()", (name,)).fetchone()
        assert killed[0] >= 1
        assert client.get("/ready").status_code == 200
        assert client.get("/api/v1/devices").status_code == 200
        # The interlock reads without a ping (Store.query): the same kill, then the check answers.
        check = {"station": "L1.ICT", "operation": "ICT"}
        assert client.post(f"/api/v1/units/{uid}-U/check", json=check).status_code == 200
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        assert client.post(f"/api/v1/units/{uid}-U/check", json=check).json()["go"] is False


def test_a_short_read_runs_again_when_its_connection_died_mid_statement(postgresql_url):
    """Store.query: the connection is killed between checkout and the statement (the checkout
    check cannot see it); the read fails once, invalidates it, and runs again on a new one."""
    calls: list[int] = []

    def read(session: Session) -> int:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        calls.append(pid)
        if len(calls) == 1:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            time.sleep(0.2)  # bounded: the backend is gone by then
        return session.execute(text("SELECT 1")).scalar_one()

    with store_at(postgresql_url) as store:
        assert store.query(read) == 1
    assert len(calls) == 2 and calls[0] != calls[1]


def test_consumer_stops_acking_while_the_database_is_down_and_resumes(postgresql_url, uid):
    require_broker()
    stream = Stream(uid, units=60)
    with store_at(postgresql_url) as direct:
        stream.prepare(direct)
        settings = settings_for(uid, batch_size=10, prefetch=20)
        publisher = Publisher(settings)
        proxy = TcpProxy(target=PG)
        try:
            with store_at(_via(proxy, postgresql_url)) as proxied, \
                    consumers(proxied, URL, settings) as [consumer]:
                proxy.refuse = True
                proxy.cut()
                for m in stream.messages():
                    publisher.publish(m)
                assert wait_for(lambda: consumer.stats.nacked >= 10, timeout=60), consumer.stats
                assert stream.applied(direct) == 0 and stream.installations(direct) == (0, 0)
                assert consumer.stats.messages == 0  # nothing acked while the store is down
                nacked = consumer.stats.nacked
                proxy.refuse = False
                assert wait_for(lambda: stream.applied(direct) == stream.units
                                and publisher.pending() == 0, timeout=60)
            stream.outcome("PostgreSQL down under the CFX consumer", direct,
                           note=f"{nacked} deliveries handed back while down")
            assert stream.installations(direct) == (stream.units * 10, stream.units * 10)
        finally:
            proxy.close()
            publisher.close()
