"""Every route of the app is closed by default: 401 without a credential, 403 without the scope.

The routes are enumerated from the app itself (REST, mounts, WebSockets, and GraphQL mutations
when /graphql exists), so a route added later is checked without anyone listing it here.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from gateway.security.policy import rule_for
from tests.security_support import bearer, make_key, secure_app

# Public by design (docs/security.md): liveness/readiness and the API's own description.
PUBLIC = {("GET", "/health"), ("GET", "/ready"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect"),
          ("GET", "/redoc"), ("GET", "/openapi.json"), ("HEAD", "/health"), ("HEAD", "/ready"),
          ("HEAD", "/docs"), ("HEAD", "/docs/oauth2-redirect"), ("HEAD", "/redoc"),
          ("HEAD", "/openapi.json"),
          ("GET", "/graphql"),  # GraphiQL's page only: a GET with ?query= needs trace:read
          # The dashboard's page and assets: no data in them (it asks GraphQL with the user's key).
          ("GET", "/dashboard"), ("GET", "/dashboard/static/X1"),
          ("HEAD", "/dashboard"), ("HEAD", "/dashboard/static/X1")}
PARAM = re.compile(r"\{[^}]+\}")


def endpoints(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(method, concrete path) for every route, mount and WebSocket the app serves."""
    out: set[tuple[str, str]] = set()
    for ctx in iter_route_contexts(app.routes):
        route, path = ctx.original_route, PARAM.sub("X1", ctx.path or "")
        if isinstance(route, WebSocketRoute) or type(route).__name__ == "APIWebSocketRoute":
            out.add(("WEBSOCKET", path))
        elif isinstance(route, Mount):
            out.update({("GET", path + "/x"), ("POST", path + "/x")})
        else:
            out.update((m, path) for m in (ctx.methods or {"GET"}))
    return sorted(out)


@pytest.fixture
def app(sqlite_url):
    return secure_app(sqlite_url, auth_cache_seconds=0)


def test_every_route_has_an_explicit_policy_rule(app):
    uncovered = [f"{m} {p}" for m, p in endpoints(app) if rule_for(m, p) is None]
    assert uncovered == [], "add a rule to gateway/security/policy.py for: " + ", ".join(uncovered)


def _public(method: str, path: str) -> bool:
    """Documented public endpoints: the list above, and a SOAP service's contract (WSDL/XSD)."""
    return (method, path) in PUBLIC or (method in ("GET", "HEAD") and re.fullmatch(r"/soap/[a-z]+", path))


def test_only_the_documented_routes_are_public(app):
    public = {(m, p) for m, p in endpoints(app) if (r := rule_for(m, p)) is not None and r.public}
    assert all(_public(m, p) for m, p in public), public


def test_every_route_answers_401_without_a_credential_and_403_without_the_scope(app, sqlite_url):
    unscoped, _ = make_key(sqlite_url, ["probe"], name="no scopes")
    checked = 0
    with TestClient(app) as client:
        for method, path in endpoints(app):
            if _public(method, path):
                continue
            if method == "WEBSOCKET":
                for headers, code in (({}, 4401), (bearer(unscoped), 4403)):
                    with pytest.raises(WebSocketDisconnect) as closed, \
                            client.websocket_connect(path, headers=headers):
                        pass
                    assert closed.value.code == code, f"WEBSOCKET {path}"
            else:
                anon = client.request(method, path)
                assert anon.status_code == 401, f"{method} {path}: {anon.status_code}"
                code = "unauthenticated" in anon.text if path.startswith("/soap/") else \
                    anon.json()["error"]["code"] == "unauthenticated"  # SOAP: a fault, in XML
                assert code, f"{method} {path}: {anon.text[:200]}"
                assert anon.headers["www-authenticate"].startswith("Bearer")
                denied = client.request(method, path, headers=bearer(unscoped))
                assert denied.status_code == 403, f"{method} {path}: {denied.status_code}"
            checked += 1
    assert checked >= 2  # the enumeration found the app's routes


def test_an_unknown_route_is_refused_for_everyone_including_admin(app, sqlite_url):
    admin, _ = make_key(sqlite_url, ["admin"], name="admin")
    with TestClient(app) as client:
        assert client.post("/api/v1/nothing-here").status_code == 401
        refused = client.post("/api/v1/nothing-here", headers=bearer(admin))
        assert refused.status_code == 403 and "no access policy" in refused.json()["error"]["message"]


def test_an_admin_key_passes_every_route_the_policy_covers(app, sqlite_url):
    admin, _ = make_key(sqlite_url, ["admin"], name="admin")
    with TestClient(app) as client:
        for method, path in endpoints(app):
            if method != "WEBSOCKET" and rule_for(method, path) is not None:
                answer = client.request(method, path, headers=bearer(admin))
                assert answer.status_code not in (401, 403), f"{method} {path}: {answer.text}"


