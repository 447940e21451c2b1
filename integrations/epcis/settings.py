"""The EPCIS export's settings section (env prefix TRACEBRIDGE_EPCIS_), hung on the root Settings."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from integrations.epcis.vocabulary import BIZSTEPS, DEFAULT_BIZSTEPS


class EpcisSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACEBRIDGE_EPCIS_", env_file=".env", extra="ignore")

    # Identifiers of things without a GTIN (and of stations, lines, containers): a URN prefix
    # ("urn:example:plant1" -> urn:example:plant1:unit:SN1) or an http(s) base (-> .../unit/SN1).
    id_base: str = "urn:tracebridge:plant:local"
    # Where GS1 Digital Link URIs point (a company's own resolver, or GS1's).
    digital_link_base: str = "https://id.gs1.org"
    # The plant's time zone: gives each event its eventTimeZoneOffset (DST-aware).
    time_zone: str = "UTC"
    # The namespace of TraceBridge's extension fields (prefix "tb" in the documents).
    extension_namespace: str = "https://tracebridge.dev/ns/epcis/"
    # Operation code -> CBV bizStep (bare CBV 2.0 term or a URI); JSON in the environment.
    bizsteps: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_BIZSTEPS))
    page_size: int = Field(default=100, ge=1, le=1000)

    # The capture stream onto the events exchange (stream.py, docs/epcis.md "Capture stream"):
    # inside `tracebridge serve` when true (needs TRACEBRIDGE_AMQP_URL), or `tracebridge epcis stream`.
    stream: bool = False
    stream_batch: int = Field(default=200, ge=1, le=5000)  # events published (and confirmed) per cycle
    stream_interval: float = Field(default=1.0, gt=0, le=300)  # seconds between polls when caught up
    stream_lease: float = Field(default=60.0, ge=5, le=3600)  # seconds a process holds the cursor per cycle
    stream_slice_rows: int = Field(default=5000, ge=10, le=1_000_000)  # rows per table in one slice
    stream_from: Literal["beginning", "now"] = "beginning"  # where a new cursor starts
    stream_name: str = Field(default="epcis", min_length=1, max_length=64)  # its cursor row

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Europe/Berlin)") from exc
        return value

    @field_validator("bizsteps")
    @classmethod
    def _cbv_terms(cls, value: dict[str, str]) -> dict[str, str]:
        for code, step in value.items():
            if step not in BIZSTEPS and ":" not in step:
                raise ValueError(f"{code}: {step!r} is neither a CBV 2.0 bizStep nor a URI")
        return value

    @field_validator("id_base", "digital_link_base", "extension_namespace")
    @classmethod
    def _uri(cls, value: str) -> str:
        if not (value.startswith("urn:") or value.startswith(("http://", "https://"))):
            raise ValueError("must be a urn: prefix or an http(s) URI")
        return value.rstrip("/:")
