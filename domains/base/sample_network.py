"""The committed base samples read back: road routes with their stakes, bridges, prefectures.

Domains whose samples are placed by route and stake (expressway events and resources, permit
routes) read the road sections exactly as `data/samples/base/roads.geojson` stores them, so
what they place lies on the stored roads: the point at a stake is found on the section that
covers it, at the stake's distance from the section's start stake (geodesic, along the
section), as `domains.base.measure` measures it. Regions (`adcode_at`) come from the stored
prefecture polygons. Read-only; never regenerates anything.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from pathlib import Path

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry

from domains.base import sample_dir
from domains.base.features import read_collection
from domains.base.geography import PLACES, prefecture
from domains.base.measure import Coords, chainage, cut, geod, locate, point_at, round_coords, stake_label


@dataclass(frozen=True, slots=True)
class Section:
    """One stored road section: its line and the stakes it runs between."""

    section_code: str
    route_code: str
    start_stake_m: int
    end_stake_m: int
    coords: Coords
    cum: Coords  # geodesic distance (m) from the section's start at every vertex

    def point(self, stake_m: float) -> tuple[float, float]:
        return point_at(self.coords, self.cum, stake_m - self.start_stake_m)

    def part(self, lo_m: float, hi_m: float) -> Coords:
        """The section's line between two stakes inside it (lo < hi)."""
        return cut(self.coords, self.cum, lo_m - self.start_stake_m, hi_m - self.start_stake_m)


@dataclass(frozen=True, slots=True)
class RoadRoute:
    """A route as the stored sections give it, in stake order."""

    code: str
    name_zh: str
    road_class: str
    speed_limit_kmh: int
    sections: tuple[Section, ...]

    @property
    def start_stake_m(self) -> int:
        return self.sections[0].start_stake_m

    @property
    def end_stake_m(self) -> int:
        return self.sections[-1].end_stake_m

    def section_at(self, stake_m: float) -> Section:
        if not self.start_stake_m <= stake_m <= self.end_stake_m:
            raise ValueError(f"{stake_label(self.code, int(stake_m))} 不在路线范围内 / outside the route "
                             f"({self.start_stake_m}–{self.end_stake_m} m)")
        starts = [s.start_stake_m for s in self.sections]
        return self.sections[max(bisect.bisect_right(starts, stake_m) - 1, 0)]

    def point(self, stake_m: float) -> tuple[float, float]:
        """Lon/lat of the road at a stake (on the stored section covering it)."""
        return self.section_at(stake_m).point(stake_m)

    def line(self, from_stake_m: float, to_stake_m: float) -> Coords:
        """The road between two stakes, in travel order (reversed when `to` < `from`)."""
        lo, hi = sorted((from_stake_m, to_stake_m))
        if lo == hi:
            raise ValueError("a stretch of road needs two different stakes")
        parts = [s.part(max(lo, s.start_stake_m), min(hi, s.end_stake_m)) for s in self.sections
                 if s.start_stake_m < hi and s.end_stake_m > lo]
        coords = round_coords(np.vstack(parts))
        return coords if from_stake_m < to_stake_m else coords[::-1]

    def locate(self, lon: float, lat: float) -> tuple[int, float]:
        """The stake of the road point nearest to (lon, lat) and the distance to it (m)."""
        best: tuple[int, float] | None = None
        for s in self.sections:
            along, distance = locate(s.coords, s.cum, lon, lat)
            if best is None or distance < best[1]:
                best = (s.start_stake_m + round(along), distance)
        assert best is not None
        return best

    @property
    def geometry(self) -> LineString:
        return LineString(round_coords(np.vstack([s.coords for s in self.sections])))


@dataclass(frozen=True, slots=True)
class Junction:
    """Where two routes cross: the stake on each."""

    route_code: str
    stake_m: int
    other_code: str
    other_stake_m: int


@dataclass(frozen=True, slots=True)
class Bridge:
    bridge_code: str
    name_zh: str
    route_code: str
    stake_m: int
    load_limit_t: float
    clearance_m: float
    lon: float
    lat: float


