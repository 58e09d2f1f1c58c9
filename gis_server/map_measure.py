"""Geodesic measurement for the map's ruler: a line's length and a polygon's area on the ellipsoid.

Owns the arithmetic only: pyproj's `Geod` on the GRS 80 ellipsoid (CGCS2000's ellipsoid has the same
a and, to 1e-10, the same flattening), Karney's algorithms — lengths along geodesics between the
clicked points, areas of the geodesic polygon they enclose.

May import: nothing of ours.
"""

from __future__ import annotations

from typing import Any

from pyproj import Geod

GEOD = Geod(ellps="GRS80")


def measure(points: list[tuple[float, float]], kind: str) -> dict[str, Any]:
    """`kind` "line": the length through `points`; "polygon": area and perimeter of the ring they close."""
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    if kind == "line":
        length = float(GEOD.line_length(lons, lats))
        return {"kind": kind, "points": len(points), "length_m": round(length, 3), "length_km": round(length / 1000, 6)}
    area, perimeter = GEOD.polygon_area_perimeter(lons, lats)
    area = abs(float(area))
    return {"kind": kind, "points": len(points), "area_m2": round(area, 3), "area_km2": round(area / 1e6, 6),
            "perimeter_m": round(float(perimeter), 3), "perimeter_km": round(float(perimeter) / 1000, 6)}
