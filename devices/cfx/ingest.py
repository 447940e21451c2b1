"""The one CFX ingest path, shared by the AMQP consumer and `POST /api/v1/cfx`.

A batch of raw messages runs in the caller's transaction, each message under its own savepoint:
a message that cannot be applied rolls back alone and is parked (dead-lettered with the reason,
or held until what it names arrives), the rest of the batch commits. Each message is applied
once per (cfx:<Source>, UniqueID) through the store's idempotency log, so a redelivery changes
nothing. Per source, one device-status report per batch carries the message count, the clock
offset (device TimeStamp minus receive time) and what looked wrong.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from devices.cfx.context import Context, Held
from devices.cfx.envelope import CfxEnvelope, as_text, fingerprint
from devices.cfx.messages import WorkStarted
from devices.cfx.registry import TRANSLATORS
from devices.cfx.settings import CfxSettings
from traceability import commands as c
from traceability import device_messages
from traceability.errors import DomainError, Invalid
from traceability.idempotency import once, seen
from traceability.types import utcnow

Status = Literal["applied", "replayed", "held", "ignored", "dead"]
Raw = bytes | str | dict[str, Any]


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
class _SourceStats:
    messages: int = 0
    offset: float | None = None
    problems: Counter[str] = field(default_factory=Counter)


class Ingest:
    def __init__(self, settings: CfxSettings) -> None:
        self.settings = settings

    def run(self, session: Session, raws: Sequence[Raw], *,
            received_at: datetime | None = None) -> list[Outcome]:
        """Apply a batch in the caller's transaction; one outcome per message, in order."""
        received = received_at or utcnow()
        stats: dict[str, _SourceStats] = {}
        outcomes = [self._one(session, raw, received, stats) for raw in raws]
        for source, s in sorted(stats.items()):  # one lock order for every process
            c.execute(session, c.ReportDeviceStatus(
                source=source, kind="cfx", status="connected", station=source, seen_at=received,
                clock_offset_s=s.offset, messages=s.messages, problems=dict(s.problems)))
        return outcomes

    def requeue(self, session: Session, parked_id: int) -> Outcome | None:
        """Apply a parked message again; a success marks it applied. None: no such message."""
        row = device_messages.get(session, parked_id)
        if row is None:
            return None
        [outcome] = self.run(session, [row.body])
        if outcome.status in ("applied", "replayed"):
            device_messages.resolve(session, [row.id])
        return outcome

    def release_ready(self, session: Session) -> int:
        """Apply held messages whose transaction has started meanwhile (committed by someone else)."""
        keys = device_messages.held_keys_ready(session)
        received = utcnow()
        stats: dict[str, _SourceStats] = {}
        released = sum(self._release(session, key, received, stats) for key in keys)
        return released

    # --- one message ---------------------------------------------------------------------------

    def _one(self, session: Session, raw: Raw, received: datetime, stats: dict[str, _SourceStats]) -> Outcome:
        text = as_text(raw)
        data: Any = None
        try:
            if len(text) > self.settings.max_message_bytes:
                raise Invalid("body", f"larger than {self.settings.max_message_bytes} bytes")
            data = raw if isinstance(raw, dict) else json.loads(text)
            if not isinstance(data, dict):
                raise Invalid("body", "a CFX envelope is a JSON object")
            env = CfxEnvelope.model_validate(data)
        except (ValueError, DomainError) as exc:  # bad JSON, bad envelope (ValidationError is a ValueError)
            return self._dead(session, data, text, received, exc, stats)
        s = stats.setdefault(env.Source, _SourceStats())
        s.messages += 1
        s.offset = (env.TimeStamp - received).total_seconds()
        if abs(s.offset) > self.settings.clock_drift_s:
            s.problems["clock_drift"] += 1
        entry = TRANSLATORS.get(env.MessageName)
        if entry is None:
            self._park(session, env, text, received, "ignored", "no translator for this message name")
            return Outcome("ignored", env.UniqueID, env.Source, env.MessageName)
        ctx = Context(session, env.Source, env.TimeStamp, env.UniqueID, self.settings, s.problems)
        source = f"cfx:{env.Source}"
        savepoint = session.begin_nested()
        try:
            answer = once(session, source=source, message_id=env.UniqueID, command=env.MessageName[-64:],
                          payload=data, run=lambda: self._apply(env, entry, ctx, received, stats))
            savepoint.commit()
        except Held as held:
            savepoint.rollback()
            self._park(session, env, text, received, "held", held.reason, hold_key=held.key)
            return Outcome("held", env.UniqueID, env.Source, env.MessageName, reason=held.reason)
        except IntegrityError as exc:
            savepoint.rollback()
            if seen(session, source, env.UniqueID) is not None:  # another consumer applied it first
                return Outcome("replayed", env.UniqueID, env.Source, env.MessageName)
            return self._dead(session, data, text, received, exc, stats)
        except (ValueError, DomainError) as exc:
            savepoint.rollback()
            return self._dead(session, data, text, received, exc, stats)
        status: Status = "replayed" if answer.get("replayed") else "applied"
        return Outcome(status, env.UniqueID, env.Source, env.MessageName, answer=answer)

    def _apply(self, env: CfxEnvelope, entry: Any, ctx: Context, received: datetime,
               stats: dict[str, _SourceStats]) -> dict[str, Any]:
        model, translate = entry
        try:
            body = model.model_validate(env.MessageBody)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first.get("loc", ()))
            raise Invalid(f"MessageBody.{where}".rstrip("."), first.get("msg", "invalid")) from None
        commands = translate(ctx, body)
        for cmd in commands:
            c.execute(ctx.session, cmd)
        # Both clocks, kept with the message's answer in the idempotency log.
        answer: dict[str, Any] = {"message": env.MessageName, "commands": len(commands),
                                  "time_stamp": env.TimeStamp.isoformat(),
                                  "received_at": received.isoformat()}
        if isinstance(body, WorkStarted):
            answer["released"] = self._release(ctx.session, body.TransactionID, received, stats)
        return answer

    def _release(self, session: Session, key: str, received: datetime, stats: dict[str, _SourceStats]) -> int:
        """Apply the messages held for this transaction, now that its WorkStarted is in."""
        released = 0
        for row in device_messages.held_for(session, key):
            outcome = self._one(session, row.body, received, stats)
            if outcome.status in ("applied", "replayed"):
                device_messages.resolve(session, [row.id])
                released += 1
        return released

    # --- parking -------------------------------------------------------------------------------

    def _park(self, session: Session, env: CfxEnvelope, text: str, received: datetime,
              status: device_messages.Parked, reason: str, *, hold_key: str | None = None,
              field: str | None = None) -> None:
        device_messages.park(session, status=status, source=env.Source, message_id=env.UniqueID,
                             message_name=env.MessageName, body=text, reason=reason, field=field,
                             hold_key=hold_key, device_time=env.TimeStamp, received_at=received)

    def _dead(self, session: Session, data: Any, text: str, received: datetime, exc: Exception,
              stats: dict[str, _SourceStats]) -> Outcome:
        field, reason = _why(exc)
        data = data if isinstance(data, dict) else {}
        source = str(data.get("Source") or "unknown")[:200]
        unique_id = str(data.get("UniqueID") or fingerprint(text))[:200]
        name = str(data.get("MessageName") or "")[:200]
        device_messages.park(session, status="dead", source=source, message_id=unique_id,
                             message_name=name, body=text, reason=reason, field=field, received_at=received)
        if data.get("Source"):
            stats.setdefault(source, _SourceStats()).problems["dead_letter"] += 1
        return Outcome("dead", unique_id, source, name or None, reason=reason, field=field)


def _why(exc: Exception) -> tuple[str | None, str]:
    """(field, reason) of a refusal, for the dead-letter row and the HTTP answer."""
    if isinstance(exc, Invalid):
        return exc.field, exc.reason
    if isinstance(exc, DomainError):
        return exc.field, exc.message
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return ".".join(str(x) for x in first.get("loc", ())) or None, first.get("msg", "invalid")
    if isinstance(exc, IntegrityError):
        return None, f"rejected by the store: {str(exc.orig)[:300]}"
    return "body", f"not a CFX envelope: {exc}"[:1000]
