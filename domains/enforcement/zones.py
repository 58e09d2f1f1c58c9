"""Where the sample dangerous-goods vehicles break a restriction: the road-transport domain's restricted
zones (限行区域) where a road of the base network enters them, and its dangerous-goods vehicles.

A zone entry is the road point where a route crosses into a zone's polygon, with the direction of
travel that leads inside; a clue's evidence track runs along the road through it (30-second
positions from 2 km before the boundary to 500 m inside), as the restricted-zone rule would record
it. Zones and vehicles are read from `domains.road_transport.samples` (imported lazily), so sample
clues cite zone ids and plates that exist there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import time
from functools import cache

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from domains.base.sample_network import RoadRoute, road_routes

ENTRY_APPROACH_M = 2_000
ENTRY_INSIDE_M = 500


@dataclass(frozen=True, slots=True)
class ZoneEntry:
    zone_id: str
    name_zh: str
    kind: str
    adcode: str
    #: Banned windows (China time, start and end; end before start means overnight); empty: always.
    windows: tuple[tuple[time, time], ...]
    route: RoadRoute
    stake_m: int  # where the road crosses the zone's boundary
    direction: int  # +1: stakes grow going inside; -1: they fall

    def stake_inside(self, metres: float) -> float:
        return self.stake_m + self.direction * metres


@dataclass(frozen=True, slots=True)
class DgVehicle:
    plate: str
    enterprise_code: str
    adcode: str


def parse_windows(text: str) -> tuple[tuple[time, time], ...]:
    """"07:00-09:00,17:00-19:00" → ((07:00, 09:00), (17:00, 19:00)); "" → () (banned at all hours)."""
    result = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        start, end = (time.fromisoformat(t.strip()) for t in part.split("-"))
        result.append((start, end))
    return tuple(result)


def _entry(feature: dict, zone: BaseGeometry, route: RoadRoute) -> ZoneEntry | None:
    line = route.geometry
    if not line.intersects(zone):
        return None
    crossings = [p for p in shapely.get_parts(line.intersection(zone.boundary)) if p.geom_type == "Point"]
    for point in sorted(crossings, key=lambda p: (p.x, p.y)):
        stake, _ = route.locate(point.x, point.y)
        for direction in (1, -1):
            approach = stake - direction * (ENTRY_APPROACH_M + 500)
            inside = stake + direction * (ENTRY_INSIDE_M + 1_000)
            if not (route.start_stake_m <= min(approach, inside) and max(approach, inside) <= route.end_stake_m):
                continue
            enters = zone.covers(Point(route.point(stake + direction * 100)))
            if enters and not zone.covers(Point(route.point(approach))):
                p = feature["properties"]
                return ZoneEntry(str(p["zone_id"]), str(p["name_zh"]), str(p["kind"]), str(p["adcode"]),
                                 parse_windows(str(p.get("banned_hours") or "")), route, stake, direction)
    return None


@cache
def zone_entries() -> tuple[ZoneEntry, ...]:
    """One entry per zone that a route of the base network enters (the first route in code order)."""
    from domains.road_transport.samples.zones import zone_features  # the zones' owner

    result = []
    for feature in zone_features():
        zone = feature["geometry"]
        for code in sorted(road_routes()):
            found = _entry(feature, zone, road_routes()[code])
            if found is not None:
                result.append(found)
                break
    return tuple(result)


@cache
def dg_vehicles() -> tuple[DgVehicle, ...]:
    """The road-transport domain's dangerous-goods vehicles (plate, carrier code, home prefecture)."""
    from domains.road_transport.samples.vehicles import vehicle_specs  # the vehicles' owner

    return tuple(DgVehicle(v.plate, v.enterprise_code, v.adcode) for v in vehicle_specs())


def evidence_track(entry: ZoneEntry, speed_kmh: float, offset_m: float) -> tuple[str, tuple[float, float]]:
    """The track segment as GeoJSON LineString text — 30-second positions through the entry, the
    first of them `offset_m` (0 … one step) before the boundary — and the first position inside
    the zone (where the clue is placed, as the rule places it)."""
    step_m = speed_kmh / 3.6 * 30.0
    offsets = [-ENTRY_APPROACH_M - offset_m]
    while offsets[-1] <= 0 or offsets[-1] + step_m <= ENTRY_INSIDE_M:
        offsets.append(offsets[-1] + step_m)
    coords = [entry.route.point(entry.stake_inside(x)) for x in offsets]
    inside = next(c for x, c in zip(offsets, coords, strict=True) if x > 0)
    text = json.dumps({"type": "LineString", "coordinates": [list(c) for c in coords]}, separators=(",", ":"))
    return text, inside
