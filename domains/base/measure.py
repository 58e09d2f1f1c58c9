"""Measuring along lines: projection to metres, geodesic chainage, points at and cuts between stakes.

Lines are numpy arrays of lon/lat vertices (N×2), already rounded to the 6 decimals the sample
files carry, so that what is measured here is exactly what is written.
"""

from __future__ import annotations

import zlib
from functools import cache

import numpy as np
from pyproj import CRS, Geod

from domains.base.geography import PROJECTED_EPSG, SEED
from layers.crs import transformer

Coords = np.ndarray

DECIMALS = 6


@cache
def geod() -> Geod:
    """The CGCS2000 ellipsoid for geodesic lengths and areas."""
    return CRS.from_epsg(4490).get_geod()


def rng(*names: str) -> np.random.Generator:
    """A random generator fixed by the master seed and a component name (stable across runs)."""
    return np.random.default_rng([SEED, *(zlib.crc32(name.encode("utf-8")) for name in names)])


def to_metres(lonlat: Coords) -> Coords:
    x, y = transformer(4490, PROJECTED_EPSG).transform(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])


def to_lonlat(xy: Coords) -> Coords:
    lon, lat = transformer(PROJECTED_EPSG, 4490).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def round_coords(lonlat: Coords) -> Coords:
    """Round to 6 decimals (~0.1 m) and drop consecutive duplicates."""
    out = np.round(np.asarray(lonlat, dtype=float), DECIMALS)
    if len(out) > 1:
        keep = np.ones(len(out), dtype=bool)
        keep[1:] = np.any(out[1:] != out[:-1], axis=1)
        out = out[keep]
    return out


def chainage(lonlat: Coords) -> Coords:
    """Cumulative geodesic distance (m) at every vertex, starting at 0."""
    lengths = geod().line_lengths(lonlat[:, 0], lonlat[:, 1]) if len(lonlat) > 1 else []
    return np.concatenate([[0.0], np.cumsum(lengths)])


def geodesic_length(lonlat: Coords) -> float:
    return float(chainage(lonlat)[-1])


def point_at(lonlat: Coords, cum: Coords, s: float) -> tuple[float, float]:
    """The point at distance `s` (m) along the line, interpolated between vertices and rounded."""
    s = min(max(s, 0.0), float(cum[-1]))
    i = int(np.searchsorted(cum, s, side="right")) - 1
    i = min(max(i, 0), len(lonlat) - 2)
    span = cum[i + 1] - cum[i]
    f = 0.0 if span <= 0 else (s - cum[i]) / span
    lon, lat = lonlat[i] + f * (lonlat[i + 1] - lonlat[i])
    return (round(float(lon), DECIMALS), round(float(lat), DECIMALS))


def cut(lonlat: Coords, cum: Coords, s0: float, s1: float) -> Coords:
    """The part of the line between distances s0 < s1 (m), with interpolated end points."""
    inner = lonlat[(cum > s0) & (cum < s1)]
    start = np.array([point_at(lonlat, cum, s0)])
    end = np.array([point_at(lonlat, cum, s1)])
    return round_coords(np.vstack([start, inner, end]))


def locate(lonlat: Coords, cum: Coords, lon: float, lat: float) -> tuple[float, float]:
    """Chainage (m) of the point of the line nearest to (lon, lat), and the distance to it (m)."""
    scale = np.cos(np.radians(lat))
    a = lonlat[:-1] * [scale, 1.0]
    b = lonlat[1:] * [scale, 1.0]
    p = np.array([lon * scale, lat])
    ab = b - a
    denom = np.einsum("ij,ij->i", ab, ab)
    t = np.where(denom > 0, np.einsum("ij,ij->i", p - a, ab) / np.where(denom > 0, denom, 1.0), 0.0)
    t = np.clip(t, 0.0, 1.0)
    nearest = a + ab * t[:, None]
    d2 = np.einsum("ij,ij->i", nearest - p, nearest - p)
    i = int(np.argmin(d2))
    s = float(cum[i] + t[i] * (cum[i + 1] - cum[i]))
    near_lon, near_lat = nearest[i][0] / scale, nearest[i][1]
    _, _, dist = geod().inv(lon, lat, near_lon, near_lat)
    return s, float(dist)


def stake_label(route_code: str, stake_m: int) -> str:
    """"G12 K1023+500" — a route and a stake number (桩号) in kilometres + metres."""
    km, m = divmod(int(stake_m), 1000)
    return f"{route_code} K{km}+{m:03d}"
