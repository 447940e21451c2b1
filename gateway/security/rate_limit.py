"""Token buckets per credential for write requests.

Process-local: with N gateway processes a credential can reach N times the rate. It protects the
store from one runaway client, it is not a quota; a shared limit belongs in a proxy in front.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, *, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, _Bucket] = {}

    def take(self, who: str) -> float:
        """0 when allowed (one token taken), else the seconds until a token is available."""
        now = time.monotonic()
        b = self._buckets.get(who)
        if b is None:
            b = self._buckets[who] = _Bucket(float(self.burst), now)
        b.tokens = min(float(self.burst), b.tokens + (now - b.at) * self.rate)
        b.at = now
        if b.tokens >= 1.0:
            b.tokens -= 1.0
            return 0.0
        return (1.0 - b.tokens) / self.rate
