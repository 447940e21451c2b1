"""The ERP section of the settings (env prefix TRACEBRIDGE_ERP_), hung on the root Settings."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ErpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACEBRIDGE_ERP_", env_file=".env", extra="ignore")

    # The ERP's own SOAP API (see docs/erp.md for the operations it must offer). Unset: no pull, and
    # confirmations wait in the outbox.
    wsdl_url: str | None = None
    username: str | None = None  # HTTP basic authentication on the ERP's API
    password: SecretStr | None = None
    timeout: float = Field(default=30.0, gt=0, le=600, description="seconds per ERP call")
    # `tracebridge erp run`: seconds between pulls of released work orders, and between deliveries.
    sync_interval: float = Field(default=300.0, gt=0)
    confirm_interval: float = Field(default=5.0, gt=0)
    # A confirmation the ERP refuses this many times is marked failed (GET /api/v1/erp/outbox?status=failed).
    max_attempts: int = Field(default=8, ge=1, le=100)
