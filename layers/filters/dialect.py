"""What a store supplies so that one CQL2 → SQL translator serves every store.

The translator (`layers.filters.to_sql`) builds SQLAlchemy Core expressions from validated CQL2
JSON; everything that differs between PostGIS and the GeoPackage (spatial predicates, how
geometry literals and time values are bound) goes through this protocol. Every value reaches
the database as a bound parameter.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement

#: CQL2 spatial operators (lower case, as `cql2` emits them) every dialect must answer.
SPATIAL_OPERATORS = (
    "s_intersects", "s_equals", "s_disjoint", "s_touches", "s_within",
    "s_overlaps", "s_crosses", "s_contains",
)


class SqlDialect(Protocol):
    def spatial(self, op: str, column: ColumnElement[Any], geometry: BaseGeometry) -> ColumnElement[bool]:
        """`op` is one of SPATIAL_OPERATORS; `geometry` is in EPSG:4490, lon/lat."""
        ...

    def dwithin(self, column: ColumnElement[Any], geometry: BaseGeometry, meters: float) -> ColumnElement[bool]:
        """True where the column's geometry lies within `meters` (on the ellipsoid) of `geometry`."""
        ...

    def bbox_intersects(self, column: ColumnElement[Any],
                        bbox: tuple[float, float, float, float]) -> ColumnElement[bool]:
        """Fast index-backed bounding-box test, lon/lat EPSG:4490."""
        ...

    def time_value(self, value: date | datetime) -> Any:
        """A Python value to bind where a date/datetime column is compared."""
        ...
