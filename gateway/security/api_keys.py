"""Resolving an API key to a principal, with a short TTL cache in front of one indexed lookup.

Cache bound: a key's state (scopes, expiry, revocation) is re-read at most `ttl` seconds after it
was last read, so a revocation takes effect in every process within `auth_cache_seconds`.
Unknown key ids are cached too, so a flood of made-up keys costs one lookup per id and TTL.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from gateway.security.principal import Principal
from traceability import credentials
from traceability.database import Store
from traceability.types import utcnow

log = logging.getLogger("tracebridge.security")

TOUCH_EVERY = 60.0  # seconds between last-use updates of one key (per process)


@dataclass(frozen=True)
class _Entry:
    secret_hash: str | None  # None: no such key
    principal: Principal | None
    expires_at: datetime | None
    revoked: bool
    read_at: float


class ApiKeyAuthenticator:
    def __init__(self, store_getter, *, ttl: float, max_entries: int = 10_000) -> None:  # type: ignore[no-untyped-def]
        self._store = store_getter
        self._ttl = ttl
        self._max = max_entries
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._touched: dict[str, float] = {}

    def cached(self, key_id: str) -> _Entry | None:
        entry = self._cache.get(key_id)
        if entry is None or time.monotonic() - entry.read_at > self._ttl:
            return None
        return entry

    def load(self, key_id: str) -> _Entry:
        """One indexed read (in a worker thread); touches last use at most once a minute."""
        store: Store = self._store()
        with store.read() as session:
            key = credentials.lookup(session, key_id)
        now = time.monotonic()
        if key is None:
            entry = _Entry(None, None, None, True, now)
        else:
            entry = _Entry(key.secret_hash, Principal(
                actor=f"key:{key.name}:{key.key_id}", scopes=frozenset(key.scopes), kind="key",
                sites=frozenset(key.sites) if key.sites else None,
                lines=frozenset(key.lines) if key.lines else None,
            ), key.expires_at, key.revoked_at is not None, now)
            if now - self._touched.get(key_id, -TOUCH_EVERY) >= TOUCH_EVERY:
                self._touched[key_id] = now
                self._touch(store, key_id)
        self._cache[key_id] = entry
        self._cache.move_to_end(key_id)
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return entry

    @staticmethod
    def _touch(store: Store, key_id: str) -> None:
        try:
            with store.write() as session:
                credentials.touch(session, [key_id], utcnow())
        except Exception as exc:  # noqa: BLE001 - last use is informative; never fail a request on it
            log.info("could not record last use of key %s: %s", key_id, type(exc).__name__)

    @staticmethod
    def check(entry: _Entry, secret: str) -> tuple[Principal | None, str]:
        """(principal, '') when the key is good, else (None, why)."""
        if entry.secret_hash is None or entry.principal is None:
            return None, "unknown API key"
        if not credentials.secret_matches(entry.secret_hash, secret):
            return None, "unknown API key"
        if entry.revoked:
            return None, "API key revoked"
        if entry.expires_at is not None and entry.expires_at <= utcnow():
            return None, "API key expired"
        return entry.principal, ""
