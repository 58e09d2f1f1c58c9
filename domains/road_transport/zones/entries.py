"""Entries of vehicles into restricted zones while their ban holds, with the track as evidence.

A report is *in* a zone when it lies inside (or on the edge of) the polygon at a time the zone's
ban holds. An entry is a report in the zone whose vehicle's previous report — at most 10 minutes
earlier — was not (outside, or inside before the banned hours began), or that has no previous report
within 10 minutes. An entry at or after `new_from[plate]` (the batch being evaluated) is *fresh*;
an earlier one lies in the look-back, was judged with its own batch and is returned only so that
its clue's evidence can grow with the reports that followed it.

The evidence track runs from the reports of the 2 minutes before the entry (at least the previous
report, when there is one) through every report in the zone to the first report out of it (the
exit), or to the last report known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from domains.road_transport.positions.batch import MINUTE_MS, PositionBatch
from domains.road_transport.reference import Zone, ZoneIndex

ENTRY_GAP_MS = 10 * MINUTE_MS
EVIDENCE_BEFORE_MS = 2 * MINUTE_MS


@dataclass(frozen=True, slots=True)
class Entry:
    plate: str
    zone_id: str
    zone_name_zh: str
    zone_kind: str
    adcode: str | None
    t_ms: int
    lon: float
    lat: float
    #: Whether the entry is a report of the batch being evaluated (else it lies in the look-back).
    fresh: bool
    #: Track coordinates (lon, lat), entry included, oldest first.
    track: list[tuple[float, float]]
    #: Time of the track's last report, and whether that report is the exit (out of the zone).
    track_end_ms: int
    exited: bool


def find_entries(batch: PositionBatch, zones: ZoneIndex, new_from: Mapping[str, int]) -> list[Entry]:
    """Entries in a batch sorted by plate and time (the look-back and the new reports together)."""
    points, hit_zones = zones.hits(batch.lon, batch.lat)
    if points.size == 0:
        return []
    n = len(batch)
    same = batch.same_plate_as_previous()
    gap_ok = np.zeros(n, dtype=bool)
    gap_ok[1:] = same[1:] & (np.diff(batch.t) <= ENTRY_GAP_MS)
    names, codes = batch.plate_codes()
    never = np.iinfo(np.int64).max
    thresholds = np.array([new_from.get(str(name), never) for name in names], dtype=np.int64)
    fresh = batch.t >= thresholds[codes]
    entries = []
    for z in np.unique(hit_zones).tolist():
        zone = zones.zones[z]
        inside = np.zeros(n, dtype=bool)
        inside[points[hit_zones == z]] = True
        banned = inside & zone.hours.active(batch.t)
        previous = np.zeros(n, dtype=bool)
        previous[1:] = banned[:-1]
        entered = banned & ~(gap_ok & previous)
        for i in np.flatnonzero(entered).tolist():
            entries.append(_entry(batch, zone, banned, same, i, bool(fresh[i])))
    entries.sort(key=lambda e: (e.plate, e.t_ms, e.zone_id))
    return entries


def _entry(batch: PositionBatch, zone: Zone, banned: np.ndarray, same: np.ndarray, i: int, fresh: bool) -> Entry:
    first = i
    while first > 0 and same[first] and batch.t[first - 1] >= batch.t[i] - EVIDENCE_BEFORE_MS:
        first -= 1
    if first == i and i > 0 and same[i] and batch.t[i] - batch.t[i - 1] <= ENTRY_GAP_MS:
        first = i - 1  # at least the report before the entry
    last = i
    n = len(batch)
    while last + 1 < n and same[last + 1] and banned[last + 1]:
        last += 1
    exited = last + 1 < n and bool(same[last + 1])
    if exited:
        last += 1
    track = list(zip(batch.lon[first:last + 1].tolist(), batch.lat[first:last + 1].tolist(), strict=True))
    return Entry(str(batch.plate[i]), zone.zone_id, zone.name_zh, zone.kind, zone.adcode, int(batch.t[i]),
                 float(batch.lon[i]), float(batch.lat[i]), fresh, track, int(batch.t[last]), exited)
