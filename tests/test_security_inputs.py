"""Hardened inputs: body size (declared and streamed), JSON depth, write rate per credential,
internal errors without traces or SQL, malformed JSON refused with nothing written."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from gateway.security.inputs import json_depth
from tests.security_support import app_with_a_write_hook, bearer, make_key
from traceability.database import Store, make_engine
from traceability.models import AuditEntry, DeviceStatus

HOOK = "/api/v1/cfx/test-status"
JSON = {"Content-Type": "application/json"}
XML = {"Content-Type": "text/xml"}


def _chunks(total: int, size: int = 64 * 1024):  # type: ignore[no-untyped-def]
    """A streamed body with no Content-Length (chunked), `total` bytes of a JSON string."""
    yield b'{"source": "'
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size
    yield b'"}'


@pytest.fixture
def writer(database_url):
    key, _ = make_key(database_url, ["devices:write", "trace:read"], name="writer")
    return key


def test_bodies_over_the_limit_are_refused_declared_or_streamed(database_url, writer):
    app = app_with_a_write_hook(database_url, max_body_bytes=10_000, cfx_max_body_bytes=100_000)
    app.post("/api/v1/holds/test-probe")(lambda: {})  # any non-CFX write hook
    admin, _ = make_key(database_url, ["admin"], name="admin")
    with TestClient(app) as client:
        declared = client.post(HOOK, content=b"{" + b" " * 200_000 + b"}", headers={
            **bearer(writer), "Content-Type": "application/json"})
        assert declared.status_code == 413 and declared.json()["error"]["code"] == "too_large"
        streamed = client.post(HOOK, content=_chunks(150_000), headers={
            **bearer(writer), "Content-Type": "application/json"})
        assert streamed.status_code == 413
        xml = client.post(HOOK, content=_chunks(150_000), headers={
            **bearer(writer), "Content-Type": "application/xml"})
        assert xml.status_code == 413  # streamed to the route, cut off on the way
        # CFX has the larger limit: 50 kB passes the gate and reaches validation (source too long).
        big = client.post(HOOK, json={"source": "x" * 50_000}, headers=bearer(writer))
        assert big.status_code == 422 and big.json()["error"]["field"] == "source"
        other = client.post("/api/v1/holds/test-probe", json={"x": "x" * 50_000}, headers=bearer(admin))
        assert other.status_code == 413


def test_deeply_nested_json_is_refused_before_parsing(database_url, writer):
    with TestClient(app_with_a_write_hook(database_url, json_max_depth=16)) as client:
        deep = "[" * 5000 + "]" * 5000
        answer = client.post(HOOK, content=deep, headers={**bearer(writer), **JSON})
        assert answer.status_code == 422 and answer.json()["error"]["message"].startswith("body: JSON nested")
        ok = {"source": "n", "x": [[[[["not deep"]]]]]}
        assert client.post(HOOK, json=ok, headers=bearer(writer)).status_code == 200  # 6 levels pass
        # brackets inside strings do not count
        assert client.post(HOOK, json={"source": "[" * 100}, headers=bearer(writer)).status_code == 200


def test_json_depth_counts_structure_not_strings():
    assert json_depth(b'{"a": "[[[[[[[[[[[["}', 3) == 0
    assert json_depth(b'[[[[]]]]', 3) == 4
    assert json_depth(b'[[[]]] [[]]', 3) == 0
    assert json_depth(b'["\\"[[[[", [[[]]]]', 3) == 4


def test_write_hooks_are_rate_limited_per_credential(database_url, writer, uid):
    other, _ = make_key(database_url, ["devices:write", "devices:read"], name="other line")
    app = app_with_a_write_hook(database_url, write_rate_per_second=0.001, write_burst=3)
    with TestClient(app) as client:
        codes = [client.post(HOOK, json={"source": f"{uid}/R"}, headers=bearer(writer)).status_code
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.post(HOOK, json={"source": f"{uid}/R"}, headers=bearer(writer))
        assert limited.json()["error"]["code"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
        assert client.post(HOOK, json={"source": f"{uid}/R"}, headers=bearer(other)).status_code == 200
        assert client.get("/api/v1/devices", headers=bearer(other)).status_code == 200  # reads are free


def test_an_internal_error_answers_a_reference_not_a_trace(database_url, writer, caplog):
    app = app_with_a_write_hook(database_url)

    @app.post("/api/v1/cfx/test-boom")
    def boom() -> dict:
        raise RuntimeError("SELECT secret FROM api_key WHERE password = 'hunter2'")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.post("/api/v1/cfx/test-boom", headers=bearer(writer))
    assert answer.status_code == 500
    error = answer.json()["error"]
    assert error["code"] == "internal" and error["reference"] in error["message"]
    assert "SELECT" not in answer.text and "Traceback" not in answer.text and "hunter2" not in answer.text
    assert error["reference"] in caplog.text and "hunter2" in caplog.text  # the log keeps the detail


JSONISH = st.one_of(
    st.binary(max_size=300),
    st.text(alphabet='{}[]":,0123456789.-+eEtrufalsn \\x', max_size=300).map(str.encode),
    st.recursive(st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=20),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                             max_size=4),
                 max_leaves=30).map(lambda v: json.dumps(v).encode()),
)


def test_malformed_json_is_refused_cleanly_and_writes_nothing(database_url, writer):
    store = Store(make_engine(database_url))

    def counts() -> tuple[int, int]:
        with store.read() as session:
            return (session.scalar(select(func.count()).select_from(DeviceStatus)),
                    session.scalar(select(func.count()).select_from(AuditEntry)))

    with TestClient(app_with_a_write_hook(database_url, json_max_depth=8)) as client:
        before = counts()

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(body=JSONISH)
        def refused(body: bytes) -> None:
            answer = client.post(HOOK, content=body, headers={**bearer(writer), **JSON})
            assert answer.status_code in (400, 413, 422), (body, answer.text)
            assert answer.json()["error"]["code"] in ("invalid", "too_large")
            assert "Traceback" not in answer.text

        # Valid bodies name a `source`; these never do, so every one must be refused.
        refused()
        assert counts() == before
    store.dispose()


def test_an_integer_past_64_bits_is_refused_naming_the_parameter(database_url):
    """Found by the fuzz run: an unbounded int parameter overflowed the SQLite driver (500)."""
    admin, _ = make_key(database_url, ["admin"], name="admin")
    with TestClient(app_with_a_write_hook(database_url)) as client:
        for huge in ("9223372036854775808", "9" * 5000):
            answer = client.post(f"/api/v1/holds/{huge}/release", json={"by": "qe"}, headers=bearer(admin))
            assert answer.status_code == 422, answer.text
            assert answer.json()["error"]["field"] == "hold_id"


SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XMLISH = st.one_of(
    st.binary(max_size=400),
    st.text(alphabet="<>/=\"' :!-[]&;abcdefxmlnsEnvelopBdySOAPENTITYDOC", max_size=400).map(str.encode),
    st.builds(lambda op, inner: (
        f"<soap:Envelope xmlns:soap='{SOAP_ENV}'><soap:Body><{op} xmlns='urn:tracebridge:erp'>{inner}"
        f"</{op}></soap:Body></soap:Envelope>").encode(),
        st.sampled_from(["SyncWorkOrder", "ChangeWorkOrderStatus", "GetWorkOrder", "Nope"]),
        st.text(alphabet="<>/abcdIDMessageVrsion0123456789 ", max_size=120)),
)


def test_malformed_soap_bodies_are_refused_as_client_faults_and_write_nothing(database_url):
    store = Store(make_engine(database_url))
    key, _ = make_key(database_url, ["erp:write"], name="erp")

    def audited() -> int:
        with store.read() as session:
            return session.scalar(select(func.count()).select_from(AuditEntry))

    with TestClient(app_with_a_write_hook(database_url)) as client:
        before = audited()

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(body=XMLISH)
        def refused(body: bytes) -> None:
            answer = client.post("/soap/erp", content=body, headers={**bearer(key), **XML})
            assert answer.status_code in (400, 413, 415, 422, 500), answer.text
            assert b"soap:Client" in answer.content and b"Traceback" not in answer.content, answer.text

        refused()
        assert audited() == before
    store.dispose()
