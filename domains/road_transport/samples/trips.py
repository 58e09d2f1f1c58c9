"""24 hours of positions every 30 s for each sample vehicle, driving along the sample routes.

Each vehicle works one shift on one route (mostly a route through its home prefecture): it waits,
drives stretches of 70–190 minutes at a lawful cruising speed for its road (expressway 62–74 km/h,
other roads 45–54 km/h, ±3 km/h per report) with rests of 25–70 minutes between them, then parks
for the rest of the day. It turns round at the route's ends. Deterministically, some vehicles break
the rules the alerts look for:

- about 8 % speed once, 3–15 minutes at 8–25 km/h over the dangerous-goods limit;
- about 5 % drive one stretch of 4 h 15 min – 5 h 20 min with only a short stop (8–17 min) in it;
- vehicles whose route crosses a restricted zone enter it when their schedule takes them there —
  Changchun's and Jilin's centres in the rush hours, the Xinlicheng reservoir on G25 at any hour.

A vehicle's track depends only on its index and the window's start, so any subset of vehicles can
be generated (and stored) on its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

import numpy as np

from domains.base.measure import rng
from domains.base.roads import RouteLine, route_lines
from domains.road_transport.positions.batch import DAY_MS, MINUTE_MS, PositionBatch
from domains.road_transport.samples.vehicles import VehicleSpec
from domains.road_transport.vocabulary import DG_EXPRESSWAY_KMH, DG_OTHER_ROAD_KMH

SLOT_MS = 30_000
SLOTS = DAY_MS // SLOT_MS  # 2,880
SLOT_MIN = SLOT_MS / MINUTE_MS
SPEEDING_SHARE = 0.08
FATIGUE_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class Track:
    spec: VehicleSpec
    route_code: str
    speeding: bool
    fatigue: bool
    batch: PositionBatch


@dataclass(frozen=True)
class _Route:
    line: RouteLine
    expressway: bool
    bearings: np.ndarray  # degrees per segment, in stake direction

    @property
    def length(self) -> float:
        return float(self.line.cum[-1])


@cache
def _routes() -> dict[str, _Route]:
    routes = {}
    for code, line in route_lines().items():
        lon, lat = line.coords[:, 0], line.coords[:, 1]
        dx = np.diff(lon) * np.cos(np.radians(lat[:-1]))
        bearings = np.degrees(np.arctan2(dx, np.diff(lat))) % 360.0
        routes[code] = _Route(line, line.route.road_class == "expressway", bearings)
    return routes


@cache
def _routes_by_prefecture() -> dict[str, tuple[str, ...]]:
    from domains.base import sample_dir
    from domains.base.features import read_collection

    found: dict[str, set[str]] = defaultdict(set)
    for feature in read_collection(sample_dir() / "roads.geojson"):
        p = feature["properties"]
        found[p["adcode"]].add(p["route_code"])
    return {adcode: tuple(sorted(codes)) for adcode, codes in found.items()}


def track(spec: VehicleSpec, window_start_ms: int) -> Track:
    draw = rng("road_transport", "track", str(spec.index))
    routes = _routes()
    local = _routes_by_prefecture().get(spec.adcode, ())
    pool = local if local and draw.random() < 0.75 else tuple(sorted(routes))
    code = pool[int(draw.integers(len(pool)))]
    route = routes[code]
    speeding = bool(draw.random() < SPEEDING_SHARE)
    fatigue = bool(draw.random() < FATIGUE_SHARE)
    speed = _schedule(draw, route.expressway, speeding, fatigue)
    lon, lat, heading = _positions(draw, route, speed)
    t = window_start_ms + np.arange(SLOTS, dtype=np.int64) * SLOT_MS
    batch = PositionBatch(np.full(SLOTS, spec.plate, dtype=object), t, lon, lat, speed, heading)
    return Track(spec, code, speeding, fatigue, batch)


def _schedule(draw: np.random.Generator, expressway: bool, speeding: bool, fatigue: bool) -> np.ndarray:
    """Speed (km/h) per slot: parked, driving stretches and rests."""
    speed = np.zeros(SLOTS)
    cruise = draw.uniform(62.0, 74.0) if expressway else draw.uniform(45.0, 54.0)
    cap = DG_EXPRESSWAY_KMH if expressway else DG_OTHER_ROAD_KMH
    night = draw.random() < 0.15
    slot = int(draw.integers(720, 1080) if night else draw.integers(0, 360)) * 2  # minutes → slots
    target = draw.uniform(300.0, 600.0) / SLOT_MIN
    driven = 0
    long_stretch = int(draw.integers(0, 3)) if fatigue else -1
    burst_stretch = int(draw.integers(0, 3)) if speeding else -1
    stretch = 0
    while driven < target and slot < SLOTS - 60:
        if stretch == long_stretch:
            length = int(draw.uniform(255.0, 320.0) / SLOT_MIN)
        else:
            length = int(draw.uniform(70.0, 190.0) / SLOT_MIN)
        end = min(slot + length, SLOTS)
        speed[slot:end] = cruise + draw.uniform(-3.0, 3.0, end - slot)
        if stretch == long_stretch:
            stop = slot + (end - slot) // 2
            speed[stop:stop + int(draw.uniform(8.0, 17.0) / SLOT_MIN)] = 0.0
        if stretch == burst_stretch:
            burst = int(draw.uniform(3.0, 15.0) / SLOT_MIN)
            room = end - slot - burst - 5
            at = slot + (int(draw.integers(5, room)) if room > 5 else 0)
            over = speed[at:at + burst]
            over[:] = cap + draw.uniform(8.0, 25.0) + draw.uniform(-1.0, 1.0, len(over))
        driven += end - slot
        slot = end + int(draw.uniform(25.0, 70.0) / SLOT_MIN)
        stretch += 1
    return np.round(speed, 1)


def _positions(draw: np.random.Generator, route: _Route, speed: np.ndarray) -> tuple[np.ndarray, ...]:
    """Coordinates and heading per slot: the distance driven, folded back and forth along the route."""
    length = route.length
    travelled = np.concatenate([[0.0], np.cumsum(speed[:-1] * (SLOT_MS / 3_600_000.0) * 1000.0)])
    phase = (draw.uniform(0.0, 2.0 * length) + travelled) % (2.0 * length)
    forward = phase <= length
    along = np.where(forward, phase, 2.0 * length - phase)
    cum, coords = route.line.cum, route.line.coords
    lon = np.round(np.interp(along, cum, coords[:, 0]), 6)
    lat = np.round(np.interp(along, cum, coords[:, 1]), 6)
    segment = np.clip(np.searchsorted(cum, along, side="right") - 1, 0, len(route.bearings) - 1)
    heading = np.round(np.where(forward, route.bearings[segment], (route.bearings[segment] + 180.0) % 360.0), 1)
    return lon, lat, heading
