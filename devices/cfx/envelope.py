"""The CFX envelope (CFX.CFXEnvelope): what every message travels in, with its IPC-2591 field names."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

import orjson
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field


@lru_cache(maxsize=4096)
def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _time(value: Any) -> Any:
    """ISO 8601 text through the standard library, naive taken as UTC (the SDK writes offsets; sloppy
    endpoints do not). Its fixed-offset zones cost nothing to convert when rows are written, where
    pydantic's own zone objects made that the hot path's largest cost; the components of one placement
    share their time text, hence the cache. Anything else is left to pydantic to parse or refuse."""
    if isinstance(value, str):
        try:
            return _parse_time(value)
        except ValueError:
            return value
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


CfxTime = Annotated[AwareDatetime, BeforeValidator(_time)]


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


# Integers orjson would read as floats (beyond 64 bits): such text goes to the standard library.
# Found as a run of 20 digits, every digit mapped to "0" first: two passes in C over the text, where
# the regular expression [0-9]{20} retried at every digit cost ten times orjson's whole decoding.
_DIGITS_TO_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_RUN = b"0" * 20


def _long_number(data: bytes) -> bool:
    return _LONG_RUN in data.translate(_DIGITS_TO_ZERO)


def decode(raw: bytes | str) -> tuple[Any, bool]:
    """The JSON document, and whether orjson decoded it (then it holds only plain JSON values:
    see `payload_hash(plain=True)`). The standard library takes what orjson refuses or would read
    otherwise (NaN, Infinity, lone surrogates, integers beyond 64 bits, broken UTF-8), so the same
    documents are accepted, with the same values, as with `json.loads` alone."""
    data = raw.encode() if isinstance(raw, str) else raw
    if not _long_number(data):
        try:
            return orjson.loads(data), True
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw), False


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
