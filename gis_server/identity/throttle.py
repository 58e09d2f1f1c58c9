"""Failed logins per client address, in this process's memory: after `max_failures` within `window`
the address must wait until the oldest of them leaves the window. Slows guessing across many
account names, which the per-account lock alone does not."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 20
WINDOW_SECONDS = 15 * 60.0
MAX_ADDRESSES = 100_000


class AddressThrottle:
    def __init__(self, clock: Callable[[], float], *, max_failures: int = MAX_FAILURES,
                 window: float = WINDOW_SECONDS) -> None:
        self.clock = clock
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # logins run in worker threads

    def retry_after(self, address: str) -> float | None:
        """Seconds this address must wait before its next attempt, or None if it may try now."""
        now = self.clock()
        with self._lock:
            times = self._failures.get(address)
            if times is None:
                return None
            while times and times[0] <= now - self.window:
                times.popleft()
            if not times:
                del self._failures[address]
                return None
            if len(times) < self.max_failures:
                return None
            return max(1.0, times[0] + self.window - now)

    def failed(self, address: str) -> None:
        with self._lock:
            if address not in self._failures and len(self._failures) >= MAX_ADDRESSES:
                self._forget_old()
            times = self._failures.setdefault(address, deque(maxlen=self.max_failures))
            times.append(self.clock())

    def _forget_old(self) -> None:
        cutoff = self.clock() - self.window
        for address in [a for a, times in self._failures.items() if not times or times[-1] <= cutoff]:
            del self._failures[address]
        if len(self._failures) >= MAX_ADDRESSES:
            self._failures.clear()
