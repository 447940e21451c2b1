"""The set-based path for a run of MaterialsInstalled messages in one batch (a placement line's
steady traffic): one idempotency look-up, one look-up per kind of key (units, reels, transactions,
feeder loads) and one multi-row insert each for the installations, the idempotency log, the audit
entries and the outbox events of the whole run, instead of a dozen statements per message.

The outcome is the same as applying the messages one by one: a message that cannot be applied is
parked and writes nothing; a message already applied is a replay. Should the set-based write fail
in the store (a race with another consumer), the run falls back to one message at a time: on
PostgreSQL here, through a savepoint; on SQLite (no race under its write lock, and a costly
savepoint) the caller runs the batch again with `Ingest.run(set_based=False)`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from math import isfinite
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from devices.cfx.context import Context, Held, Lookups
from devices.cfx.outcomes import Outcome, Parsed, SourceStats, answer_of, body_of
from devices.cfx.translate.assembly import materials_installed
from devices.cfx.units import position
from traceability import actor as acting
from traceability import audit
from traceability.commands import InstallComponents
from traceability.commands.installations import install_many
from traceability.database import holds_write_lock
from traceability.errors import Conflict, DomainError
from traceability.idempotency import accept_many, canonical_hash, payload_hash, seen_many

if TYPE_CHECKING:
    from devices.cfx.ingest import Ingest

MESSAGE = "CFX.Production.Assembly.MaterialsInstalled"
log = logging.getLogger("tracebridge.cfx")


def install(ingest: Ingest, session: Session, items: list[Parsed], received: datetime,
            stats: dict[str, SourceStats]) -> list[Outcome]:
    keys = [(f"cfx:{p.env.Source}", p.env.UniqueID) for p in items]
    prior = seen_many(session, keys)
    outcomes: dict[int, Outcome] = {}
    later: list[int] = []  # a second copy inside the batch: after the first, one by one
    firsts: set[tuple[str, str]] = set()
    bodies: dict[int, Any] = {}
    for k, p in enumerate(items):
        env = p.env
        if keys[k] in prior:
            if prior[keys[k]].payload_hash == p.digest:
                outcomes[k] = Outcome("replayed", env.UniqueID, env.Source, env.MessageName,
                                      answer=dict(prior[keys[k]].response or {}, replayed=True))
            else:
                outcomes[k] = ingest.dead(session, p.data, p.text, received, Conflict(
                    f"message id {env.UniqueID!r} from {keys[k][0]!r} was already used with another "
                    "payload", field="messageId"), stats)
            continue
        if keys[k] in firsts:
            later.append(k)
            continue
        firsts.add(keys[k])
        try:
            bodies[k] = body_of(p.entry[0], env)
        except DomainError as exc:
            outcomes[k] = ingest.dead(session, p.data, p.text, received, exc, stats)
    cache = _prefetch(session, bodies.values())
    groups: list[list[InstallComponents]] = []
    owners: list[int] = []
    for k, body in bodies.items():
        p = items[k]
        ctx = Context(session, p.env.Source, p.env.TimeStamp, p.env.UniqueID, ingest.settings,
                      stats[p.env.Source].problems, cache=cache)
        try:
            groups.append(materials_installed(ctx, body))  # type: ignore[arg-type]
            owners.append(k)
        except Held as held:
            outcomes[k] = ingest.held(session, p, received, held)
        except (ValueError, DomainError) as exc:
            outcomes[k] = ingest.dead(session, p.data, p.text, received, exc, stats)
        except Exception as exc:  # as in Ingest._apply_one: park it, keep the line going
            log.exception("CFX message %s from %s could not be applied", p.env.UniqueID, p.env.Source)
            outcomes[k] = ingest.dead(session, p.data, p.text, received, exc, stats)
    # All or nothing, so that losing a race to another consumer (a unique key both inserted) can
    # fall back to one message at a time. Under SQLite's write lock (`Store.write`) there is no such
    # race: nobody else commits between our reads and our insert. There a savepoint would only cost:
    # SQLite copies every page the insert touches into a sub-journal (a temp file) to be able to roll
    # back to it, which made the insert 2.6x as expensive as the same executemany without it
    # (docs/BENCHMARKS.md). Should the store refuse the write anyway, the caller's transaction fails
    # whole (the consumer retries the batch one message at a time: see `Ingest.run(set_based=...)`).
    savepoint = None if holds_write_lock(session) else session.begin_nested()
    try:
        accepted, audited = [], []
        actor = acting.current()
        for k, group, result in zip(owners, groups, install_many(session, groups), strict=True):
            p = items[k]
            if isinstance(result, DomainError):
                outcomes[k] = ingest.dead(session, p.data, p.text, received, result, stats)
                continue
            answer = answer_of(p.env, len(group), received)
            accepted.append({"source": keys[k][0], "message_id": p.env.UniqueID,
                             "command": p.env.MessageName[-64:], "payload_hash": p.digest,
                             "response": answer})
            # The entries `commands.execute` writes for each command on the one-by-one path.
            audited += [{"actor": actor, "command": "InstallComponents", "target": audit.target_of(cmd),
                         "source": "local", "message_id": None, "payload_hash": _digest(cmd)}
                        for cmd in group]
            outcomes[k] = Outcome("applied", p.env.UniqueID, p.env.Source, p.env.MessageName, answer=answer)
        accept_many(session, accepted)
        audit.record_many(session, audited)
        if savepoint is not None:
            savepoint.commit()
    except IntegrityError:
        if savepoint is None:
            raise
        savepoint.rollback()
        for k in owners:
            outcomes[k] = ingest._apply_one(session, items[k], received, stats)
    for k in later:
        outcomes[k] = ingest._apply_one(session, items[k], received, stats)
    return [outcomes[k] for k in range(len(items))]


def _prefetch(session: Session, bodies) -> Lookups:  # type: ignore[no-untyped-def]
    """Every unit, reel and transaction the run names, one query per kind."""
    cache = Lookups()
    mats = [x for b in bodies for x in b.InstalledMaterials]
    cache.units.load(session, {x.UnitIdentifier for x in mats if x.UnitIdentifier})
    cache.units.load_boards(session, {x.UnitIdentifier for x in mats
                                      if x.UnitIdentifier and position(x.UnitPositionNumber)})
    cache.load_lots(session, {x.Material.UniqueIdentifier for x in mats
                              if x.Material and x.Material.UniqueIdentifier})
    cache.load_transactions(session, [b.TransactionId for b in bodies if b.TransactionId])
    return cache


# The command's JSON form as orjson writes it from the fields: sorted keys, "Z" for UTC (as pydantic).
_JSON_FORM = orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z
_INF = float("inf")


def _digest(cmd: InstallComponents) -> str:
    """`payload_hash` of the command's JSON form (`model_dump(mode="json")`), as `commands.execute`
    computes it. A trusted command from the translator holds strings, finite floats, integers, None
    and aware datetimes, which orjson writes from the fields themselves exactly as pydantic's JSON
    mode writes them (RFC 3339, "Z" for UTC; tests/test_cfx_digest.py holds the two equal): that
    saved building the JSON form in Python, two thirds of this digest's cost. Anything else (an
    integer or infinite quantity, a text the standard library writes otherwise) goes pydantic's way.
    Its only float field is the quantity: when none is below 1e-4 (but 0), the text holds no float
    the two libraries write differently, and need not be searched for one."""
    if all(type(q := i.quantity) is float and (q == 0 or 1e-4 <= abs(q) < _INF) for i in cmd.items):
        try:
            text = orjson.dumps({**cmd.__dict__, "items": [i.__dict__ for i in cmd.items]}, option=_JSON_FORM)
        except TypeError:  # a value orjson does not write
            pass
        else:
            if (digest := canonical_hash(text, small_floats=False)) is not None:
                return digest
    # The one float field may be infinite (pydantic reads "Infinity"), which only the standard
    # library's way writes as it always did.
    return payload_hash(cmd.model_dump(mode="json"), plain=all(isfinite(i.quantity) for i in cmd.items))