@pytest.mark.parametrize(("method", "path", "scope"), [
    ("POST", "/api/v1/erp/work-orders", "erp:write"),
    ("GET", "/api/v1/erp/work-orders/WO-1", "erp:read"),
    ("POST", "/soap/erp", "erp:write"),
    ("POST", "/soap/wms", "wms:write"),
    ("PUT", "/api/v1/plm/routings/X", "plm:write"),
    ("POST", "/api/v1/wms/lots", "wms:write"),
    ("POST", "/api/v1/cfx/messages", "devices:write"),
    ("POST", "/api/v1/dead-letters/7/retry", "admin"),
    ("GET", "/api/v1/units/SN-1/check", "trace:read"),
    ("POST", "/api/v1/holds", "quality:write"),
    ("POST", "/api/v1/containment", "quality:write"),
    ("GET", "/api/v1/spc/charts", "quality:read"),
    ("POST", "/api/v1/epcis/capture", "epcis:write"),
    ("GET", "/api/v1/audit", "audit:read"),
    ("POST", "/graphql", "trace:read"),
    ("WEBSOCKET", "/graphql", "trace:read"),
])
def test_the_policy_names_a_scope_for_the_routes_being_built(method, path, scope):
    rule = rule_for(method, path)
    assert rule is not None and scope in rule.scopes


def test_policy_matches_whole_segments_and_public_wsdl_only():
    assert rule_for("POST", "/api/v1/erpx") is None
    assert rule_for("GET", "/health/../api/v1/audit") is None  # exact public rule, nothing below
    assert rule_for("GET", "/soap/erp", frozenset({"wsdl"})).public
    assert rule_for("POST", "/soap/erp", frozenset({"wsdl"})).scopes == {"erp:write"}
    assert rule_for("POST", "/soap/other") is None


def test_graphql_queries_need_trace_read_and_every_mutation_its_scope(app, sqlite_url):
    """Mutations are enumerated from the served schema; each is refused without its scope."""
    if not any(ctx.path == "/graphql" for ctx in iter_route_contexts(app.routes)):
        pytest.skip("no /graphql on this app")
    reader, _ = make_key(sqlite_url, ["trace:read"], name="reader")
    admin, _ = make_key(sqlite_url, ["admin"], name="admin")
    probe = {"query": "{ __typename }"}
    with TestClient(app) as client:
        assert client.post("/graphql", json=probe).status_code == 401
        assert client.get("/graphql", params=probe).status_code == 401
        assert client.post("/graphql", json=probe, headers=bearer(reader)).json()["data"]
        assert client.get("/graphql", params=probe, headers=bearer(reader)).status_code == 200
        schema = client.post("/graphql", headers=bearer(admin), json={
            "query": "{ __schema { mutationType { fields { name } } } }"}).json()["data"]["__schema"]
        names = [f["name"] for f in (schema["mutationType"] or {}).get("fields", [])] + ["notInThePolicy"]
        for name in names:
            doc = {"query": f"mutation {{ {name} }}"}
            assert client.post("/graphql", json=doc).status_code == 401, name
            refused = client.post("/graphql", json=doc, headers=bearer(reader))
            assert refused.status_code == 403 and name in refused.json()["error"]["message"], name
        hidden = {"query": "fragment F on Mutation { notInThePolicy } mutation { ...F }"}
        assert client.post("/graphql", json=hidden, headers=bearer(reader)).status_code == 403
        batched = [probe, {"query": "mutation { notInThePolicy }"}]
        assert client.post("/graphql", json=batched, headers=bearer(reader)).status_code == 403
        form = client.post("/graphql", data={"query": "mutation { x }"}, headers=bearer(reader))
        assert form.status_code == 415  # a mutation is only checked in JSON: nothing else passes


def test_a_mutation_sent_over_a_graphql_websocket_closes_it(app, sqlite_url):
    """The guard reads graphql-transport-ws frames; an echo socket under /graphql stands in for
    the subscription endpoint (the guard acts before any handler)."""

    @app.websocket("/graphql/echo")
    async def echo(ws: WebSocket) -> None:
        await ws.accept(subprotocol="graphql-transport-ws")
        try:
            for _ in range(10):  # bounded
                await ws.send_json(await ws.receive_json())
        except WebSocketDisconnect:
            return  # as a protocol handler does when the socket is closed

    reader, _ = make_key(sqlite_url, ["trace:read"], name="reader")
    with TestClient(app) as client, client.websocket_connect(
            "/graphql/echo", subprotocols=["graphql-transport-ws"], headers=bearer(reader)) as ws:
        query = {"type": "subscribe", "id": "1", "payload": {"query": "subscription { events { id } }"}}
        ws.send_json(query)
        assert ws.receive_json() == query
        ws.send_json({"type": "subscribe", "id": "2", "payload": {"query": "mutation { placeHold }"}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403
