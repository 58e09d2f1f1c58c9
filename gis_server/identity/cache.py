"""Verified tokens for a short while (`TTL_SECONDS`), keyed by the SHA-256 of the token, so a caller's
requests after the first skip signature checks and store reads. An entry ends at its TTL, at the
token's own expiry, or at once when this process changes any account or key
(`layers.identity.changes`); changes made by another process are seen within the TTL."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from layers.access.principal import Principal
from layers.identity import changes

TTL_SECONDS = 30.0
MAX_ENTRIES = 10_000


class VerifiedCache:
    def __init__(self, clock: Callable[[], float], *, ttl: float = TTL_SECONDS, size: int = MAX_ENTRIES) -> None:
        self.clock = clock
        self.ttl = ttl
        self.size = size
        self._entries: dict[bytes, tuple[Principal, float]] = {}
        self._generation = changes.generation()

    def get(self, token: str) -> Principal | None:
        if self._generation != changes.generation():
            self._entries.clear()
            self._generation = changes.generation()
            return None
        entry = self._entries.get(hashlib.sha256(token.encode()).digest())
        if entry is None:
            return None
        if entry[1] <= self.clock():
            self._entries.pop(hashlib.sha256(token.encode()).digest(), None)
            return None
        return entry[0]

    def put(self, token: str, principal: Principal, not_after: float | None = None) -> None:
        until = self.clock() + self.ttl
        if not_after is not None:
            until = min(until, not_after)
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[hashlib.sha256(token.encode()).digest()] = (principal, until)
