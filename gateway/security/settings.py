"""The security settings section (env prefix TRACEBRIDGE_), hung on the root Settings as `security`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SecuritySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACEBRIDGE_", env_file=".env", extra="ignore")

    # Off only for tests and a closed lab network: every route then answers as if called by `admin`.
    auth_required: bool = True
    # How long a checked API key is trusted without looking at the database again: a revocation
    # takes effect within this bound in every process.
    auth_cache_seconds: float = Field(default=5.0, ge=0, le=30)
    # OAuth2/OIDC bearer JWTs: all three set to accept tokens from the plant's identity provider.
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_jwks_url: str | None = None
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    # An unknown `kid` refetches the JWKS (key rotation), at most once per this many seconds,
    # so tokens with made-up kids cannot flood the identity provider.
    jwt_jwks_cooldown_seconds: float = Field(default=30.0, ge=0, le=3600)
    # Machine-data ingest sends large batches; every other endpoint keeps the root max_body_bytes.
    cfx_max_body_bytes: int = Field(default=32 * 1024 * 1024, gt=0)
    json_max_depth: int = Field(default=32, ge=2, le=1000)
    # Write hooks per credential (token bucket, per process): sustained rate and burst.
    write_rate_per_second: float = Field(default=50.0, gt=0)
    write_burst: int = Field(default=200, ge=1)
    # Seconds between audit sealer runs in each gateway process.
    audit_seal_interval: float = Field(default=1.0, gt=0, le=3600)
    # Where `serve --demo` keeps the demo key it created, so each run can print it again.
    demo_key_file: str = "./tracebridge-demo.key"

    @property
    def jwt_enabled(self) -> bool:
        return bool(self.jwt_issuer and self.jwt_jwks_url)
