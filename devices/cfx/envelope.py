"""The CFX envelope (CFX.CFXEnvelope): what every message travels in, with its IPC-2591 field names."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _utc(value: datetime) -> datetime:
    """Naive CFX times are taken as UTC (the SDK writes offsets; sloppy endpoints do not)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


CfxTime = Annotated[datetime, AfterValidator(_utc)]


class CfxEnvelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    MessageName: str = Field(min_length=1, max_length=200, pattern=r"^CFX(\.[A-Za-z0-9_]+)+$")
    Version: str | None = Field(default=None, max_length=16)
    TimeStamp: CfxTime
    UniqueID: str = Field(min_length=1, max_length=200)
    # The sending endpoint's CFX handle; it names the station and the idempotency scope ("cfx:<Source>").
    Source: str = Field(min_length=1, max_length=60)
    Target: str | None = Field(default=None, max_length=200)
    RequestID: str | None = Field(default=None, max_length=200)
    MessageBody: dict[str, Any] = Field(default_factory=dict)

    @property
    def short_name(self) -> str:
        return self.MessageName.rsplit(".", 1)[-1]


def fingerprint(raw: bytes | str) -> str:
    """An id for a payload that has no readable UniqueID (so its redelivery is one dead letter)."""
    data = raw.encode() if isinstance(raw, str) else raw
    return "sha256:" + hashlib.sha256(data).hexdigest()


def as_text(raw: bytes | str | dict | list) -> str:
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    if isinstance(raw, str):
        return raw
    return json.dumps(raw, default=str)
