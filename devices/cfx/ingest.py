"""The one CFX ingest path, shared by the AMQP consumer and `POST /api/v1/cfx`.

A batch of raw messages runs in the caller's transaction, each message under its own savepoint:
a message that cannot be applied rolls back alone and is parked (dead-lettered with the reason,
or held until what it names arrives), the rest of the batch commits. Each message is applied
once per (cfx:<Source>, UniqueID) through the store's idempotency log, so a redelivery changes
nothing. Per source, one device-status report per batch carries the message count, the clock
offset (device TimeStamp minus receive time) and what looked wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from devices.cfx import bulk
from devices.cfx.context import Context, Held
from devices.cfx.envelope import CfxEnvelope, as_text, decode, fingerprint
from devices.cfx.messages import WorkStarted
from devices.cfx.outcomes import Outcome, Parsed, SourceStats, Status, answer_of, body_of
from devices.cfx.registry import TRANSLATORS
from devices.cfx.settings import CfxSettings
from traceability import commands as c
from traceability import correlation, device_messages
from traceability.errors import DomainError, Invalid
from traceability.idempotency import once, payload_hash, seen
from traceability.types import utcnow

Raw = bytes | str | dict[str, Any]
STORE_DOWN = (OperationalError, InterfaceError)
log = logging.getLogger("tracebridge.cfx")


class Ingest:
    def __init__(self, settings: CfxSettings) -> None:
        self.settings = settings

    def run(self, session: Session, raws: Sequence[Raw], *, received_at: datetime | None = None,
            set_based: bool = True) -> list[Outcome]:
        """Apply a batch in the caller's transaction; one outcome per message, in order.

        Consecutive MaterialsInstalled messages (the bulk of a line's traffic) go through the
        set-based path together; everything else one message after the other. `set_based=False`:
        every message on its own (each under its own savepoint), for a batch whose set-based
        write the store refused once."""
        received = received_at or utcnow()
        stats: dict[str, SourceStats] = {}
        parsed = [self._parse(session, raw, received, stats) for raw in raws]
        outcomes: list[Outcome] = []
        n = 0
        while n < len(parsed):
            end = n
            while end < len(parsed) and _bulk(parsed[end]):
                end += 1
            if set_based and end - n > 1:
                outcomes += bulk.install(self, session, parsed[n:end], received, stats)  # type: ignore[arg-type]
                n = end
                continue
            item = parsed[n]
            outcomes.append(item if isinstance(item, Outcome)
                            else self._apply_one(session, item, received, stats))
            n += 1
        for source, st in sorted(stats.items()):  # one lock order for every process
            c.execute(session, c.ReportDeviceStatus(
                source=source, kind="cfx", status="connected", station=source, seen_at=received,
                clock_offset_s=st.offset, messages=st.messages, problems=dict(st.problems)))
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
        released = sum(self._release(session, key, received) for key in keys)
        return released

    # --- one message ---------------------------------------------------------------------------

    def _one(self, session: Session, raw: Raw, received: datetime, stats: dict[str, SourceStats]) -> Outcome:
        item = self._parse(session, raw, received, stats)
        return item if isinstance(item, Outcome) else self._apply_one(session, item, received, stats)

    def _parse(self, session: Session, raw: Raw, received: datetime,
               stats: dict[str, SourceStats]) -> Parsed | Outcome:
        """The envelope, or the outcome of a message that is malformed or has no translator."""
        text = as_text(raw)
        data: Any = None
        plain = False  # decoded by orjson: the payload hash may take its fast way
        try:
            if len(text) > self.settings.max_message_bytes:
                raise Invalid("body", f"larger than {self.settings.max_message_bytes} bytes")
            data, plain = (raw, False) if isinstance(raw, dict) else decode(raw)
            if not isinstance(data, dict):
                raise Invalid("body", "a CFX envelope is a JSON object")
            env = CfxEnvelope.model_validate(data)
        except (ValueError, DomainError) as exc:  # bad JSON, bad envelope (ValidationError is a ValueError)
            return self.dead(session, data, text, received, exc, stats)
        s = stats.setdefault(env.Source, SourceStats())
        s.messages += 1
        s.offset = (env.TimeStamp - received).total_seconds()
        if abs(s.offset) > self.settings.clock_drift_s:
            s.problems["clock_drift"] += 1
        entry = TRANSLATORS.get(env.MessageName)
        if entry is None:
            self._park(session, env, text, received, "ignored", "no translator for this message name")
            return Outcome("ignored", env.UniqueID, env.Source, env.MessageName)
        return Parsed(env, data, text, entry, payload_hash(data, plain=plain))

    def _apply_one(self, session: Session, item: Parsed, received: datetime,
                   stats: dict[str, SourceStats]) -> Outcome:
        """One message under its own savepoint, once per (cfx:<Source>, UniqueID)."""
        env, data, text = item.env, item.data, item.text
        ctx = Context(session, env.Source, env.TimeStamp, env.UniqueID, self.settings,
                      stats[env.Source].problems)
        source = f"cfx:{env.Source}"
        savepoint = session.begin_nested()
        try:
            with correlation.bound(env.UniqueID):
                answer = once(session, source=source, message_id=env.UniqueID,
                              command=env.MessageName[-64:], payload=data, digest=item.digest,
                              run=lambda: self._apply(env, item.entry, ctx, received))
            savepoint.commit()
        except Held as held:
            savepoint.rollback()
            return self.held(session, item, received, held)
        except IntegrityError as exc:
            savepoint.rollback()
            if seen(session, source, env.UniqueID) is not None:  # another consumer applied it first
                return Outcome("replayed", env.UniqueID, env.Source, env.MessageName)
            return self.dead(session, data, text, received, exc, stats)
        except (ValueError, DomainError) as exc:
            savepoint.rollback()
            return self.dead(session, data, text, received, exc, stats)
        except STORE_DOWN:
            raise  # the whole batch goes back to the broker
        except Exception as exc:  # a translator bug parks its message (requeue it after the fix)
            savepoint.rollback()
            log.exception("CFX message %s from %s could not be applied", env.UniqueID, env.Source)
            return self.dead(session, data, text, received, exc, stats)
        status: Status = "replayed" if answer.get("replayed") else "applied"
        return Outcome(status, env.UniqueID, env.Source, env.MessageName, answer=answer)

    def held(self, session: Session, item: Parsed, received: datetime, held: Held) -> Outcome:
        env = item.env
        self._park(session, env, item.text, received, "held", held.reason, hold_key=held.key)
        return Outcome("held", env.UniqueID, env.Source, env.MessageName, reason=held.reason)

    def _apply(self, env: CfxEnvelope, entry: Any, ctx: Context, received: datetime) -> dict[str, Any]:
        model, translate = entry
        body = body_of(model, env)
        commands = translate(ctx, body)
        for cmd in commands:
            c.execute(ctx.session, cmd)
        answer = answer_of(env, len(commands), received)
        if isinstance(body, WorkStarted):
            answer["released"] = self._release(ctx.session, body.TransactionID, received)
        return answer

    def _release(self, session: Session, key: str, received: datetime) -> int:
        """Apply the messages held for this transaction, now that its WorkStarted is in."""
        released = 0
        for row in device_messages.held_for(session, key):
            # Counted when it first arrived: its second pass does not count as another message.
            outcome = self._one(session, row.body, received, {})
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

    def dead(self, session: Session, data: Any, text: str, received: datetime, exc: Exception,
              stats: dict[str, SourceStats]) -> Outcome:
        field, reason = _why(exc)
        data = data if isinstance(data, dict) else {}
        source = str(data.get("Source") or "unknown")[:200]
        unique_id = str(data.get("UniqueID") or fingerprint(text))[:200]
        name = str(data.get("MessageName") or "")[:200]
        device_messages.park(session, status="dead", source=source, message_id=unique_id,
                             message_name=name, body=text, reason=reason, field=field, received_at=received)
        if data.get("Source"):
            stats.setdefault(source, SourceStats()).problems["dead_letter"] += 1
        return Outcome("dead", unique_id, source, name or None, reason=reason, field=field)


def _bulk(item: Parsed | Outcome) -> bool:
    return isinstance(item, Parsed) and item.env.MessageName == bulk.MESSAGE


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
    if isinstance(exc, ValueError):  # JSON or text decoding
        return "body", f"not a CFX envelope: {exc}"[:1000]
    return None, f"could not be applied ({type(exc).__name__}: {exc}); requeue after a fix"[:1000]
