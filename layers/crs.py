"""Coordinate reference systems the platform reads and writes, by OGC URI and by EPSG code.

Storage is CGCS2000 (EPSG:4490). Served: CRS84 (default), EPSG:4490 and EPSG:4326 (latitude
first, as their EPSG definitions say), EPSG:3857. Imports also read the CGCS2000 Gauss–Krüger
zones EPSG:4491–4554. Transformers are built once per pair and cached: building one costs
far more than using it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pyproj import CRS, Transformer
from shapely import transform as shapely_transform
from shapely.geometry.base import BaseGeometry

from layers.errors import InvalidQuery
from layers.query import GEOGRAPHIC_SRIDS, STORAGE_SRID, OutputCrs

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"


@dataclass(frozen=True, slots=True)
class ServedCrs:
    """A CRS clients may ask for: its URI, EPSG code and whether its first axis is latitude."""

    uri: str
    srid: int
    lat_first: bool

    @property
    def output(self) -> OutputCrs:
        return OutputCrs(self.srid, self.lat_first)


CRS84 = ServedCrs(CRS84_URI, 4326, lat_first=False)
SERVED: tuple[ServedCrs, ...] = (
    CRS84,
    ServedCrs(EPSG_URI.format(code=4490), 4490, lat_first=True),
    ServedCrs(EPSG_URI.format(code=4326), 4326, lat_first=True),
    ServedCrs(EPSG_URI.format(code=3857), 3857, lat_first=False),
)
STORAGE_CRS_URI = EPSG_URI.format(code=STORAGE_SRID)
_BY_URI = {c.uri: c for c in SERVED}

#: Source CRS accepted by imports: geographic, Web Mercator and the CGCS2000 Gauss–Krüger zones.
IMPORT_SRIDS = frozenset({4326, 4490, 3857, *range(4491, 4555)})


def served_crs(value: str | None, parameter: str = "crs") -> ServedCrs:
    """Resolve a `crs`/`bbox-crs`/`filter-crs` value; unknown → InvalidQuery naming the parameter."""
    if value is None or value == "":
        return CRS84
    key = value.strip()
    if key.startswith("[") and key.endswith("]"):  # safe CURIE form: [EPSG:4490]
        key = key[1:-1]
    if key.upper() in ("CRS84", "OGC:CRS84"):
        return CRS84
    if key.upper().startswith("EPSG:"):
        key = EPSG_URI.format(code=key.split(":", 1)[1])
    key = key.replace("https://", "http://")
    found = _BY_URI.get(key)
    if found is None:
        supported = ", ".join(c.uri for c in SERVED)
        raise InvalidQuery(
            f"不支持的坐标参考系 / unsupported CRS {value!r} for parameter {parameter!r}; supported: {supported}",
            parameter=parameter,
        )
    return found


@cache
def transformer(source_srid: int, target_srid: int) -> Transformer:
    """A cached lon/lat-ordered (always_xy) transformer between two EPSG codes."""
    return Transformer.from_crs(CRS.from_epsg(source_srid), CRS.from_epsg(target_srid), always_xy=True)


def same_coordinates(source_srid: int, target_srid: int) -> bool:
    return source_srid == target_srid or (source_srid in GEOGRAPHIC_SRIDS and target_srid in GEOGRAPHIC_SRIDS)


def reproject(geometry: BaseGeometry, source_srid: int, target_srid: int) -> BaseGeometry:
    """Reproject a lon/lat-ordered (x, y) geometry between EPSG codes."""
    if same_coordinates(source_srid, target_srid):
        return geometry
    tr = transformer(source_srid, target_srid)
    return shapely_transform(geometry, lambda xy: _stack(tr.transform(xy[:, 0], xy[:, 1])))


def swap_axes(geometry: BaseGeometry) -> BaseGeometry:
    return shapely_transform(geometry, lambda xy: xy[:, ::-1])


def to_storage(geometry: BaseGeometry, crs: ServedCrs) -> BaseGeometry:
    """A client geometry in a served CRS (its own axis order) → EPSG:4490 lon/lat."""
    xy = swap_axes(geometry) if crs.lat_first else geometry
    return reproject(xy, crs.srid, STORAGE_SRID)


def bbox_to_storage(bbox: tuple[float, ...], crs: ServedCrs) -> tuple[float, float, float, float]:
    """A bbox in a served CRS → (minlon, minlat, maxlon, maxlat) in EPSG:4490."""
    minx, miny, maxx, maxy = (bbox[0], bbox[1], bbox[3], bbox[4]) if len(bbox) == 6 else bbox
    if crs.lat_first:
        minx, miny, maxx, maxy = miny, minx, maxy, maxx
    if same_coordinates(crs.srid, STORAGE_SRID):
        return (minx, miny, maxx, maxy)
    tr = transformer(crs.srid, STORAGE_SRID)
    x0, y0, x1, y1 = tr.transform_bounds(minx, miny, maxx, maxy, densify_pts=21)
    return (x0, y0, x1, y1)


def _stack(xy: tuple[object, object]) -> object:
    import numpy as np

    return np.column_stack(xy)
