"""Banned hours (禁行时段) of a restricted zone, in China Standard Time.

Written `"07:00-09:00,17:00-19:00"`: comma-separated `HH:MM-HH:MM` intervals, start included, end
excluded, `24:00` allowed as an end, an interval whose end is before its start runs past midnight
(`22:00-06:00`). Empty means the ban holds at all hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from domains.road_transport.positions.batch import CST_OFFSET_MS, DAY_MS, MINUTE_MS

_INTERVAL = re.compile(r"^\s*([01]\d|2[0-4]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)\s*$")


@dataclass(frozen=True, slots=True)
class BannedHours:
    #: (start, end) minutes of the China-time day; empty = always banned.
    intervals: tuple[tuple[int, int], ...] = ()

    @property
    def always(self) -> bool:
        return not self.intervals

    def active(self, t_ms: np.ndarray) -> np.ndarray:
        """Per time (ms since the epoch): whether the ban holds."""
        t = np.asarray(t_ms, dtype=np.int64)
        if self.always:
            return np.ones(len(t), dtype=bool)
        minute = ((t + CST_OFFSET_MS) % DAY_MS) // MINUTE_MS
        result = np.zeros(len(t), dtype=bool)
        for start, end in self.intervals:
            if start < end:
                result |= (minute >= start) & (minute < end)
            else:
                result |= (minute >= start) | (minute < end)
        return result


def parse_banned_hours(text: str) -> BannedHours:
    """`"07:00-09:00,17:00-19:00"` → BannedHours; ValueError (Chinese and English) when malformed."""
    if not text.strip():
        return BannedHours()
    intervals = []
    for part in text.split(","):
        match = _INTERVAL.match(part)
        if match is None:
            raise ValueError(f"禁行时段格式错误 / banned hours must read HH:MM-HH:MM: {part!r}")
        h0, m0, h1, m1 = (int(x) for x in match.groups())
        start, end = h0 * 60 + m0, h1 * 60 + m1
        if start >= 24 * 60 or end > 24 * 60 or start == end:
            raise ValueError(f"禁行时段无效 / invalid banned-hours interval: {part!r}")
        intervals.append((start, end))
    return BannedHours(tuple(intervals))
