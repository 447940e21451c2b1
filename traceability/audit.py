"""The append-only, hash-chained audit log of every change to the store.

Writing: `record` inserts an unsealed entry in the change's own transaction (no lock, no chain
read), so concurrent writers in many processes never wait on each other. Sealing: `seal` runs
later, under one lock (a PostgreSQL advisory lock; SQLite has a single writer anyway), and gives
each committed, unsealed entry the next `seq` and entry_hash = sha256(prev_hash + canonical entry),
in the order the sealer sees them committed. `verify` walks the chain and names the first seq whose
contents changed, whose predecessor is missing, or whose link is broken.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from traceability.models import AuditEntry
from traceability.types import utcnow

GENESIS = "0" * 64
# pg_advisory_xact_lock key for the sealer: one sealer at a time across every process.
SEAL_LOCK = 0x7472_6163_6561_7564
# Command fields that name what a command changes, most specific first.
TARGET_FIELDS = ("target", "serial", "parent_serial", "panel_serial", "lot", "container", "number",
                 "work_order", "hold_id", "part_number", "source", "station")


def target_of(cmd: Any) -> str | None:
    """What a command changes: its own `audit_target()` if it has one, else its naming field."""
    own = getattr(cmd, "audit_target", None)
    if callable(own):
        return own()
    for name in TARGET_FIELDS:
        value = getattr(cmd, name, None)
        if value is not None and value != "":
            return str(value)[:200]
    units = getattr(cmd, "units", None)
    if units:
        return target_of(units[0])
    return None


def record(session: Session, *, actor: str, command: str, target: str | None, source: str,
           message_id: str | None, payload_hash: str) -> None:
    """One unsealed entry in the caller's transaction: it exists only if the change commits."""
    session.execute(insert(AuditEntry).values(
        recorded_at=utcnow(), actor=actor[:200], command=command[:64], target=target,
        source=source[:64], message_id=message_id, payload_hash=payload_hash,
    ))


def record_many(session: Session, entries: Sequence[dict[str, Any]]) -> None:
    """`record` for a batch of commands run set-based (dicts of actor, command, target, source,
    message_id, payload_hash): one multi-row insert."""
    if entries:
        now = utcnow()
        session.execute(insert(AuditEntry.__table__), [
            {"recorded_at": now, "actor": e["actor"][:200], "command": e["command"][:64],
             "target": e["target"], "source": e["source"][:64], "message_id": e["message_id"],
             "payload_hash": e["payload_hash"]}
            for e in entries])


def canonical(entry: AuditEntry) -> str:
    return json.dumps({
        "seq": entry.seq, "recorded_at": entry.recorded_at.isoformat(), "actor": entry.actor,
        "command": entry.command, "target": entry.target, "source": entry.source,
        "message_id": entry.message_id, "payload_hash": entry.payload_hash,
    }, sort_keys=True, separators=(",", ":"))


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + canonical(entry)).encode()).hexdigest()


def head(session: Session) -> tuple[int, str]:
    """The last sealed (seq, entry_hash), or (0, GENESIS) for an empty chain."""
    row = session.execute(select(AuditEntry.seq, AuditEntry.entry_hash)
                          .where(AuditEntry.seq.is_not(None))
                          .order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def hash_at(session: Session, seq: int) -> str | None:
    return session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.seq == seq))


def seal(session: Session, *, batch: int = 5000) -> int:
    """Chain up to `batch` committed unsealed entries; returns how many were sealed."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SEAL_LOCK})
    pending = session.scalars(select(AuditEntry).where(AuditEntry.seq.is_(None))
                              .order_by(AuditEntry.id).limit(batch)).all()
    if not pending:
        return 0
    seq, prev = head(session)
    changes = []
    for entry in pending:
        seq += 1
        entry.seq = seq
        digest = entry_hash(prev, entry)
        changes.append({"id": entry.id, "seq": seq, "prev_hash": prev, "entry_hash": digest})
        prev = digest
    session.expunge_all()  # the bulk UPDATE below is the only write
    session.execute(update(AuditEntry), changes)
    return len(changes)


def unsealed(session: Session) -> bool:
    """Anything to seal? (one probe of the partial index; keeps idle sealers off the write lock)"""
    return session.scalar(select(AuditEntry.id).where(AuditEntry.seq.is_(None)).limit(1)) is not None


def seal_all(store: Any, *, batch: int = 5000, max_batches: int = 1000) -> int:
    """Seal everything committed so far (bounded), one transaction per batch."""
    with store.read() as session:
        if not unsealed(session):
            return 0
    total = 0
    for _ in range(max_batches):
        with store.write() as session:
            n = seal(session, batch=batch)
        total += n
        if n < batch:
            break
    return total


@dataclass
class Verification:
    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session, *, max_problems: int = 20) -> Verification:
    """Walk the sealed chain in seq order (streamed) and report every break, by seq."""
    out = Verification()
    prev, expected = GENESIS, 1
    rows = session.scalars(select(AuditEntry).where(AuditEntry.seq.is_not(None))
                           .order_by(AuditEntry.seq).execution_options(yield_per=2000))
    for entry in rows:
        out.entries += 1
        if entry.seq != expected:
            missing = f"{expected}" if entry.seq == expected + 1 else f"{expected}-{entry.seq - 1}"
            out.problems.append(f"seq {missing}: missing (deleted) before seq {entry.seq}")
        elif entry.prev_hash != prev:
            out.problems.append(f"seq {entry.seq}: prev_hash does not match seq {entry.seq - 1}")
        if entry_hash(entry.prev_hash or GENESIS, entry) != entry.entry_hash:
            out.problems.append(f"seq {entry.seq}: contents changed (hash mismatch)")
        prev, expected = entry.entry_hash or "", entry.seq + 1
        if len(out.problems) >= max_problems:
            break
    out.head_seq, out.head_hash = expected - 1, prev or GENESIS
    out.unsealed = session.scalar(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.seq.is_(None))) or 0
    return out


def entries(session: Session, *, target: str | None = None, actor: str | None = None,
            since: datetime | None = None, until: datetime | None = None,
            before_id: int | None = None, limit: int = 100) -> Sequence[AuditEntry]:
    """Newest first; `actor` matches a prefix ('key:erp' finds every ERP key)."""
    stmt = select(AuditEntry)
    if target is not None:
        stmt = stmt.where(AuditEntry.target == target)
    if actor is not None:
        stmt = stmt.where(AuditEntry.actor.startswith(actor, autoescape=True))
    if since is not None:
        stmt = stmt.where(AuditEntry.recorded_at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.recorded_at < until)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    return session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit)).all()
