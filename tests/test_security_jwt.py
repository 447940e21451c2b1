"""OAuth2/OIDC bearer tokens: checked against the identity provider's JWKS (a real HTTP server)."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from tests.jwks_server import AUDIENCE, ISSUER, IdentityProvider
from tests.security_support import app_with_a_write_hook, bearer
from traceability import audit
from traceability.database import Store, make_engine


@pytest.fixture
def idp():
    with IdentityProvider() as provider:
        yield provider


def _client(database_url: str, idp: IdentityProvider, **extra) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app_with_a_write_hook(database_url, jwt_issuer=ISSUER, jwt_audience=AUDIENCE,
                                            jwt_jwks_url=idp.url, jwt_leeway_seconds=0,
                                            jwt_jwks_cooldown_seconds=0, **extra))


def test_a_token_with_the_scope_is_accepted_and_its_subject_is_the_actor(database_url, idp, uid):
    with _client(database_url, idp) as client:
        assert client.get("/api/v1/devices", headers=bearer(idp.token())).status_code == 200
        writer = idp.token(sub=f"mes-{uid}", scope="devices:write trace:read")
        answer = client.post("/api/v1/cfx/test-status", json={"source": f"{uid}/JWT"}, headers=bearer(writer))
        assert answer.status_code == 200, answer.text
        listed = idp.token(scp=["devices:write"], scope=None)  # Azure-style `scp` list
        assert client.post("/api/v1/cfx/test-status", json={"source": f"{uid}/JWT"},
                           headers=bearer(listed)).status_code == 200
    store = Store(make_engine(database_url))
    with store.read() as session:
        actors = {e.actor for e in audit.entries(session, target=f"{uid}/JWT")}
    store.dispose()
    assert actors == {f"jwt:mes-{uid}", "jwt:alice"}


def test_a_token_without_the_scope_is_forbidden(database_url, idp):
    with _client(database_url, idp) as client:
        answer = client.post("/api/v1/cfx/test-status", json={"source": "x"}, headers=bearer(idp.token()))
        assert answer.status_code == 403 and "devices:write" in answer.json()["error"]["message"]


def test_bad_tokens_are_unauthenticated(database_url, idp):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    unsigned = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now + 60, "scope": "admin"},
                          None, algorithm="none", headers={"kid": "k1"})
    hs = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now + 60, "scope": "admin"},
                    "k" * 32, algorithm="HS256", headers={"kid": "k1"})
    cases = {
        "expired": idp.token(exp=now - 10),
        "other audience": idp.token(aud="someone-else"),
        "other issuer": idp.token(iss="https://evil.example/"),
        "forged signature": idp.token(key=stranger),
        "unknown kid": idp.token(kid="nope", key=stranger),
        "alg none": unsigned,
        "hmac with a guessed secret": hs,
        "no subject": idp.token(sub=None),
        "garbage": "a.b.c",
    }
    with _client(database_url, idp) as client:
        for why, token in cases.items():
            answer = client.get("/api/v1/devices", headers=bearer(token))
            assert answer.status_code == 401, why
            assert answer.json()["error"]["code"] == "unauthenticated", why


def test_a_rotated_signing_key_is_picked_up_from_the_jwks(database_url, idp):
    with _client(database_url, idp) as client:
        assert client.get("/api/v1/devices", headers=bearer(idp.token())).status_code == 200
        idp.rotate("k2")
        assert client.get("/api/v1/devices", headers=bearer(idp.token(kid="k2"))).status_code == 200


def test_an_unreachable_identity_provider_refuses_tokens_but_keys_still_work(database_url, idp):
    token = idp.token()
    idp.server.shutdown()
    idp.server.server_close()
    with _client(database_url, idp) as client:
        answer = client.get("/api/v1/devices", headers=bearer(token))
        assert answer.status_code == 401
        assert "unreachable" in answer.json()["error"]["message"]
