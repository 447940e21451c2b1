"""OAuth2/OIDC bearer JWTs from the plant's identity provider: signature against its JWKS, issuer,
audience, expiry; scopes from the `scope` (space-separated) or `scp` (list or string) claim.

The JWKS is fetched by PyJWT's client and cached (5 min); an unknown `kid` triggers a refetch, so
a key rotation at the provider is picked up without a restart (at most one refetch per
`jwt_jwks_cooldown_seconds`).
"""

from __future__ import annotations

import jwt

from gateway.security.principal import Principal
from gateway.security.settings import SecuritySettings


class TokenRefused(Exception):
    pass


class JwtAuthenticator:
    def __init__(self, settings: SecuritySettings) -> None:
        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url or "", cache_keys=True, lifespan=300,
                                     timeout=5, cooldown_duration=settings.jwt_jwks_cooldown_seconds)

    def authenticate(self, token: str) -> Principal:
        """Blocking (may fetch the JWKS): the guard calls it in a worker thread."""
        s = self._settings
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(token, key.key, algorithms=s.jwt_algorithms, audience=s.jwt_audience,
                                issuer=s.jwt_issuer, leeway=s.jwt_leeway_seconds,
                                options={"require": ["exp", "iss", "sub"],
                                         "verify_aud": s.jwt_audience is not None})
        except jwt.PyJWKClientConnectionError as exc:
            raise TokenRefused("the identity provider's keys are unreachable") from exc
        except jwt.PyJWTError as exc:
            raise TokenRefused(f"bearer token refused: {exc}") from exc
        return Principal(actor=f"jwt:{claims['sub']}"[:200], scopes=_scopes(claims), kind="jwt")


def _scopes(claims: dict) -> frozenset[str]:
    raw = claims.get("scope", claims.get("scp", ""))
    if isinstance(raw, str):
        return frozenset(raw.split())
    if isinstance(raw, list):
        return frozenset(str(s) for s in raw)
    return frozenset()
