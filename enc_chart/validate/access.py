"""Reading a `Cell` the way every check needs it: layers by acronym, attribute values, areas, metres.

GDAL leaves an absent attribute null (NaN for numbers, None for text); `present()` treats null,
NaN and blank text alike as "not there".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from enc_chart.cell import Cell

#: Metres per degree of latitude (WGS 84 mean); enough for tolerances and reported areas.
M_PER_DEG = 111_320.0
AREA_TYPES = ("Polygon", "MultiPolygon")


def frames(cell: Cell, acronyms: Iterable[str]) -> Iterator[tuple[str, gpd.GeoDataFrame]]:
    """The cell's layers among `acronyms` (as GDAL spells them), skipping absent or empty ones."""
    for acronym in acronyms:
        frame = cell.layers.get(acronym)
        if frame is not None and len(frame):
            yield acronym, frame


def present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    if isinstance(value, str) and not value.strip():
        return False
    return not (pd.api.types.is_scalar(value) and pd.isna(value))


def number(value: Any) -> float | None:
    """A numeric attribute value, or None when absent or not a number."""
    if not present(value):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def codes(value: Any) -> set[str]:
    """The codes of an enumerated/list attribute ("3" or flattened "3,1")."""
    if not present(value):
        return set()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return {part.strip() for part in str(value).split(",") if part.strip()}


def is_area(geometry: Any) -> bool:
    return isinstance(geometry, BaseGeometry) and not geometry.is_empty and geometry.geom_type in AREA_TYPES


def area_m2(geometry: BaseGeometry) -> float:
    """Approximate area in square metres of a lon/lat geometry (local equirectangular scale)."""
    if geometry.is_empty:
        return 0.0
    lat = shapely.centroid(geometry).y
    return geometry.area * M_PER_DEG * M_PER_DEG * max(math.cos(math.radians(lat)), 1e-6)


def metres_to_degrees(metres: float, lat: float = 0.0) -> float:
    """A length in metres as degrees (of longitude at `lat`, the larger of the two) for buffers."""
    return metres / (M_PER_DEG * max(math.cos(math.radians(lat)), 1e-6))
