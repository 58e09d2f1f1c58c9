"""A process-wide generation number that moves on every identity change made in this process, so
caches of verified tokens (accounts, keys) drop what they hold at once instead of after their TTL.
Changes made by other processes are seen when those caches expire."""

from __future__ import annotations

import itertools
import threading

_LOCK = threading.Lock()
_COUNTER = itertools.count(1)
_generation = 0


def generation() -> int:
    return _generation


def bump() -> None:
    global _generation
    with _LOCK:
        _generation = next(_COUNTER)
