"""The Modbus poller's settings section (env prefix TRACEBRIDGE_MODBUS_), hung on the root Settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ModbusSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACEBRIDGE_MODBUS_", env_file=".env", extra="ignore")

    # The register map `tracebridge poll` reads when no --config is given.
    config: Path | None = None
    # Seconds between device health reports while nothing changes (a change is reported at once).
    status_interval: float = Field(default=5.0, gt=0, le=3600)
    # Attempts to store one poll cycle when the database fails transiently, before the values are
    # offered again on the next cycle.
    write_attempts: int = Field(default=3, ge=1, le=10)
