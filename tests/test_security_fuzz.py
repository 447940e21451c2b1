"""Schemathesis against the served OpenAPI (uvicorn, both databases): no generated request gets a
5xx (SOAP faults excepted: SOAP 1.1 sends them as 500, so they must be Client faults). Bounded: 10
examples per operation, no deadline. Each case is sent with an admin key, so every route's own
input handling is reached, and without a credential (401, never 5xx)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.security_support import app_with_a_write_hook, bearer, make_key
from tests.served import serve


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request):
    url = request.getfixturevalue(f"{request.param}_url")
    admin, _ = make_key(url, ["admin"], name="fuzz")
    with serve(app_with_a_write_hook(url)) as base:
        yield base, admin


def test_no_generated_request_gets_a_server_error(served):
    base, admin = served
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert any(op.path == "/api/v1/audit" for op in operations)
    seen: list[str] = []
    for operation in operations:

        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)
        @given(case=operation.as_strategy())
        def no_5xx(case) -> None:  # type: ignore[no-untyped-def]
            for headers in (bearer(admin), {}):
                answer = case.call(base_url=base, headers=headers, timeout=30)
                where = f"{case.method} {case.formatted_path}"
                if case.formatted_path.startswith("/soap/") and answer.status_code == 500:
                    # SOAP 1.1 answers every fault with 500: it must be the client's fault, named.
                    assert "soap:Client" in answer.text, f"{where}: {answer.text[:300]}"
                    continue
                assert answer.status_code < 500, f"{where}: {answer.status_code} {answer.text[:300]}"
                assert "Traceback" not in answer.text, where

        no_5xx()
        seen.append(f"{operation.method.upper()} {operation.path}")
    assert len(seen) == len(operations)
