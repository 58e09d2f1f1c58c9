"""`PositionBatch`: vehicle positions as columns (numpy arrays), the one shape every part passes around.

Times are integer milliseconds since the Unix epoch (UTC): exact, cheap to compare and to store.
A batch is sorted by plate then time where the evaluators need it (`sorted`); `groups` then gives
each vehicle's slice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import numpy as np

#: China Standard Time (no daylight saving): days, hours and banned hours are counted in it.
CST = timezone(timedelta(hours=8), "Asia/Shanghai")
CST_OFFSET_MS = 8 * 3600 * 1000
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
SECOND_MS = 1_000


def to_ms(moment: datetime) -> int:
    """An aware datetime → milliseconds since the epoch."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return round(moment.timestamp() * 1000)


def from_ms(ms: int | np.integer) -> datetime:
    """Milliseconds since the epoch → an aware UTC datetime."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(ms))


def china_day_start(ms: int) -> int:
    """The start (ms) of the China-time day holding `ms`."""
    return ((ms + CST_OFFSET_MS) // DAY_MS) * DAY_MS - CST_OFFSET_MS


def china_hour_key(ms: int) -> str:
    """`YYYYMMDDHH` of the China-time hour holding `ms`."""
    return from_ms(ms).astimezone(CST).strftime("%Y%m%d%H")


@dataclass(frozen=True, slots=True)
class PositionBatch:
    plate: np.ndarray  # object (str)
    t: np.ndarray  # int64 ms since the epoch, UTC
    lon: np.ndarray  # float64, EPSG:4490
    lat: np.ndarray  # float64
    speed: np.ndarray  # float64 km/h
    heading: np.ndarray  # float64 degrees from north, clockwise

    @classmethod
    def empty(cls) -> PositionBatch:
        return cls.of([], [], [], [], [], [])

    @classmethod
    def of(cls, plate: Sequence[str] | np.ndarray, t: Sequence[int] | np.ndarray, lon: Sequence[float] | np.ndarray,
           lat: Sequence[float] | np.ndarray, speed: Sequence[float] | np.ndarray,
           heading: Sequence[float] | np.ndarray) -> PositionBatch:
        plates = np.empty(len(plate), dtype=object)
        plates[:] = list(plate)
        return cls(plates, np.asarray(t, dtype=np.int64), np.asarray(lon, dtype=np.float64),
                   np.asarray(lat, dtype=np.float64), np.asarray(speed, dtype=np.float64),
                   np.asarray(heading, dtype=np.float64))

    def __len__(self) -> int:
        return len(self.t)

    def take(self, index: np.ndarray | slice) -> PositionBatch:
        return PositionBatch(self.plate[index], self.t[index], self.lon[index], self.lat[index],
                             self.speed[index], self.heading[index])

    def concat(self, other: PositionBatch) -> PositionBatch:
        return PositionBatch(*(np.concatenate([a, b]) for a, b in zip(self.columns(), other.columns(), strict=True)))

    def columns(self) -> tuple[np.ndarray, ...]:
        return (self.plate, self.t, self.lon, self.lat, self.speed, self.heading)

    def plate_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct plates (sorted) and each row's index into them."""
        if len(self) == 0:
            return np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
        names, codes = np.unique(self.plate.astype(str), return_inverse=True)
        return names.astype(object), codes.astype(np.int64)

    def sorted(self) -> PositionBatch:
        """Sorted by plate, then time (duplicates of a plate and time kept once)."""
        if len(self) == 0:
            return self
        _, codes = self.plate_codes()
        order = np.lexsort((self.t, codes))
        out = self.take(order)
        codes = codes[order]
        keep = np.ones(len(out), dtype=bool)
        keep[1:] = (codes[1:] != codes[:-1]) | (out.t[1:] != out.t[:-1])
        return out if keep.all() else out.take(keep)

    def group_starts(self) -> np.ndarray:
        """Indexes where a new plate begins (the batch must be sorted); includes 0, excludes len."""
        if len(self) == 0:
            return np.empty(0, dtype=np.int64)
        change = np.flatnonzero(self.plate[1:] != self.plate[:-1]) + 1
        return np.concatenate([[0], change]).astype(np.int64)

    def groups(self) -> Iterator[tuple[str, slice]]:
        """(plate, slice) per vehicle of a sorted batch."""
        starts = self.group_starts()
        ends = np.append(starts[1:], len(self))
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            yield str(self.plate[start]), slice(start, end)

    def same_plate_as_previous(self) -> np.ndarray:
        """Per row of a sorted batch: whether the previous row is the same vehicle."""
        same = np.zeros(len(self), dtype=bool)
        if len(self) > 1:
            same[1:] = self.plate[1:] == self.plate[:-1]
        return same

    def time_span(self) -> tuple[int, int]:
        return int(self.t.min()), int(self.t.max())

    def distinct_plates(self) -> list[str]:
        return sorted({str(p) for p in self.plate})
