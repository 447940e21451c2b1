"""The WMS settings section (env prefix TRACEBRIDGE_WMS_), hung on the root Settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from traceability.policy import Policy


class WmsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACEBRIDGE_WMS_", env_file=".env", extra="ignore")

    # The WMS's REST API for consumption, pallets and quarantine requests; unset: nothing is reported.
    url: str | None = None
    token: str | None = None
    timeout: float = Field(default=10.0, gt=0, le=300)
    # An installation of a quarantined lot: refused, or accepted, flagged and the unit held.
    quarantined_lot: Literal["refuse", "flag"] = "refuse"

    def policy(self) -> Policy:
        return Policy(quarantined_lot=self.quarantined_lot, report_to_wms=self.url is not None)
