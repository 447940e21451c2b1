"""Operational readiness: /ready checks the broker, /metrics exposes what operators watch, JSON logs
carry the correlation id of the request they were written for."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.observability import correlation
from gateway.observability.logs import JsonFormatter
from gateway.settings import Settings
from tests.amqp_support import TcpProxy, require_broker
from tests.events_support import a_lot


def _samples(text: str, name: str) -> dict[str, float]:
    """{label text: value} of one metric in the exposition format."""
    out = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            key, value = line.rsplit(" ", 1)
            out[key[len(name):]] = float(value)
    return out


def test_ready_checks_the_broker_when_one_is_configured(sqlite_url):
    require_broker()
    proxy = TcpProxy()
    try:
        settings = Settings(database_url=sqlite_url, amqp_url=proxy.url)
        settings.events.relay = False
        with TestClient(create_app(settings)) as client:
            ok = client.get("/ready")
            assert ok.status_code == 200, ok.text
            assert ok.json()["checks"] == {"database": "ok", "schema": "ok", "broker": "ok"}
            proxy.refuse = True  # the broker is unreachable: new connections are dropped
            proxy.cut()
            down = client.get("/ready")
            assert down.status_code == 503
            assert down.json()["checks"]["broker"].startswith("unavailable")
            proxy.refuse = False
            assert client.get("/ready").status_code == 200
    finally:
        proxy.close()


def test_metrics_show_request_latency_trace_latency_and_the_outbox(store, uid):
    lot = a_lot(store, uid)
    settings = Settings(database_url=str(store.engine.url.render_as_string(hide_password=False))
                        .replace("postgresql+psycopg://", "postgresql://"))
    settings.events.relay = False  # the backlog stays where the scrape can see it
    with TestClient(create_app(settings)) as client:
        assert client.get(f"/api/v1/lots/{lot}").status_code in (200, 404)
        q = {"query": f'{{ traceForward(lot: "{lot}", first: 5) {{ units {{ totalCount }} }} }}'}
        assert client.post("/graphql", json=q).status_code == 200
        answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    http = _samples(text, "tracebridge_http_request_seconds_count")
    assert any('route="/graphql"' in k and 'method="POST"' in k and 'status="200"' in k for k in http), http
    assert not any(lot in k for k in http)  # templates, never raw paths
    traces = _samples(text, "tracebridge_trace_query_seconds_count")
    assert traces.get('{query="forward_reach"}', 0) >= 1, traces
    backlog = _samples(text, "tracebridge_outbox_backlog")
    assert backlog.get('{destination="events",status="pending"}', 0) >= 2, backlog
    assert _samples(text, "tracebridge_outbox_oldest_age_seconds")['{destination="events"}'] >= 0
    assert _samples(text, "tracebridge_store_up") == {"": 1.0}
    assert "tracebridge_cfx_messages_total" in text and "tracebridge_cfx_batch_seconds" in text


def test_a_request_id_is_echoed_and_logged_as_json(sqlite_url, caplog: pytest.LogCaptureFixture):
    with TestClient(create_app(Settings(database_url=sqlite_url))) as client:
        given = client.get("/health", headers={"X-Request-ID": "erp-4711.1"})
        made = client.get("/health")
        forged = client.get("/health", headers={"X-Request-ID": "a\" b\n"})
    assert given.headers["x-request-id"] == "erp-4711.1"
    assert len(made.headers["x-request-id"]) == 32
    assert forged.headers["x-request-id"] != "a\" b\n"
    record = logging.LogRecord("tracebridge.cfx", logging.WARNING, __file__, 1, "held %s", ("U1",), None)
    with correlation.bound("CFX-UNIQUE-1"):
        line = json.loads(JsonFormatter().format(record))
    assert line["correlation_id"] == "CFX-UNIQUE-1" and line["message"] == "held U1"
    assert line["level"] == "WARNING" and line["logger"] == "tracebridge.cfx" and "time" in line

