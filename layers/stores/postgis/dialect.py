"""PostGIS answers to the `SqlDialect` protocol: spatial predicates, distance and bbox tests.

Every geometry reaches the server as a bound WKB parameter (`ST_GeomFromWKB(:wkb, 4490)`),
every number as a bound parameter.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement

from layers.errors import InvalidQuery
from layers.query import STORAGE_SRID

_PREDICATES = {
    "s_intersects": "ST_Intersects",
    "s_equals": "ST_Equals",
    "s_disjoint": "ST_Disjoint",
    "s_touches": "ST_Touches",
    "s_within": "ST_Within",
    "s_overlaps": "ST_Overlaps",
    "s_crosses": "ST_Crosses",
    "s_contains": "ST_Contains",
}

_SRID = sa.literal_column(str(STORAGE_SRID))

#: Shortest length of one degree of latitude on GRS80 (at the equator), in metres.
_METRES_PER_DEGREE_MIN = 110_574.0
_METRES_PER_DEGREE_EQUATOR = 111_320.0


def geometry_param(geometry: BaseGeometry) -> ColumnElement[Any]:
    """`ST_GeomFromWKB(:wkb, 4490)` with the geometry bound as WKB bytes."""
    return sa.func.ST_GeomFromWKB(sa.bindparam(None, shapely.to_wkb(geometry), type_=sa.LargeBinary), STORAGE_SRID)


def envelope(bbox: tuple[float, float, float, float]) -> ColumnElement[Any]:
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    return sa.func.ST_MakeEnvelope(
        *(sa.bindparam(None, v, type_=sa.Double) for v in (minx, miny, maxx, maxy)), _SRID
    )


class PostgisDialect:
    """SqlDialect for PostGIS; stateless."""

    def spatial(self, op: str, column: ColumnElement[Any], geometry: BaseGeometry) -> ColumnElement[bool]:
        name = _PREDICATES.get(op.lower())
        if name is None:
            raise InvalidQuery(f"不支持的空间谓词 / unsupported spatial operator {op!r}", parameter="filter")
        return getattr(sa.func, name)(column, geometry_param(geometry), type_=sa.Boolean)

    def dwithin(self, column: ColumnElement[Any], geometry: BaseGeometry, meters: float) -> ColumnElement[bool]:
        """Geodesic distance on the ellipsoid (geography), behind an index-backed box prefilter."""
        if not math.isfinite(meters) or meters < 0:
            raise InvalidQuery(f"距离必须是非负数 / distance must be a non-negative number: {meters}",
                               parameter="filter")
        target = geometry_param(geometry)
        dy = meters / _METRES_PER_DEGREE_MIN * 1.01 + 1e-9
        _, miny, _, maxy = geometry.bounds
        top = min(89.0, max(abs(miny), abs(maxy)) + dy)
        dx = min(360.0, meters / (_METRES_PER_DEGREE_EQUATOR * math.cos(math.radians(top))) * 1.01 + 1e-9)
        box = sa.func.ST_Expand(target, sa.bindparam(None, dx, type_=sa.Double),
                                sa.bindparam(None, dy, type_=sa.Double))
        geodesic = sa.func.ST_DWithin(
            _geography(column),
            _geography(target),
            sa.bindparam(None, float(meters), type_=sa.Double),
            type_=sa.Boolean,
        )
        return sa.and_(column.op("&&")(box), geodesic)

    def bbox_intersects(self, column: ColumnElement[Any],
                        bbox: tuple[float, float, float, float]) -> ColumnElement[bool]:
        return column.op("&&", return_type=sa.Boolean)(envelope(bbox))

    def time_value(self, value: date | datetime) -> Any:
        return value


def _geography(expr: ColumnElement[Any]) -> ColumnElement[Any]:
    return sa.func.geography(expr)
