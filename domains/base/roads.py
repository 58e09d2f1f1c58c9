"""Route lines with stake numbering, their sections (the `roads` layer) and kilometre posts (`stakes`).

A route's line meanders through its waypoints (`routes.ROUTES`), is clipped to the province,
and is measured geodesically: the stake (桩号) of any point is the route's stake where it enters
Jilin plus the distance along the line. Sections run between whole-kilometre stakes, 10–30 km
apart (the first and last start and end where the route crosses the border).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point

from domains.base.boundaries import adcode_at, province
from domains.base.curves import meander
from domains.base.features import Feature
from domains.base.geography import place
from domains.base.measure import (
    Coords,
    chainage,
    cut,
    geodesic_length,
    locate,
    point_at,
    rng,
    round_coords,
    stake_label,
    to_lonlat,
    to_metres,
)
from domains.base.routes import ROUTES, Route

#: Lateral meander of each road class, as a fraction of the distance between waypoints.
AMPLITUDE = {"expressway": 0.025, "national": 0.035, "provincial": 0.04}
VERTEX_SPACING_M = 200.0
#: Parts of a route outside Jilin longer than this are a design error in the route table.
MAX_OUTSIDE_PART_M = 1500.0


@dataclass(frozen=True, slots=True)
class RouteLine:
    """A route's line inside Jilin, lon/lat on the 6-decimal grid, with its stake numbering."""

    route: Route
    coords: Coords
    cum: Coords  # geodesic distance (m) from the line's start at every vertex
    start_stake_m: int

    @property
    def end_stake_m(self) -> int:
        return self.start_stake_m + round(float(self.cum[-1]))

    def point(self, stake_m: float) -> tuple[float, float]:
        return point_at(self.coords, self.cum, stake_m - self.start_stake_m)

    def stake_of(self, lon: float, lat: float) -> tuple[int, float]:
        """The stake (m) of the route point nearest to (lon, lat) and the distance to it (m)."""
        s, distance = locate(self.coords, self.cum, lon, lat)
        return self.start_stake_m + round(s), distance

    @property
    def line(self) -> LineString:
        return LineString(self.coords)


def _waypoints(route: Route) -> Coords:
    return np.array([place(w) if isinstance(w, str) else w for w in route.waypoints], dtype=float)


def build_route(route: Route) -> RouteLine:
    path = meander(to_metres(_waypoints(route)), rng("route", route.code),
                   amplitude=AMPLITUDE[route.road_class], spacing=VERTEX_SPACING_M, closed=route.closed)
    full = round_coords(to_lonlat(path))
    full_cum = chainage(full)
    parts = sorted(shapely.get_parts(LineString(full).intersection(province())),
                   key=lambda g: -g.length)
    parts = [p for p in parts if p.geom_type == "LineString" and not p.is_empty]
    if not parts:
        raise ValueError(f"route {route.code} lies entirely outside the province")
    inside = round_coords(np.array(parts[0].coords))
    outside_m = full_cum[-1] - geodesic_length(inside)
    begin, _ = locate(full, full_cum, *inside[0])
    end, _ = locate(full, full_cum, *inside[-1])
    if end < begin:
        inside = inside[::-1]
        begin, end = end, begin
    lost = outside_m - begin - (full_cum[-1] - end)
    if lost > MAX_OUTSIDE_PART_M:
        raise ValueError(f"route {route.code} leaves the province between waypoints ({lost:.0f} m outside)")
    return RouteLine(route, inside, chainage(inside), route.first_stake_m + round(begin))


@cache
def route_lines() -> dict[str, RouteLine]:
    return {route.code: build_route(route) for route in ROUTES}


def section_bounds(line: RouteLine) -> list[int]:
    """Stakes where sections begin and end: whole kilometres 10–30 km apart, border stakes at the ends."""
    draw = rng("sections", line.route.code)
    bounds = [line.start_stake_m]
    cursor = line.start_stake_m
    while True:
        nxt = (cursor + int(draw.integers(10, 31)) * 1000) // 1000 * 1000
        if line.end_stake_m - nxt < 5000:
            bounds.append(line.end_stake_m)
            return bounds
        bounds.append(nxt)
        cursor = nxt


def _k(stake_m: int) -> str:
    return stake_label("", stake_m).strip()


def road_features() -> list[Feature]:
    features: list[Feature] = []
    for code, line in route_lines().items():
        route = line.route
        bounds = section_bounds(line)
        for n, (b0, b1) in enumerate(pairwise(bounds), start=1):
            coords = cut(line.coords, line.cum, b0 - line.start_stake_m, b1 - line.start_stake_m)
            section_code = f"{code}-{n:03d}"
            features.append(Feature(section_code, MultiLineString([coords]), {
                "section_code": section_code,
                "route_code": code,
                "route_name_zh": route.name_zh,
                "road_class": route.road_class,
                "lanes": route.lanes,
                "start_stake_m": b0,
                "end_stake_m": b1,
                "stake_range": f"{_k(b0)}—{_k(b1)}",
                "speed_limit_kmh": route.speed_kmh,
                "length_km": round(geodesic_length(coords) / 1000.0, 3),
                "adcode": adcode_at(*line.point((b0 + b1) / 2)),
            }))
    return features


def stake_features() -> list[Feature]:
    features: list[Feature] = []
    for code, line in route_lines().items():
        first = math.ceil(line.start_stake_m / 1000)
        last = line.end_stake_m // 1000
        for km in range(first, last + 1):
            stake_m = km * 1000
            lon, lat = line.point(stake_m)
            features.append(Feature(f"{code}-K{km}", Point(lon, lat), {
                "route_code": code,
                "stake_m": stake_m,
                "label": stake_label(code, stake_m),
                "adcode": adcode_at(lon, lat),
            }))
    return features
