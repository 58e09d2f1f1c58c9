"""The province outline, the nine prefecture polygons that tile it, and the prefecture seats.

The outline is the hand-drawn `geography.OUTLINE`, its edges roughened by seeded noise. The
prefectures are a Voronoi partition of the county seats (`geography.PLACES`, computed in metres),
cells merged by prefecture and cut by the outline through one noded polygonization, so
neighbours share exactly the same edge vertices: no gaps, no overlaps.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from domains.base.curves import meander
from domains.base.features import Feature
from domains.base.geography import CAPITAL_ADCODE, OUTLINE, PLACES, PREFECTURES
from domains.base.measure import DECIMALS, geod, rng, round_coords, to_lonlat, to_metres

GRID = 10.0**-DECIMALS


def _to_lonlat(geometry: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geometry, to_lonlat)


@cache
def province() -> Polygon:
    """Jilin Province: the outline with roughened edges, lon/lat, on the 6-decimal grid."""
    corners = to_metres(np.array(OUTLINE[::-1]))  # counter-clockwise
    ring = meander(corners, rng("outline"), amplitude=0.02, spacing=1500.0, smooth=False, closed=True)
    polygon = Polygon(round_coords(to_lonlat(ring)))
    if not polygon.is_valid:
        raise ValueError(f"roughened outline is invalid: {shapely.validation.explain_validity(polygon)}")
    return polygon


@cache
def prefecture_polygons() -> dict[str, MultiPolygon]:
    """adcode → the prefecture's polygon; together they tile `province()` exactly."""
    outline = province()
    seeds = to_metres(np.array([(p.lon, p.lat) for p in PLACES]))
    corners = to_metres(np.array(outline.envelope.exterior.coords))
    frame = box(*corners.min(axis=0), *corners.max(axis=0)).buffer(100_000)
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=frame, ordered=True).geoms
    regions = {
        p.adcode: shapely.union_all([_to_lonlat(cells[i]) for i, q in enumerate(PLACES)
                                     if q.adcode == p.adcode])
        for p in PREFECTURES
    }
    linework = shapely.union_all([outline.exterior, *(r.boundary for r in regions.values())],
                                 grid_size=GRID)
    faces: dict[str, list[Polygon]] = {adcode: [] for adcode in regions}
    for face in shapely.polygonize(list(shapely.get_parts(linework))).geoms:
        inside = face.representative_point()
        if not outline.contains(inside):
            continue
        owner = next(adcode for adcode, region in regions.items() if region.contains(inside))
        faces[owner].append(face)
    result: dict[str, MultiPolygon] = {}
    for adcode, parts in faces.items():
        merged = shapely.union_all(parts, grid_size=GRID)
        polygons = list(shapely.get_parts(merged))
        result[adcode] = MultiPolygon(polygons)
    shapely.prepare(list(result.values()))
    return result


def area_km2(geometry: BaseGeometry) -> float:
    area, _ = geod().geometry_area_perimeter(geometry)
    return round(abs(area) / 1e6, 1)


def adcode_at(lon: float, lat: float) -> str:
    """The prefecture containing a point (the nearest one for points on the outline)."""
    point = Point(lon, lat)
    polygons = prefecture_polygons()
    for adcode, polygon in polygons.items():
        if polygon.covers(point):
            return adcode
    return min(polygons, key=lambda code: polygons[code].distance(point))


def prefecture_features() -> list[Feature]:
    polygons = prefecture_polygons()
    return [
        Feature(p.adcode, polygons[p.adcode], {
            "adcode": p.adcode, "name_zh": p.name_zh, "name_en": p.name_en, "division_type": p.kind,
            "seat": p.seat_zh, "area_km2": area_km2(polygons[p.adcode]),
        })
        for p in PREFECTURES
    ]


def city_features() -> list[Feature]:
    return [
        Feature(p.adcode, Point(p.lon, p.lat), {
            "adcode": p.adcode, "name_zh": p.seat_zh, "name_en": p.seat_en, "prefecture_zh": p.name_zh,
            "population": p.population, "is_capital": p.adcode == CAPITAL_ADCODE,
        })
        for p in PREFECTURES
    ]
