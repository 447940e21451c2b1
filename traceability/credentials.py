"""API keys: created with a high-entropy secret shown once, stored as SHA-256, revocable.

A key reads `tbk_<key id>_<secret>`. The key id is the indexed lookup; the secret (256 bits from
`secrets`) is compared by hash in constant time. A fast hash is enough for a random 256-bit secret
(there is nothing to guess from a dictionary); slow password hashes are for human-chosen secrets.
Creating and revoking a key are audited like any other change.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from traceability import audit
from traceability.errors import Invalid, NotFound
from traceability.idempotency import payload_hash
from traceability.models import ApiKey
from traceability.types import utcnow

PREFIX = "tbk_"
_KEY = re.compile(r"^tbk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_SCOPE = re.compile(r"^[a-z]+(:[a-z]+)?$")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, *, name: str, scopes: Sequence[str], sites: Sequence[str] | None = None,
               lines: Sequence[str] | None = None, expires_at: datetime | None = None,
               actor: str = "system") -> tuple[ApiKey, str]:
    """A new key and its full text, which is never stored and cannot be shown again."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise Invalid("name", "1 to 100 characters")
    if not scopes:
        raise Invalid("scopes", "at least one scope")
    for s in scopes:
        if not _SCOPE.match(s):
            raise Invalid("scopes", f"{s!r} is not a scope (e.g. erp:write)")
    if expires_at is not None and expires_at <= utcnow():
        raise Invalid("expires_at", "must be in the future")
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    key = ApiKey(key_id=key_id, secret_hash=_digest(secret), name=name, scopes=sorted(set(scopes)),
                 sites=sorted(set(sites)) if sites else None, lines=sorted(set(lines)) if lines else None,
                 expires_at=expires_at)
    session.add(key)
    session.flush()
    audit.record(session, actor=actor, command="CreateApiKey", target=f"key:{key_id}", source="keys",
                 message_id=None, payload_hash=payload_hash(
                     {"name": name, "scopes": key.scopes, "sites": key.sites, "lines": key.lines}))
    return key, f"{PREFIX}{key_id}_{secret}"


def list_keys(session: Session) -> Sequence[ApiKey]:
    return session.scalars(select(ApiKey).order_by(ApiKey.id)).all()


def revoke_key(session: Session, key_id: str, *, actor: str = "system") -> ApiKey:
    key = session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).first()
    if key is None:
        raise NotFound(f"no API key {key_id!r}", field="key_id")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(session, actor=actor, command="RevokeApiKey", target=f"key:{key_id}", source="keys",
                     message_id=None, payload_hash=payload_hash({"key_id": key_id}))
    return key


def parse(presented: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key text, else None."""
    m = _KEY.match(presented)
    return (m.group(1), m.group(2)) if m else None


def lookup(session: Session, key_id: str) -> ApiKey | None:
    """One indexed read by key id."""
    return session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).first()


def secret_matches(secret_hash: str, secret: str) -> bool:
    """Constant-time comparison of a presented secret with a stored hash."""
    return hmac.compare_digest(secret_hash, _digest(secret))


def usable(key: ApiKey, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return key.revoked_at is None and (key.expires_at is None or key.expires_at > now)


def touch(session: Session, key_ids: Sequence[str], at: datetime) -> None:
    """Record last use (batched by the caller: at most once a minute per key and process)."""
    if key_ids:
        session.execute(update(ApiKey).where(ApiKey.key_id.in_(list(key_ids))).values(last_used_at=at))
