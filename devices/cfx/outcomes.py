"""What the ingest path hands around: a parsed message, its outcome, per-source counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from devices.cfx.envelope import CfxEnvelope
from traceability.errors import Invalid

Status = Literal["applied", "replayed", "held", "ignored", "dead"]


@dataclass
class Outcome:
    status: Status
    UniqueID: str | None = None
    Source: str | None = None
    MessageName: str | None = None
    reason: str | None = None
    field: str | None = None
    answer: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Parsed:
    env: CfxEnvelope
    data: dict[str, Any]
    text: str
    entry: Any  # (body model, translator)
    digest: str  # payload_hash(data), the idempotency log's test for "the same message"


@dataclass
class SourceStats:
    messages: int = 0
    offset: float | None = None
    problems: Counter[str] = field(default_factory=Counter)


def body_of(model: type[BaseModel], env: CfxEnvelope) -> Any:
    try:
        return model.model_validate(env.MessageBody)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ()))
        raise Invalid(f"MessageBody.{where}".rstrip("."), first.get("msg", "invalid")) from None


def answer_of(env: CfxEnvelope, commands: int, received: datetime) -> dict[str, Any]:
    """What the idempotency log keeps of an applied message: both clocks among it."""
    return {"message": env.MessageName, "commands": commands, "time_stamp": env.TimeStamp.isoformat(),
            "received_at": received.isoformat()}
