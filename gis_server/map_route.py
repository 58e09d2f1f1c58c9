"""Drawing an oversize-transport route on the map: clicked points → a route along the roads.

Owns the step from "the planner clicked here, here and here" to what an application of
`per_oversize_applications` needs: each point is snapped to the nearest road (within `SNAP_M`),
consecutive points are joined by the shortest road path (`domains.base.network`), and the path's
legs become the application's `route_codes` — one `route:Kfrom-Kto` range per stretch of one road,
in travel order (`G12:K100+000-K150+000;G1:K830+000-K849+000`) — beside its line (lon/lat).

May import: `layers`, `domains.base`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from domains.base.linear_ref import NoRoadNearby, format_stake, road_index
from domains.base.network import Leg, road_network
from layers.errors import InvalidQuery
from layers.registry import LayerRegistry

#: A clicked point farther than this (m) from every road is refused.
SNAP_M = 2000.0
MAX_POINTS = 50
#: Legs shorter than this (m), at junctions, do not start a range of their own.
MIN_LEG_M = 1.0
#: Two legs of one road continue one range when they meet within this many stake metres.
JOIN_M = 5.0
ROUTE_CODES_MAX = 400


class NoRoadPath(Exception):
    """Two consecutive points have no road path between them."""


@dataclass(slots=True)
class RouteRange:
    route_code: str
    from_m: float
    to_m: float

    def __str__(self) -> str:
        return f"{self.route_code}:{format_stake(self.from_m)}-{format_stake(self.to_m)}"


def parse_points(text: str | None) -> list[tuple[float, float]]:
    """`lon,lat;lon,lat;…` (CRS84) → points; 2 to MAX_POINTS of them."""
    if not text:
        raise InvalidQuery("缺少参数 points / parameter 'points' is required (lon,lat;lon,lat;…)", parameter="points")
    points = []
    for part in text.split(";"):
        pieces = part.split(",")
        try:
            lon, lat = (float(p) for p in pieces)
        except ValueError:
            raise InvalidQuery(f"点坐标格式错误 / malformed point {part!r}: expected lon,lat",
                               parameter="points") from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidQuery(f"点坐标越界 / point out of range: {part!r}", parameter="points")
        points.append((lon, lat))
    if not 2 <= len(points) <= MAX_POINTS:
        raise InvalidQuery(f"需要 2–{MAX_POINTS} 个点 / give 2 to {MAX_POINTS} points", parameter="points")
    return points


def route_ranges(legs: list[Leg]) -> list[RouteRange]:
    """The legs as ranges of one road each, in travel order."""
    ranges: list[RouteRange] = []
    for leg in legs:
        if leg.length_m < MIN_LEG_M:
            continue
        code = leg.section.route_code
        start, end = leg.section.stake_at(leg.s0), leg.section.stake_at(leg.s1)
        last = ranges[-1] if ranges else None
        same_way = last is not None and (last.to_m - last.from_m) * (end - start) >= 0
        if last is not None and last.route_code == code and same_way and abs(last.to_m - start) <= JOIN_M:
            last.to_m = end
        else:
            ranges.append(RouteRange(code, start, end))
    return ranges


def plan_route(registry: LayerRegistry, points: list[tuple[float, float]]) -> dict[str, Any]:
    """The road route through `points` as a GeoJSON Feature (CRS84 line) with its `route_codes`."""
    index = road_index(registry)
    network = road_network(registry)
    positions = []
    for n, (lon, lat) in enumerate(points, start=1):
        try:
            positions.append(index.measure(lon, lat, max_distance_m=SNAP_M))
        except NoRoadNearby:
            raise NoRoadNearby(f"第 {n} 个点 {SNAP_M:g} 米内没有道路 / point {n}: no road within {SNAP_M:g} m",
                               parameter="points") from None
    legs: list[Leg] = []
    parts: list[np.ndarray] = []
    for n, (origin, target) in enumerate(pairwise(positions), start=1):
        path = network.path(origin, target)
        if path is None:
            raise NoRoadPath(f"第 {n} 段两点之间没有道路相通 / no road path joins points {n} and {n + 1}")
        legs.extend(path.legs)
        coords = path.coordinates()
        parts.append(coords if not parts else coords[1:])
    line = np.vstack(parts)
    ranges = route_ranges(legs)
    codes = ";".join(str(r) for r in ranges)
    if len(codes) > ROUTE_CODES_MAX:
        raise InvalidQuery(f"路线过长（{len(ranges)} 段）/ the route has too many stretches ({len(ranges)})",
                           parameter="points")
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": np.round(line, 7).tolist()},
        "properties": {
            "route_codes": codes,
            "ranges": [{"route_code": r.route_code, "from": format_stake(r.from_m), "to": format_stake(r.to_m)}
                       for r in ranges],
            "length_km": round(sum(leg.length_m for leg in legs) / 1000, 3),
            "points": [{**p.as_dict(), "lon": round(p.lon, 7), "lat": round(p.lat, 7)} for p in positions],
        },
    }
