"""Token buckets per poll token, so one screen (or one stolen token) cannot flood the hub.

Why a bucket: a player that was offline sends its queued reports in one burst (up to 100
heartbeats, hundreds of play batches), which must go through; a client that keeps sending
faster than any player would must be told to wait (429 with Retry-After) before its body is
even read. The hub runs on one event loop, so the buckets need no lock; keys are poll tokens
the hub already knows, so their number is bounded by the screens in the library.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """burst requests at once, then per_second on average."""

    burst: int
    per_second: float

    def __post_init__(self) -> None:
        if self.burst < 1:
            raise ValueError(f"Rate.burst must be at least 1, not {self.burst!r}")
        if not self.per_second > 0:
            raise ValueError(f"Rate.per_second must be positive, not {self.per_second!r}")


class RateLimiter:
    """One token bucket per key, all with the same rate."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, at)

    def take(self, key: str) -> float:
        """Spend one request for key: 0.0 when allowed, else the seconds until one is."""
        now = self.clock()
        rate = self.rate
        tokens, at = self._buckets.get(key, (float(rate.burst), now))
        tokens = min(float(rate.burst), tokens + (now - at) * rate.per_second)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / rate.per_second


def retry_after(seconds: float) -> bytes:
    """A Retry-After value: whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(seconds))).encode("ascii")
