"""The one idempotency mechanism every inbound path uses (REST, SOAP, CFX, GraphQL).

A message is identified by (source, message id). The first delivery runs the command and stores
its answer in the same transaction; a resend with the same payload gets that answer back and
writes nothing; a resend with another payload under the same id is a conflict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from traceability import correlation
from traceability.bulk_insert import insert_rows
from traceability.errors import Conflict
from traceability.models import InboundMessage
from traceability.types import utcnow


def payload_hash(payload: Any, *, plain: bool = False) -> str:
    """SHA-256 of the payload as canonical JSON: sorted keys, no spaces, ASCII escapes.

    `plain`: the caller vouches the payload holds only JSON values (dicts with string keys, lists,
    strings, integers, finite floats, booleans, None), as orjson decodes them from text or
    `model_dump(mode="json")` gives them. orjson then writes the canonical
    text, several times faster than the standard library, and it is kept only where it is byte for
    byte what `json.dumps` writes, so the digest never depends on which way it was computed."""
    if plain:
        try:
            fast = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits
            fast = b"\x7f"  # not the standard library's text: take the slow way
        if _same_as_stdlib(fast):
            return hashlib.sha256(fast).hexdigest()
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def canonical_hash(text: bytes, *, small_floats: bool = True) -> str | None:
    """`payload_hash` of a payload whose canonical text orjson has already written (sorted keys, no
    spaces), when that text is byte for byte what the standard library writes; None when it may
    not be (then hash the payload itself). `small_floats=False`: the caller knows every float in
    the payload is 0 or at least 1e-4 in magnitude, so the text need not be searched for them."""
    same = text.isascii() and b"\x7f" not in text and not (small_floats and _small_float(text))
    return hashlib.sha256(text).hexdigest() if same else None


def _same_as_stdlib(text: bytes) -> bool:
    """Where orjson's text of a plain payload may differ from json.dumps(ensure_ascii=True): non-ASCII
    characters and DEL (the standard library escapes them), and floats below 1e-4 (the standard
    library writes 1e-05 where orjson writes 1e-5 or 0.00001)."""
    return text.isascii() and b"\x7f" not in text and not _small_float(text)


_NUMBER = frozenset(b"0123456789.-")


def _small_float(text: bytes) -> bool:
    """Whether a number token (at the start, or after ':', ',' or '[' in orjson's compact text) holds
    'e-' or '0.0000'. A string that merely looks like one answers yes too: the slow way, never wrong.
    (A regular expression over the whole text cost more than the orjson encoding it checks.)"""
    for marker in (b"e-", b"0.0000"):
        at = text.find(marker)
        while at != -1:
            start = at
            while start > 0 and text[start - 1] in _NUMBER:
                start -= 1
            if start == 0 or text[start - 1] in b":,[":
                return True
            at = text.find(marker, at + 1)
    return False


def seen(session: Session, source: str, message_id: str) -> InboundMessage | None:
    return session.scalars(
        select(InboundMessage).where(
            InboundMessage.source == source, InboundMessage.message_id == message_id
        )
    ).first()


def once(
    session: Session,
    *,
    source: str,
    message_id: str | None,
    command: str,
    payload: Any,
    run: Callable[[], dict[str, Any]],
    digest: str | None = None,
) -> dict[str, Any]:
    """Run `run` unless this message was already accepted; return the (stored) answer. `digest`:
    the payload's `payload_hash`, when the caller has it already."""
    if not message_id:
        return run()
    digest = digest or payload_hash(payload)
    prior = seen(session, source, message_id)
    if prior is not None:
        if prior.payload_hash != digest:
            raise Conflict(
                f"message id {message_id!r} from {source!r} was already used with another payload",
                field="messageId",
            )
        return dict(prior.response or {}, replayed=True)
    answer = run()
    # The unique constraint settles a race between two processes: the loser rolls back whole.
    session.execute(
        insert(InboundMessage).values(
            source=source, message_id=message_id, command=command,
            payload_hash=digest, response=answer, correlation_id=correlation.current.get(),
        )
    )
    return answer


def seen_many(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], InboundMessage]:
    """The accepted messages among many (source, message id) keys, in one query."""
    if not keys:
        return {}
    wanted = set(keys)
    rows = session.scalars(select(InboundMessage).where(
        InboundMessage.source.in_({k[0] for k in keys}),
        InboundMessage.message_id.in_({k[1] for k in keys}))).all()
    return {(r.source, r.message_id): r for r in rows if (r.source, r.message_id) in wanted}


def accept_many(session: Session, accepted: list[dict[str, Any]]) -> None:
    """Record many first deliveries at once: dicts of source, message_id, command, payload_hash,
    response. As in `once`, the unique key settles a race: the losing transaction rolls back whole."""
    if accepted:
        # A set-based batch of machine messages: each one's correlation id is its own message id;
        # received together, in one transaction.
        now = utcnow()
        insert_rows(session, InboundMessage.__table__,
                    [{"correlation_id": a["message_id"], "received_at": now, **a} for a in accepted])
