"""Per-caller rate limits: a token bucket per identity, in this process's memory.

A caller is the SHA-256 of its bearer token when it sends one, else its client address (what the
server saw, or what `uvicorn --proxy-headers` took from a trusted proxy). Each bucket holds at most
`requests` tokens (a burst of the whole allowance), refills at `requests / seconds` per second, and
one request takes one token; an empty bucket answers how long until the next token. Tokens the
platform refuses (401) are also charged to a bucket of their client address (`refused_of`), so a
caller inventing a new token per request meets a limit too; while that bucket is empty, another
refused token is answered 429 (a valid token from the same address still goes through). The state is
per process and per app: N workers allow N times the rate, and a restart forgets it.

Hand-written rather than a library: a bucket is two floats and the arithmetic is four lines, while
the rate limiters at hand (pyrate-limiter's in-memory buckets) keep one entry per request and
answer no retry time.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import Scope

from gis_server.settings import RateLimit

#: Identities kept before idle ones are forgotten (a full bucket carries no information).
MAX_IDENTITIES = 100_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token buckets by identity for one `RateLimit`."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic,
                 max_identities: int = MAX_IDENTITIES) -> None:
        self.capacity = float(limit.requests)
        self.per_second = limit.requests / limit.seconds
        self.clock = clock
        self.max_identities = max_identities
        self._buckets: dict[str, _Bucket] = {}

    def take(self, identity: str) -> float:
        """Take one token for `identity`: 0.0 when the request may go on, else the seconds until it may."""
        now = self.clock()
        bucket = self._buckets.get(identity)
        if bucket is None:
            if len(self._buckets) >= self.max_identities:
                self._forget_idle(now)
            self._buckets[identity] = _Bucket(self.capacity - 1.0, now)
            return 0.0
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.stamp) * self.per_second)
        bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.per_second

    def waiting(self, identity: str) -> float:
        """Seconds until `identity` has a token again (0.0 when it has one now), without taking one."""
        bucket = self._buckets.get(identity)
        if bucket is None:
            return 0.0
        tokens = min(self.capacity, bucket.tokens + (self.clock() - bucket.stamp) * self.per_second)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.per_second

    def _forget_idle(self, now: float) -> None:
        """Drop the buckets that have refilled (their callers start afresh anyway); if every caller
        is busy, drop the oldest half, so memory stays bounded whoever calls."""
        full = [key for key, b in self._buckets.items()
                if b.tokens + (now - b.stamp) * self.per_second >= self.capacity]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.max_identities:
            for key in list(self._buckets)[: len(self._buckets) // 2]:
                del self._buckets[key]


def identity_of(scope: Scope, authorization: bytes | None) -> str:
    """Whom a request counts against: its bearer token's hash, else its client address."""
    if authorization:
        return "t:" + hashlib.sha256(authorization).hexdigest()
    client = scope.get("client")
    return f"a:{client[0]}" if client else "a:unknown"


def refused_of(scope: Scope) -> str:
    """The bucket of the refused tokens (401) sent from the client's address: a caller sending a new
    made-up token with every request meets this limit, whatever token comes next from there."""
    client = scope.get("client")
    return f"r:{client[0]}" if client else "r:unknown"
