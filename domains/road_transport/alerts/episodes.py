"""Finding speeding and fatigue episodes in vehicle tracks (pure functions over a sorted batch).

Speeding (超速): consecutive reports over their limit (`limits.py`), no two more than 5 minutes
apart; an episode lasts from its first to its last report over the limit and counts when that is
at least 30 s.

Fatigue (疲劳驾驶): a report is *moving* above 5 km/h. Between two consecutive reports the vehicle
is *idle* when the first is not moving, or when they are more than 5 minutes apart (a silent
terminal is not driving). Consecutive idle stretches form an idle spell; a spell of 20 minutes or
more is a rest (休息). A driving stretch runs from its first moving report after a rest to its last
moving report before the next one — shorter stops count as driving, as the regulation reads
("连续驾驶超过4小时未停车休息或者停车休息时间少于20分钟"). A stretch longer than 4 hours is an
episode from its first report past the 4 hours to its last moving report.

A track window seldom starts at a rest. `fatigue_episodes` takes, per vehicle, where the stretch
open at the window's start began (`carry`, from the vehicle's driving state) and returns the state
to carry into the next window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from domains.road_transport.positions.batch import SECOND_MS, PositionBatch
from domains.road_transport.positions.store import DrivingState
from domains.road_transport.vocabulary import (
    FATIGUE_DRIVING_SECONDS,
    MAX_REPORT_GAP_SECONDS,
    REST_SECONDS,
    SPEEDING_MIN_SECONDS,
    STOPPED_KMH,
)

MAX_GAP_MS = MAX_REPORT_GAP_SECONDS * SECOND_MS
REST_MS = REST_SECONDS * SECOND_MS
FATIGUE_MS = FATIGUE_DRIVING_SECONDS * SECOND_MS
SPEEDING_MS = SPEEDING_MIN_SECONDS * SECOND_MS


@dataclass(frozen=True, slots=True)
class Episode:
    plate: str
    kind: str  # "speeding" | "fatigue"
    started_ms: int
    ended_ms: int
    #: Where it started (the report at `started_ms`).
    lon: float
    lat: float
    #: Index of that report in the evaluated batch.
    row: int
    max_speed: float
    limit_kmh: float | None = None
    #: Fatigue: continuous driving from the stretch's start to `ended_ms`.
    driving_ms: int | None = None


def speeding_episodes(batch: PositionBatch, limit: np.ndarray) -> list[Episode]:
    """Speeding episodes of a batch sorted by plate and time, with each report's limit (NaN: none)."""
    n = len(batch)
    if n == 0:
        return []
    over = np.zeros(n, dtype=bool)
    known = np.isfinite(limit)
    over[known] = batch.speed[known] > limit[known]
    if not over.any():
        return []
    continues = np.zeros(n, dtype=bool)
    continues[1:] = (over[:-1] & batch.same_plate_as_previous()[1:] & (np.diff(batch.t) <= MAX_GAP_MS))
    starts = np.flatnonzero(over & ~continues)
    episodes = []
    for start in starts.tolist():
        end = start
        while end + 1 < n and over[end + 1] and continues[end + 1]:
            end += 1
        if batch.t[end] - batch.t[start] < SPEEDING_MS:
            continue
        top = start + int(np.argmax(batch.speed[start:end + 1]))
        episodes.append(Episode(str(batch.plate[start]), "speeding", int(batch.t[start]), int(batch.t[end]),
                                float(batch.lon[start]), float(batch.lat[start]), start,
                                float(batch.speed[top]), float(limit[start])))
    return episodes


def fatigue_episodes(batch: PositionBatch, carry: Mapping[str, DrivingState] | None = None
                     ) -> tuple[list[Episode], dict[str, DrivingState]]:
    """Fatigue episodes of a batch sorted by plate and time, and each vehicle's state at its end.

    `carry[plate]` is the vehicle's state as of an earlier evaluation, whose `last_ms` comes before
    the vehicle's reports here: the stretch under way then began at `stretch_start_ms` (None: the
    vehicle was resting), and an idle spell was in progress since `idle_since_ms` (None: it was
    moving). The evaluation goes on from there as if those reports were part of the window.
    """
    carry = carry or {}
    episodes: list[Episode] = []
    states: dict[str, DrivingState] = {}
    for plate, rows in batch.groups():
        found, state = _vehicle_fatigue(batch, plate, rows, carry.get(plate))
        episodes.extend(found)
        states[plate] = state
    return episodes, states


