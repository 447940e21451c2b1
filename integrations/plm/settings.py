"""The PLM settings section (env prefix TRACEBRIDGE_PLM_), hung on the root Settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PlmSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACEBRIDGE_PLM_", env_file=".env", extra="ignore")

    # The PLM's REST API that `tracebridge plm sync` pulls routings from.
    url: str | None = None
    token: str | None = None
    timeout: float = Field(default=10.0, gt=0, le=300)
