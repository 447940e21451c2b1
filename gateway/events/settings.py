"""The events section of the settings (env prefix TRACEBRIDGE_EVENTS_), hung on the root Settings.

The broker itself is TRACEBRIDGE_AMQP_URL (shared with CFX ingestion); unset means the in-process bus.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EventsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACEBRIDGE_EVENTS_", env_file=".env", extra="ignore")

    exchange: str = Field(default="tracebridge.events", min_length=1, max_length=255)
    # CloudEvents `source` of every event this deployment publishes (a URI naming the plant/site).
    source: str = Field(default="urn:tracebridge", min_length=1, max_length=255)
    # Run the outbox relay inside `tracebridge serve` (off when dedicated `tracebridge relay`s run).
    relay: bool = True
    batch_size: int = Field(default=500, ge=1, le=10_000)
    # Seconds between outbox polls when idle; a commit in the same process wakes the relay at once.
    poll_interval: float = Field(default=0.1, gt=0, le=60)
    # Seconds to wait for the broker to confirm a batch before it is rescheduled.
    confirm_timeout: float = Field(default=10.0, gt=0, le=300)
    # Days a sent outbox row (events, ERP and WMS calls) is kept, for the outbox listings; 0 keeps
    # them all. The relay deletes older ones every 10 minutes.
    outbox_retention_days: float = Field(default=30, ge=0, le=3650)
    # Events a subscriber may fall behind by before it is told and disconnected.
    subscriber_queue: int = Field(default=1000, ge=1, le=1_000_000)

    def retention(self) -> timedelta | None:
        return timedelta(days=self.outbox_retention_days) if self.outbox_retention_days else None