def _vehicle_fatigue(batch: PositionBatch, plate: str, rows: slice,
                     carried: DrivingState | None) -> tuple[list[Episode], DrivingState]:
    t = batch.t[rows]
    moving = batch.speed[rows] > STOPPED_KMH
    # a carried stretch stands in for the reports before the window: one report where the vehicle
    # stood at `last_ms` — idle since `idle_since_ms`, or moving at `last_ms`
    prefix = 0
    if carried is not None and carried.stretch_start_ms is not None:
        anchor = carried.idle_since_ms if carried.idle_since_ms is not None else carried.last_ms
        if anchor < t[0]:
            t = np.concatenate([[anchor], t])
            moving = np.concatenate([[carried.idle_since_ms is None], moving])
            prefix = 1
    offset = rows.start - prefix  # batch row of index i (i ≥ prefix)
    rests = _rests(t, moving)
    # stretch k: from the end of rest k-1 (or the window's start) to the start of rest k (or its end)
    firsts = [0, *(end for _, end in rests)]
    lasts = [start for start, _ in rests] + [len(t) - 1]
    carried_in = -1
    if carried is not None and carried.stretch_start_ms is not None:
        at = max(int(np.searchsorted(t, carried.last_ms, side="right")) - 1, 0)
        carried_in = max(k for k, first in enumerate(firsts) if first <= at)
    episodes = []
    open_start: int | None = None
    for k, (lo, hi) in enumerate(zip(firsts, lasts, strict=True)):
        idx = np.flatnonzero(moving[lo:hi + 1]) + lo
        start = int(t[idx[0]]) if idx.size else None
        if k == carried_in:
            assert carried is not None and carried.stretch_start_ms is not None
            start = carried.stretch_start_ms if start is None else min(start, carried.stretch_start_ms)
        open_start = start
        real = idx[idx >= prefix]
        if start is None or real.size == 0:
            continue
        end = int(t[real[-1]])
        past = real[t[real] - start > FATIGUE_MS]
        if end - start <= FATIGUE_MS or past.size == 0:
            continue
        first = int(past[0])
        episodes.append(Episode(plate, "fatigue", int(t[first]), end, float(batch.lon[offset + first]),
                                float(batch.lat[offset + first]), offset + first,
                                float(batch.speed[offset + real].max()), None, end - start))
    resting = bool(rests) and rests[-1][1] == len(t) - 1
    return episodes, DrivingState(int(t[-1]), None if resting else open_start, _idle_since(t, moving))


def _idle_since(t: np.ndarray, moving: np.ndarray) -> int | None:
    """When the idle spell holding the last report began (None when the last report is moving)."""
    if moving[-1]:
        return None
    idle = ~moving[:-1] | (np.diff(t) > MAX_GAP_MS)
    busy = np.flatnonzero(~idle)
    return int(t[busy[-1] + 1]) if busy.size else int(t[0])


def _rests(t: np.ndarray, moving: np.ndarray) -> list[tuple[int, int]]:
    """Idle spells of at least 20 minutes as (first report index, last report index) of the spell."""
    if len(t) < 2:
        return []
    idle = ~moving[:-1] | (np.diff(t) > MAX_GAP_MS)
    if not idle.any():
        return []
    edges = np.diff(np.concatenate([[0], idle.astype(np.int8), [0]]))
    firsts = np.flatnonzero(edges == 1)
    lasts = np.flatnonzero(edges == -1)  # pair index after the run = report index ending the spell
    return [(int(a), int(b)) for a, b in zip(firsts, lasts, strict=True) if t[b] - t[a] >= REST_MS]
