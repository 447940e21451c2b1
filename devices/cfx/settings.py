"""The CFX section of the settings (env prefix TRACEBRIDGE_CFX_), hung on the root Settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CfxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACEBRIDGE_CFX_", env_file=".env", extra="ignore")

    # The topic exchange endpoints publish to (routing key = MessageName) and our durable queue on it.
    exchange: str = Field(default="cfx", min_length=1, max_length=255)
    queue: str = Field(default="tracebridge.cfx", min_length=1, max_length=255)
    bindings: list[str] = Field(default_factory=lambda: ["#"], min_length=1)  # routing-key patterns
    # Unacknowledged messages the broker hands one consumer; a batch is at most `batch_size` of them,
    # or what arrived within `batch_wait_s` of the first.
    prefetch: int = Field(default=400, ge=1, le=65535)
    batch_size: int = Field(default=200, ge=1, le=10000)
    batch_wait_s: float = Field(default=0.05, ge=0, le=10)
    # A source whose TimeStamp is further than this from our receive time is flagged (clock_drift).
    clock_drift_s: float = Field(default=60.0, gt=0)
    # How far a reported InstallationTime may be off; inside it a splice makes both reels candidates.
    placement_time_tolerance_s: float = Field(default=0.0, ge=0, le=3600)
    # Operation code recorded per source (CFX handle); unmapped sources use the message's default.
    operations: dict[str, str] = Field(default_factory=dict)
    # Messages larger than this are dead-lettered instead of parsed (a full panel is a few MB).
    max_message_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    reconnect_max_wait_s: float = Field(default=30.0, gt=0)
