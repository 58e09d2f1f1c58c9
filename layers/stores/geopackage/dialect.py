"""The GeoPackage `SqlDialect`: spatial predicates as registered Python functions behind an R-tree prefilter.

Columns passed in must be the ``geom`` column of a layer table built by
`layers.stores.geopackage.tables` (the R-tree table name is derived from the column's table).
May import: sqlalchemy, shapely, layers.filters.dialect, this package.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement

from layers.filters.dialect import SPATIAL_OPERATORS
from layers.stores.geopackage.schema import rtree_name
from layers.stores.geopackage.values import format_date, format_datetime

#: Operators true only where the two geometries' envelopes meet (so the R-tree can prefilter).
_NEEDS_CONTACT = frozenset(SPATIAL_OPERATORS) - {"s_disjoint"}
#: Metres per degree of latitude, at least (the meridian degree is shortest at the equator).
_MIN_METRES_PER_DEGREE = 110_574.0


def _wkb(geometry: BaseGeometry) -> bytes:
    return shapely.to_wkb(geometry, byte_order=1, output_dimension=2, flavor="iso")


class GeoPackageDialect:
    """Translates spatial tests for SQLite + the functions in `functions.py`."""

    def bbox_intersects(self, column: ColumnElement[Any],
                        bbox: tuple[float, float, float, float]) -> ColumnElement[bool]:
        minx, miny, maxx, maxy = bbox
        table = getattr(column, "table", None)
        if table is None:
            raise TypeError("GeoPackageDialect needs a table column for its R-tree prefilter")
        rtree = sa.table(rtree_name(table.name), sa.column("id"), sa.column("minx"), sa.column("maxx"),
                         sa.column("miny"), sa.column("maxy"))
        hits = sa.select(rtree.c.id).where(
            rtree.c.minx <= maxx, rtree.c.maxx >= minx, rtree.c.miny <= maxy, rtree.c.maxy >= miny)
        return table.c.fid.in_(hits)

    def spatial(self, op: str, column: ColumnElement[Any], geometry: BaseGeometry) -> ColumnElement[bool]:
        if op not in SPATIAL_OPERATORS:
            raise ValueError(f"unknown spatial operator {op!r}")
        exact = sa.func.onemap_spatial(op, column, sa.literal(_wkb(geometry), sa.LargeBinary)) == 1
        if op in _NEEDS_CONTACT:
            return sa.and_(self.bbox_intersects(column, geometry.bounds), exact)
        return exact

    def dwithin(self, column: ColumnElement[Any], geometry: BaseGeometry, meters: float) -> ColumnElement[bool]:
        minx, miny, maxx, maxy = geometry.bounds
        margin_lat = meters / _MIN_METRES_PER_DEGREE * 1.01 + 1e-9
        top = min(89.9, max(abs(miny), abs(maxy)) + margin_lat)
        margin_lon = min(360.0, margin_lat / max(math.cos(math.radians(top)), 1e-6))
        prefilter = self.bbox_intersects(
            column, (minx - margin_lon, miny - margin_lat, maxx + margin_lon, maxy + margin_lat))
        exact = sa.func.onemap_dwithin(column, sa.literal(_wkb(geometry), sa.LargeBinary), float(meters)) == 1
        return sa.and_(prefilter, exact)

    def time_value(self, value: date | datetime) -> Any:
        """Dates and instants as the ISO text the columns hold (text order is time order)."""
        if isinstance(value, datetime):
            return format_datetime(value)
        return format_date(value)
