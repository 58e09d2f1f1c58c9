"""The Songhua below Fengman Dam: centre line with chainage (`river_centerline`) and water area (`river_area`).

The centre line meanders through `geography.RIVER_COURSE`, from Fengman Dam (chainage 0)
through Jilin City and on downstream to Songyuan. Chainage (里程) is the geodesic distance in
metres downstream from the dam. The water area is a variable-width buffer of the centre line
(200–600 m wide, widening downstream) built in metres and cut into the same reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point
from shapely.ops import split

from domains.base.boundaries import GRID, area_km2
from domains.base.curves import meander
from domains.base.features import Feature
from domains.base.geography import REACHES, RIVER_COURSE, RIVER_WIDTH_RANGE_M
from domains.base.measure import (
    Coords,
    chainage,
    cut,
    locate,
    point_at,
    rng,
    round_coords,
    to_lonlat,
    to_metres,
)

RIVER_NAME_ZH = "松花江"
VERTEX_SPACING_M = 100.0


@dataclass(frozen=True, slots=True)
class RiverLine:
    coords: Coords
    cum: Coords  # chainage (m) at every vertex

    @property
    def line(self) -> LineString:
        return LineString(self.coords)

    def chainage_of(self, lon: float, lat: float) -> float:
        return locate(self.coords, self.cum, lon, lat)[0]

    def point(self, chainage_m: float) -> tuple[float, float]:
        return point_at(self.coords, self.cum, chainage_m)


@cache
def centre_line() -> RiverLine:
    path = meander(to_metres(np.array(RIVER_COURSE)), rng("river"), amplitude=0.06,
                   spacing=VERTEX_SPACING_M, max_harmonics=60)
    coords = round_coords(to_lonlat(path))
    return RiverLine(coords, chainage(coords))


@cache
def reach_bounds() -> list[tuple[float, float]]:
    """(start, end) chainage in metres of every reach in `geography.REACHES`."""
    river = centre_line()
    ends = [river.chainage_of(*r.end) if r.end is not None else float(river.cum[-1]) for r in REACHES]
    starts = [0.0, *ends[:-1]]
    return list(zip(starts, ends, strict=True))


def width_at(chainage_m: np.ndarray | float) -> np.ndarray:
    """Water-surface width (m): widening downstream, varying smoothly, within RIVER_WIDTH_RANGE_M."""
    lo, hi = RIVER_WIDTH_RANGE_M
    total = float(centre_line().cum[-1])
    c = np.asarray(chainage_m, dtype=float)
    draw = rng("river-width")
    wavelengths = draw.uniform(4_000.0, 30_000.0, size=4)
    phases = draw.uniform(0.0, 2 * np.pi, size=4)
    wave = sum(np.sin(2 * np.pi * c / w + p) for w, p in zip(wavelengths, phases, strict=True)) / 4
    base = lo + (hi - lo) * (0.3 + 0.4 * c / total)
    return np.clip(base + 0.45 * (hi - lo) * wave, lo, hi)


def _water_polygon_m(xy: Coords, widths: np.ndarray) -> shapely.Geometry:
    circles = shapely.buffer(shapely.points(xy), widths / 2.0, quad_segs=6)
    hulls = shapely.convex_hull(shapely.union(circles[:-1], circles[1:]))
    return shapely.union_all(hulls).simplify(1.0)


def _cut_line(xy: Coords, i: int, half_length: float) -> LineString:
    j0, j1 = max(i - 1, 0), min(i + 1, len(xy) - 1)
    tangent = xy[j1] - xy[j0]
    normal = np.array([-tangent[1], tangent[0]]) / np.hypot(*tangent)
    return LineString([xy[i] - normal * half_length, xy[i] + normal * half_length])


@cache
def water_areas() -> list[MultiPolygon]:
    """One lon/lat (Multi)Polygon per reach, cut across the river at the reach ends."""
    river = centre_line()
    xy = to_metres(river.coords)
    water = _water_polygon_m(xy, width_at(river.cum))
    bounds = reach_bounds()
    cuts = [_cut_line(xy, int(np.argmin(np.abs(river.cum - end))), RIVER_WIDTH_RANGE_M[1])
            for _, end in bounds[:-1]]
    pieces = split(water, MultiLineString(cuts)).geoms if cuts else [water]
    reach_lines = [LineString(to_metres(cut(river.coords, river.cum, s0, s1))) for s0, s1 in bounds]
    groups: list[list[shapely.Geometry]] = [[] for _ in bounds]
    for piece in pieces:
        inside = piece.representative_point()
        groups[int(np.argmin([line.distance(inside) for line in reach_lines]))].append(piece)
    areas = []
    for group in groups:
        merged = shapely.set_precision(shapely.transform(shapely.union_all(group), to_lonlat), GRID)
        areas.append(MultiPolygon(list(shapely.get_parts(merged))))
    return areas


def centreline_features() -> list[Feature]:
    river = centre_line()
    features = []
    for reach, (s0, s1) in zip(REACHES, reach_bounds(), strict=True):
        coords = cut(river.coords, river.cum, s0, s1)
        features.append(Feature(reach.code, LineString(coords), {
            "name_zh": RIVER_NAME_ZH,
            "reach_code": reach.code,
            "reach_name_zh": reach.name_zh,
            "reach_name_en": reach.name_en,
            "start_chainage_m": round(s0),
            "end_chainage_m": round(s1),
            "length_km": round((s1 - s0) / 1000.0, 3),
            "is_pilot": reach.pilot,
        }))
    return features


def area_features() -> list[Feature]:
    river = centre_line()
    features = []
    for reach, (s0, s1), area in zip(REACHES, reach_bounds(), water_areas(), strict=True):
        widths = width_at(river.cum[(river.cum >= s0) & (river.cum <= s1)])
        features.append(Feature(reach.code, area, {
            "name_zh": RIVER_NAME_ZH,
            "reach_code": reach.code,
            "reach_name_zh": reach.name_zh,
            "area_km2": area_km2(area),
            "min_width_m": round(float(widths.min())),
            "max_width_m": round(float(widths.max())),
        }))
    return features


def river_crossings(line: LineString) -> list[Point]:
    """Where a road line crosses the centre line (crossings within ~2 km of each other merged)."""
    hits = [p for p in shapely.get_parts(line.intersection(centre_line().line)) if p.geom_type == "Point"]
    merged: list[Point] = []
    for hit in hits:
        if all(hit.distance(other) > 0.02 for other in merged):
            merged.append(hit)
    return merged
