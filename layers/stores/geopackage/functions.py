"""SQL functions registered on every GeoPackage connection (Python's sqlite3 loads no SpatiaLite).

- ``ST_IsEmpty``, ``ST_MinX``, ``ST_MaxX``, ``ST_MinY``, ``ST_MaxY``: what the GeoPackage R-tree
  triggers call; they read the GeoPackage geometry header (GDAL registers the same names).
- ``onemap_spatial(op, geom, wkb)``: a CQL2 spatial predicate between a column and a literal.
- ``onemap_dwithin(geom, wkb, meters)``: ellipsoidal distance test (CGCS2000 ellipsoid).

Literal geometries arrive as WKB parameters; they are parsed and prepared once per statement
and cached. May import: shapely, pyproj, numpy, this package's geometry codec.
"""

from __future__ import annotations

import math
import sqlite3
from functools import lru_cache

import shapely
from pyproj import CRS, Geod
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from layers.stores.geopackage import geometry as gpb

#: CGCS2000's ellipsoid (same axes as GRS 80).
GEOD: Geod = CRS.from_epsg(4490).get_geod() or Geod(ellps="GRS80")


def _bound(blob: bytes | None, index: int) -> float | None:
    if blob is None:
        return None
    env = gpb.envelope(blob)
    return None if env is None else env[index]


def st_is_empty(blob: bytes | None) -> int | None:
    return None if blob is None else int(gpb.is_empty(blob))


def st_minx(blob: bytes | None) -> float | None:
    return _bound(blob, 0)


def st_maxx(blob: bytes | None) -> float | None:
    return _bound(blob, 1)


def st_miny(blob: bytes | None) -> float | None:
    return _bound(blob, 2)


def st_maxy(blob: bytes | None) -> float | None:
    return _bound(blob, 3)


@lru_cache(maxsize=64)
def literal(wkb: bytes) -> BaseGeometry:
    """A query geometry, parsed and prepared once (statements pass the same bytes for every row)."""
    geometry = shapely.from_wkb(wkb)
    shapely.prepare(geometry)
    return geometry


@lru_cache(maxsize=64)
def _literal_box(wkb: bytes) -> tuple[tuple[float, float, float, float], bool]:
    """The literal's bounds, and whether the literal is exactly its bounding rectangle."""
    geometry = literal(wkb)
    bounds = geometry.bounds
    return bounds, bool(shapely.equals(geometry, shapely.box(*bounds)))


def _intersects(blob: bytes, wkb: bytes) -> bool | None:
    """Intersection decided from the header envelope where it can be (no WKB parsing), else exactly."""
    env = gpb.envelope(blob)
    if env is None:
        return None
    minx, maxx, miny, maxy = env
    (bx0, by0, bx1, by1), is_box = _literal_box(wkb)
    if minx > bx1 or maxx < bx0 or miny > by1 or maxy < by0:
        return False
    if is_box and minx >= bx0 and maxx <= bx1 and miny >= by0 and maxy <= by1:
        return True
    return bool(shapely.intersects(literal(wkb), gpb.decode(blob)))


def spatial_predicate(op: str, geometry: BaseGeometry, other: BaseGeometry) -> bool:
    """CQL2 ``op(geometry, other)``; `other` is prepared, so it goes first where the test is symmetric."""
    if op == "s_intersects":
        return bool(shapely.intersects(other, geometry))
    if op == "s_disjoint":
        return not shapely.intersects(other, geometry)
    if op == "s_within":  # geometry within other ⇔ other contains geometry
        return bool(shapely.contains(other, geometry))
    if op == "s_contains":
        return bool(shapely.contains(geometry, other))
    if op == "s_touches":
        return bool(shapely.touches(other, geometry))
    if op == "s_overlaps":
        return bool(shapely.overlaps(other, geometry))
    if op == "s_crosses":
        return bool(shapely.crosses(geometry, other))
    if op == "s_equals":
        return bool(shapely.equals(geometry, other))
    raise ValueError(f"unknown spatial operator {op!r}")


def onemap_spatial(op: str, blob: bytes | None, wkb: bytes) -> int | None:
    if blob is None:
        return None
    if op in ("s_intersects", "s_disjoint"):
        hit = _intersects(blob, wkb)
        return None if hit is None else int(hit == (op == "s_intersects"))
    geometry = gpb.decode(blob)
    if geometry.is_empty:
        return None
    return int(spatial_predicate(op, geometry, literal(wkb)))


def geodesic_distance(a: BaseGeometry, b: BaseGeometry) -> float:
    """Metres between two lon/lat geometries on the CGCS2000 ellipsoid.

    The closest pair of points is found in a local equirectangular frame (longitudes scaled
    by cos(latitude)), then measured along the geodesic: exact for points, and within a small
    fraction of the distance for lines and polygons at the ranges a filter uses.
    """
    if shapely.intersects(a, b):
        return 0.0
    low = min(a.bounds[1], b.bounds[1])
    high = max(a.bounds[3], b.bounds[3])
    k = math.cos(math.radians((low + high) / 2.0)) or 1e-9
    scale = [k, 1.0]
    pa, pb = nearest_points(shapely.transform(a, lambda xy: xy * scale),
                            shapely.transform(b, lambda xy: xy * scale))
    _, _, meters = GEOD.inv(pa.x / k, pa.y, pb.x / k, pb.y)
    return float(meters)


def onemap_dwithin(blob: bytes | None, wkb: bytes, meters: float) -> int | None:
    if blob is None:
        return None
    geometry = gpb.decode(blob)
    if geometry.is_empty:
        return None
    return int(geodesic_distance(geometry, literal(wkb)) <= meters)


def register(connection: sqlite3.Connection) -> None:
    """Register every function on a new DB-API connection."""
    for name, arity, function in (
        ("ST_IsEmpty", 1, st_is_empty),
        ("ST_MinX", 1, st_minx),
        ("ST_MaxX", 1, st_maxx),
        ("ST_MinY", 1, st_miny),
        ("ST_MaxY", 1, st_maxy),
        ("onemap_spatial", 3, onemap_spatial),
        ("onemap_dwithin", 3, onemap_dwithin),
    ):
        connection.create_function(name, arity, function, deterministic=True)