@cache
def road_routes() -> dict[str, RoadRoute]:
    """Every route of the stored `roads` layer, by route code."""
    rows: dict[str, list[dict]] = {}
    for feature in read_collection(_path("roads")):
        rows.setdefault(feature["properties"]["route_code"], []).append(feature)
    routes = {}
    for code, features in rows.items():
        features.sort(key=lambda f: f["properties"]["start_stake_m"])
        sections = []
        for f in features:
            p = f["properties"]
            coords = np.asarray(f["geometry"]["coordinates"][0], dtype=float)
            sections.append(Section(p["section_code"], code, int(p["start_stake_m"]), int(p["end_stake_m"]),
                                    coords, chainage(coords)))
        first = features[0]["properties"]
        routes[code] = RoadRoute(code, first["route_name_zh"], first["road_class"], int(first["speed_limit_kmh"]),
                                 tuple(sections))
    return routes


def road_route(code: str) -> RoadRoute:
    return road_routes()[code]


@cache
def junctions() -> tuple[Junction, ...]:
    """Every crossing of two routes (both directions), crossings of one pair at least 2 km apart."""
    routes = road_routes()
    lines = {code: route.geometry for code, route in routes.items()}
    found: list[Junction] = []
    for a, b in combinations(sorted(routes), 2):
        crossing = lines[a].intersection(lines[b])
        points = [p for p in shapely.get_parts(crossing) if p.geom_type == "Point"]
        kept: list[tuple[int, int]] = []
        for p in sorted(points, key=lambda q: (q.x, q.y)):
            stake_a, _ = routes[a].locate(p.x, p.y)
            stake_b, _ = routes[b].locate(p.x, p.y)
            if any(abs(stake_a - sa) < 2000 or abs(stake_b - sb) < 2000 for sa, sb in kept):
                continue
            kept.append((stake_a, stake_b))
            found.append(Junction(a, stake_a, b, stake_b))
            found.append(Junction(b, stake_b, a, stake_a))
    return tuple(found)


@cache
def bridges() -> tuple[Bridge, ...]:
    """The stored bridges with their limits."""
    result = []
    for f in read_collection(_path("bridges")):
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"]
        result.append(Bridge(p["bridge_code"], p["name_zh"], p["route_code"], int(p["stake_m"]),
                             float(p["load_limit_t"]), float(p["clearance_m"]), float(lon), float(lat)))
    return tuple(result)


@cache
def _bridge_index() -> tuple[STRtree, tuple[Bridge, ...]]:
    items = bridges()
    return STRtree([Point(b.lon, b.lat) for b in items]), items


def bridges_near(line: BaseGeometry, degrees: float) -> list[Bridge]:
    """Bridges within `degrees` (lon/lat) of a geometry, whatever route they belong to."""
    tree, items = _bridge_index()
    return [items[i] for i in sorted(tree.query(line, predicate="dwithin", distance=degrees))]


@cache
def _prefectures() -> tuple[tuple[str, BaseGeometry], ...]:
    result = []
    for f in read_collection(_path("prefectures")):
        geometry = shape(f["geometry"])
        shapely.prepare(geometry)
        result.append((f["properties"]["adcode"], geometry))
    return tuple(result)


def adcode_at(lon: float, lat: float) -> str:
    """The stored prefecture polygon containing a point (the nearest one for points just outside)."""
    point = Point(lon, lat)
    polygons = _prefectures()
    for adcode, polygon in polygons:
        if polygon.covers(point):
            return adcode
    return min(polygons, key=lambda item: item[1].distance(point))[0]


def _path(layer_id: str) -> Path:
    return sample_dir() / f"{layer_id}.geojson"


def prefecture_short_name(adcode: str) -> str:
    """长春市 → 长春, 延边朝鲜族自治州 → 延边: how organisation names cite a prefecture."""
    return prefecture(adcode).name_zh.removesuffix("市").removesuffix("朝鲜族自治州")


def nearest_place(lon: float, lat: float) -> tuple[str, float]:
    """The nearest named town (`geography.PLACES`) and its distance (m)."""
    lons, lats, names = _places()
    _, _, distances = geod().inv(np.full(len(names), lon), np.full(len(names), lat), lons, lats)
    i = int(np.argmin(distances))
    return names[i], float(distances[i])


@cache
def _places() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    return (np.array([p.lon for p in PLACES]), np.array([p.lat for p in PLACES]),
            tuple(p.name_zh for p in PLACES))
