"""Stored rows → GeoJSON: geometry blobs reprojected, axis-swapped and rounded for the output CRS,
features serialised with orjson.

Coordinates are rounded to 7 decimals for degrees (about 1 cm) and 2 for metres, as the
PostGIS store does with ST_AsGeoJSON's maxdecimaldigits. Export (storage CRS) is not rounded.
May import: numpy, shapely, orjson, pyproj, layers.crs, layers.query, this package's geometry codec.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import orjson
import shapely
from pyproj import CRS

from layers.crs import same_coordinates, transformer
from layers.query import STORAGE_SRID, OutputCrs
from layers.stores.geopackage import geometry as gpb

DEGREE_DECIMALS = 7
METRE_DECIMALS = 2
JSON_OPTIONS = orjson.OPT_UTC_Z


@cache
def _decimals(srid: int) -> int:
    return DEGREE_DECIMALS if CRS.from_epsg(srid).is_geographic else METRE_DECIMALS


def geojson_geometries(blobs: Sequence[bytes | None], crs: OutputCrs, *, rounded: bool = True) -> list[str | None]:
    """Blobs → GeoJSON geometry texts in `crs` (its axis order), all at once."""
    if not blobs:
        return []
    geometries = gpb.decode_many(blobs)
    project = None if same_coordinates(STORAGE_SRID, crs.srid) else transformer(STORAGE_SRID, crs.srid)
    decimals = _decimals(crs.srid) if rounded else None

    def convert(xy: np.ndarray) -> np.ndarray:
        if project is not None:
            x, y = project.transform(xy[:, 0], xy[:, 1])
            xy = np.column_stack((x, y))
        if crs.lat_first:
            xy = xy[:, ::-1]
        if decimals is not None:
            xy = np.round(xy, decimals)
        return xy

    if project is not None or crs.lat_first or decimals is not None:
        geometries = shapely.transform(geometries, convert)
    return [None if text is None else str(text) for text in shapely.to_geojson(geometries).tolist()]


def geometry_dict(text: str | None) -> dict[str, Any] | None:
    return None if text is None else orjson.loads(text)


def feature(fid: int, geometry: str | None, properties: dict[str, Any]) -> dict[str, Any]:
    """A Feature mapping whose geometry is pre-serialised GeoJSON (embedded verbatim by orjson)."""
    return {"type": "Feature", "id": fid,
            "geometry": None if geometry is None else orjson.Fragment(geometry),
            "properties": properties}


def dumps(features: list[dict[str, Any]]) -> bytes:
    """Dates as YYYY-MM-DD, instants as RFC 3339 with 'Z', booleans as JSON booleans."""
    return orjson.dumps(features, option=JSON_OPTIONS)
