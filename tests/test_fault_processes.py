"""Consumer and gateway processes (`tracebridge consume` / `serve` in subprocesses) on one
PostgreSQL and RabbitMQ: killed with SIGKILL mid-batch, stopped with SIGTERM, and run side by side."""

from __future__ import annotations

import signal
import threading

import httpx
import psycopg
import pytest

from tests.amqp_support import URL, Publisher, require_broker, settings_for, wait_for
from tests.events_support import unique_exchange
from tests.fault_support import Stream, free_port, processes, store_at, tracebridge, wait_http


@pytest.fixture(autouse=True)
def _broker() -> None:
    require_broker()


def _env(url: str, settings, batch: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"TRACEBRIDGE_DATABASE_URL": url, "TRACEBRIDGE_AMQP_URL": URL,
            "TRACEBRIDGE_CFX_EXCHANGE": settings.exchange, "TRACEBRIDGE_CFX_QUEUE": settings.queue,
            "TRACEBRIDGE_CFX_BATCH_SIZE": str(batch), "TRACEBRIDGE_CFX_PREFETCH": str(2 * batch),
            "TRACEBRIDGE_EVENTS_EXCHANGE": unique_exchange()}


def _in_transaction(admin: psycopg.Connection, database: str) -> bool:
    """Another session of this database is inside a transaction (the consumer's batch)."""
    return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                         "pg_backend_pid() AND xact_start IS NOT NULL AND state <> 'idle'",
                         (database,)).fetchone()[0] > 0


def _published(stream: Stream, uid: str, batch: int):  # type: ignore[no-untyped-def]
    settings = settings_for(uid, batch_size=batch)
    publisher = Publisher(settings)
    for m in stream.messages():
        publisher.publish(m)
    return settings, publisher


def test_a_consumer_killed_mid_batch_and_restarted_stores_everything_once(postgresql_url, uid):
    stream, batch = Stream(uid, units=300), 40
    with store_at(postgresql_url) as store, psycopg.connect(postgresql_url, autocommit=True) as admin:
        stream.prepare(store)
        settings, publisher = _published(stream, uid, batch)
        env = _env(postgresql_url, settings, batch)
        database = postgresql_url.rsplit("/", 1)[1]
        try:
            with processes() as started:
                first = tracebridge(started, env, "consume")
                # The kill lands inside a batch's open transaction, after at least one batch committed.
                assert wait_for(lambda: stream.applied(store) > 0 or first.poll() is not None, timeout=60)
                mid_batch = wait_for(lambda: _in_transaction(admin, database), timeout=10, interval=0.002)
                first.send_signal(signal.SIGKILL)
                first.wait(10)
                at_kill = stream.applied(store)
                assert at_kill < stream.units, "finished before the kill: nothing was in flight"
                back = publisher.pending()  # unacked deliveries went back to the queue
                second = tracebridge(started, env, "consume")
                assert wait_for(lambda: stream.applied(store) == stream.units and publisher.pending() == 0,
                                timeout=90), (stream.applied(store), publisher.pending(), second.poll())
                second.send_signal(signal.SIGTERM)
                assert second.wait(30) == 0
            redelivered = at_kill + back - stream.units  # stored before the kill, but not acked
            outcome = stream.outcome("consumer SIGKILL mid-batch, restarted", store,
                                     note=f"killed inside a batch transaction: {mid_batch}; {at_kill} stored "
                                          f"before it, {back} back in the queue, {redelivered} of those "
                                          "already stored (replayed as no-ops)")
            assert redelivered >= 0 and outcome.duplicated == 0 and outcome.lost == 0
            assert outcome.stored == stream.units
        finally:
            publisher.close()


def test_sigterm_finishes_the_batch_in_flight_acks_it_and_exits_0(postgresql_url, uid):
    stream, batch = Stream(uid, units=200), 25
    with store_at(postgresql_url) as store:
        stream.prepare(store)
        settings, publisher = _published(stream, uid, batch)
        env = _env(postgresql_url, settings, batch)
        try:
            with processes() as started:
                proc = tracebridge(started, env, "consume")
                assert wait_for(lambda: stream.applied(store) > 0 or proc.poll() is not None, timeout=60)
                proc.send_signal(signal.SIGTERM)
                out, err = proc.communicate(timeout=30)
                assert proc.returncode == 0, err[-2000:]
                stored, pending = stream.applied(store), publisher.pending()
                acked = int(out.strip().splitlines()[-1].split(" message(s)")[0])
                # Every stored message was acked (none waits in the queue to be replayed), and
                # every message not stored is still in the queue: nothing in between.
                assert stored == acked and stored + pending == stream.units, (stored, acked, pending)
                rest = tracebridge(started, env, "consume")
                assert wait_for(lambda: stream.applied(store) == stream.units, timeout=90)
                rest.send_signal(signal.SIGTERM)
                assert rest.wait(30) == 0
            outcome = stream.outcome("consumer SIGTERM, restarted", store,
                                     note=f"{acked} stored and acked before exit 0, {pending} left queued")
            assert outcome.duplicated == 0 and outcome.lost == 0
        finally:
            publisher.close()


def test_consumers_and_gateways_side_by_side_store_the_stream_once(postgresql_url, uid):
    """Three consumers on the queue and two gateways taking the same envelopes over HTTP."""
    stream, batch = Stream(uid, units=200), 20
    with store_at(postgresql_url) as store:
        stream.prepare(store)
        settings, publisher = _published(stream, uid, batch)
        env = _env(postgresql_url, settings, batch)
        answers: list[int] = []
        try:
            with processes() as started:
                ports = [free_port(), free_port()]
                for port in ports:
                    tracebridge(started, env, "serve", "--port", str(port))
                for _ in range(3):
                    tracebridge(started, env, "consume")
                assert all(wait_http(f"http://127.0.0.1:{p}/health") for p in ports)
                messages = stream.messages()

                def post_all(port: int) -> None:
                    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
                        for n in range(0, len(messages), 10):
                            answers.append(http.post("/api/v1/cfx", json=messages[n:n + 10]).status_code)

                posters = [threading.Thread(target=post_all, args=(p,)) for p in ports]
                for th in posters:
                    th.start()
                for th in posters:
                    th.join(120)
                assert wait_for(lambda: stream.applied(store) == stream.units and publisher.pending() == 0,
                                timeout=90)
                for p in started:
                    p.send_signal(signal.SIGTERM)
                codes = [p.wait(30) for p in started]
            # uvicorn shuts down gracefully, then re-raises the SIGTERM it caught (exit -15)
            gateways, consumers = codes[:2], codes[2:]
            refused = [a for a in answers if a != 200]
            outcome = stream.outcome("3 consumers + 2 gateways, same stream", store,
                                     note=f"{len(answers)} HTTP batches, {len(refused)} not 200: "
                                          f"{sorted(set(refused))}; each message sent 3 times in all")
            assert refused == [] and outcome.duplicated == 0 and outcome.lost == 0
            assert outcome.stored == stream.units and consumers == [0, 0, 0], codes
            assert set(gateways) <= {0, -signal.SIGTERM}, codes
        finally:
            publisher.close()
