"""CQL2 geometry literals and distances: GeoJSON or BBOX in the filter CRS → GeoJSON in EPSG:4490.

`parse_filter` keeps each geometry literal as a GeoJSON geometry object in the storage CRS
(EPSG:4490, longitude first); a BBOX becomes the equivalent Polygon. `to_sql` turns that
GeoJSON back into shapely for the store's dialect. S_DWITHIN distances become metres.
"""

from __future__ import annotations

import json
import math
from typing import Any

import shapely
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from layers.crs import ServedCrs, bbox_to_storage, to_storage
from layers.errors import InvalidQuery

GEOJSON_TYPES = frozenset({
    "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon", "GeometryCollection",
})

#: Distance units S_DWITHIN accepts (lower case) and their length in metres.
UNITS_IN_METERS: dict[str, float] = {
    **dict.fromkeys(("m", "meter", "meters", "metre", "metres"), 1.0),
    **dict.fromkeys(("km", "kilometer", "kilometers", "kilometre", "kilometres"), 1000.0),
    **dict.fromkeys(("nmi", "nautical mile", "nautical miles", "nautical_miles", "nauticalmiles"), 1852.0),
    **dict.fromkeys(("ft", "foot", "feet"), 0.3048),
    **dict.fromkeys(("mi", "mile", "miles", "statute miles"), 1609.344),
}


def _error(message: str) -> InvalidQuery:
    return InvalidQuery(message, parameter="filter")


def is_geometry_literal(node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    if "bbox" in node and len(node) == 1:
        return True
    return node.get("type") in GEOJSON_TYPES and ("coordinates" in node or "geometries" in node)


def _from_bbox(values: Any, crs: ServedCrs) -> BaseGeometry:
    if not isinstance(values, list) or len(values) not in (4, 6) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values
    ):
        raise _error(f"BBOX 需要 4 或 6 个有限数值 / BBOX needs 4 or 6 finite numbers: {values!r}")
    if len(values) == 4:
        x0, y0, x1, y1 = values
    else:
        x0, y0, _, x1, y1, _ = values
    if x0 > x1 or y0 > y1:
        raise _error(f"BBOX 的最小值大于最大值 / BBOX minimum exceeds maximum: {values!r}")
    minx, miny, maxx, maxy = bbox_to_storage(tuple(float(v) for v in values), crs)
    return box(minx, miny, maxx, maxy)


def _from_geojson(node: dict[str, Any], crs: ServedCrs) -> BaseGeometry:
    try:
        geometry = shape(node)
    except Exception as exc:  # shapely raises many kinds for malformed coordinates
        raise _error(f"几何字面量无法解析 / malformed geometry literal: {exc}") from exc
    if geometry.is_empty:
        raise _error("几何字面量为空 / empty geometry literal")
    if shapely.has_z(geometry):
        geometry = shapely.force_2d(geometry)
    if not all(math.isfinite(v) for v in shapely.get_coordinates(geometry).ravel()):
        raise _error("几何字面量的坐标不是有限数值 / geometry literal coordinates must be finite numbers")
    if not geometry.is_valid:
        raise _error(f"几何字面量无效 / invalid geometry literal: {explain_validity(geometry)}")
    return to_storage(geometry, crs)


def to_storage_geojson(node: dict[str, Any], crs: ServedCrs) -> dict[str, Any]:
    """A geometry literal (GeoJSON or ``{"bbox": [...]}``) in `crs` → GeoJSON in EPSG:4490 lon/lat."""
    try:
        geometry = _from_bbox(node["bbox"], crs) if "bbox" in node else _from_geojson(node, crs)
    except InvalidQuery:
        raise
    except Exception as exc:  # a projection failure
        raise _error(f"几何字面量无法转换到 EPSG:4490 / cannot reproject geometry literal: {exc}") from exc
    coords = shapely.get_coordinates(geometry)
    if not all(math.isfinite(v) for v in coords.ravel()):
        raise _error(f"几何字面量超出坐标系 {crs.uri} 的范围 / geometry literal outside the area "
                     f"of {crs.uri}")
    lon, lat = coords[:, 0], coords[:, 1]
    if lon.min() < -180 or lon.max() > 180 or lat.min() < -90 or lat.max() > 90:
        order = "纬度在前 / latitude first" if crs.lat_first else "经度在前 / longitude first"
        raise _error(
            f"几何字面量坐标超出经纬度范围 / geometry literal outside longitude/latitude range; "
            f"filter-crs {crs.uri} takes {order} — check the axis order"
        )
    return dict(json.loads(shapely.to_geojson(geometry)))


def storage_geometry(geojson: dict[str, Any]) -> BaseGeometry:
    """A normalised geometry literal (GeoJSON, EPSG:4490) → shapely."""
    try:
        return shape(geojson)
    except Exception as exc:
        raise _error(f"几何字面量无法解析 / malformed geometry literal: {exc}") from exc


def distance_in_meters(distance: Any, units: Any) -> float:
    """An S_DWITHIN distance and its unit (a string; `None` means metres) → metres."""
    if isinstance(distance, bool) or not isinstance(distance, int | float) or not math.isfinite(distance):
        raise _error(f"S_DWITHIN 的距离必须是数值 / S_DWITHIN distance must be a number: {distance!r}")
    if distance < 0:
        raise _error(f"S_DWITHIN 的距离不能为负 / S_DWITHIN distance must not be negative: {distance}")
    if units is None:
        return float(distance)
    factor = UNITS_IN_METERS.get(str(units).strip().lower()) if isinstance(units, str) else None
    if factor is None:
        known = ", ".join(("meters", "kilometers", "nautical miles", "feet", "miles"))
        raise _error(f"不支持的距离单位 {units!r} / unsupported distance unit {units!r}; use one of: {known}")
    return float(distance) * factor


__all__ = ["GEOJSON_TYPES", "UNITS_IN_METERS", "distance_in_meters", "is_geometry_literal",
           "storage_geometry", "to_storage_geojson"]
