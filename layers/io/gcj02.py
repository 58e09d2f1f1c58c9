"""GCJ-02 ("Mars coordinates", 火星坐标) ↔ WGS 84 / CGCS2000 longitude/latitude, vectorized.

GCJ-02 is the obfuscated datum every commercial Chinese web map (Amap/高德, Tencent/腾讯,
Google China) publishes its coordinates in: WGS 84 lon/lat plus a deterministic,
position-dependent offset of a few hundred metres. The forward offset is public arithmetic
(a Krasovsky-ellipsoid based polynomial/sine series); the inverse has no closed form, so
`gcj02_to_wgs84` iterates the forward function (a fixed-point iteration that converges to
millimetres in a few steps). Points outside mainland China's rough bounding box are left as
they are, as the commercial platforms do.

CGCS2000 and WGS 84 differ by centimetres, so the WGS 84 result is used as CGCS2000
(EPSG:4490) directly — the same convention as `layers.query.GEOGRAPHIC_SRIDS`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

FloatArray = npt.NDArray[np.float64]

#: Semi-major axis and first eccentricity squared of the Krasovsky 1940 ellipsoid (GCJ-02 uses them).
_A = 6378245.0
_EE = 0.00669342162296594323

#: The box outside which GCJ-02 applies no offset (lon/lat degrees).
_CHINA_BOX = (72.004, 0.8293, 137.8347, 55.8271)

#: Iterations stop when the residual of every point is below this (degrees, ≈ 0.1 mm).
_TOLERANCE_DEG = 1e-9
_MAX_ITERATIONS = 30


def in_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True where GCJ-02 applies an offset."""
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    minx, miny, maxx, maxy = _CHINA_BOX
    return (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)


def _series(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The raw offset series in metres-like units, from coordinates relative to (105°E, 35°N)."""
    px = x * np.pi
    py = y * np.pi
    common = (20.0 * np.sin(6.0 * px) + 20.0 * np.sin(2.0 * px)) * 2.0 / 3.0
    root = np.sqrt(np.abs(x))
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * root
             + common
             + (20.0 * np.sin(py) + 40.0 * np.sin(py / 3.0)) * 2.0 / 3.0
             + (160.0 * np.sin(py / 12.0) + 320.0 * np.sin(py / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * root
             + common
             + (20.0 * np.sin(px) + 40.0 * np.sin(px / 3.0)) * 2.0 / 3.0
             + (150.0 * np.sin(px / 12.0) + 300.0 * np.sin(px / 30.0)) * 2.0 / 3.0)
    return d_lon, d_lat


def _offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS 84, in degrees, at WGS 84 positions (zero outside China)."""
    d_lon, d_lat = _series(lon - 105.0, lat - 35.0)
    rad = np.radians(lat)
    sin_lat = np.sin(rad)
    w = 1.0 - _EE * sin_lat * sin_lat
    sqrt_w = np.sqrt(w)
    d_lat = d_lat * 180.0 / ((_A * (1.0 - _EE)) / (w * sqrt_w) * np.pi)
    d_lon = d_lon * 180.0 / (_A / sqrt_w * np.cos(rad) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, d_lon, 0.0), np.where(inside, d_lat, 0.0)


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS 84 (or CGCS2000) lon/lat → GCJ-02 lon/lat, element-wise."""
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    d_lon, d_lat = _offset(x, y)
    return x + d_lon, y + d_lat


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 lon/lat → WGS 84 lon/lat, element-wise, to well under a millimetre.

    Fixed-point iteration: start at the GCJ-02 position, move by the difference between the
    forward transform of the current guess and the target, until the residual vanishes.
    """
    gx = np.asarray(lon, dtype=np.float64)
    gy = np.asarray(lat, dtype=np.float64)
    x = gx.copy()
    y = gy.copy()
    for _ in range(_MAX_ITERATIONS):
        fx, fy = wgs84_to_gcj02(x, y)
        rx = fx - gx
        ry = fy - gy
        x = x - rx
        y = y - ry
        residual = np.nanmax(np.abs(np.concatenate([rx.ravel(), ry.ravel()])), initial=0.0)
        if residual < _TOLERANCE_DEG:
            break
    return x, y


def _gcj_coords_to_wgs(coords: FloatArray) -> FloatArray:
    x, y = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    return np.column_stack((x, y))


def geometries_from_gcj02(geometries: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """An array of lon/lat shapely geometries in GCJ-02 → the same geometries in WGS 84/CGCS2000.

    One vectorized pass over every coordinate of every geometry (None entries stay None).
    """
    return np.asarray(shapely.transform(geometries, _gcj_coords_to_wgs), dtype=object)


def geometry_from_gcj02(geometry: BaseGeometry) -> BaseGeometry:
    """One shapely geometry in GCJ-02 lon/lat → WGS 84/CGCS2000 lon/lat."""
    result: BaseGeometry = shapely.transform(geometry, _gcj_coords_to_wgs)
    return result
