"""The EPCIS export's settings section (env prefix TRACEBRIDGE_EPCIS_), hung on the root Settings."""

from __future__ import annotations

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
