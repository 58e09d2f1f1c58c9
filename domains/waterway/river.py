"""The Songhua as the base samples store it: the centre line with its chainage, and the water area.

Chainage (里程) is metres downstream from Fengman Dam, as `river_centerline` measures it: the
point at a chainage is found on the stored reach that covers it, at the distance from the reach's
start chainage along it. Sideways offsets are taken square to the centre line (positive = right
bank, facing downstream); `water()` is the stored water area, to keep marks and boats afloat and
stations ashore.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from domains.base import sample_dir
from domains.base.features import read_collection
from domains.base.measure import DECIMALS, Coords, chainage, cut, point_at, round_coords

#: Metres per degree of latitude (and of longitude at the equator), for short local offsets.
M_PER_DEG = 111_320.0


@dataclass(frozen=True, slots=True)
class Reach:
    code: str
    name_zh: str
    start_chainage_m: int
    end_chainage_m: int
    coords: Coords
    cum: Coords


@cache
def reaches() -> tuple[Reach, ...]:
    found = []
    for f in read_collection(sample_dir() / "river_centerline.geojson"):
        p = f["properties"]
        coords = np.asarray(f["geometry"]["coordinates"], dtype=float)
        found.append(Reach(p["reach_code"], p["reach_name_zh"], int(p["start_chainage_m"]), int(p["end_chainage_m"]),
                           coords, chainage(coords)))
    return tuple(sorted(found, key=lambda r: r.start_chainage_m))


def length_m() -> int:
    return reaches()[-1].end_chainage_m


def reach_at(chainage_m: float) -> Reach:
    for reach in reaches():
        if chainage_m <= reach.end_chainage_m:
            return reach
    raise ValueError(f"里程 {chainage_m:.0f} m 超出河道 / beyond the river's {length_m()} m")


def point(chainage_m: float) -> tuple[float, float]:
    reach = reach_at(chainage_m)
    return point_at(reach.coords, reach.cum, chainage_m - reach.start_chainage_m)


def line(from_m: float, to_m: float) -> Coords:
    """The centre line between two chainages (from < to), across reaches."""
    parts = [cut(r.coords, r.cum, max(from_m, r.start_chainage_m) - r.start_chainage_m,
                 min(to_m, r.end_chainage_m) - r.start_chainage_m)
             for r in reaches() if r.start_chainage_m < to_m and r.end_chainage_m > from_m]
    return round_coords(np.vstack(parts))


def offset(chainage_m: float, metres: float) -> tuple[float, float]:
    """The point `metres` square to the centre line at a chainage (positive: right bank side)."""
    lon, lat = point(chainage_m)
    ahead = point(min(chainage_m + 50.0, length_m()))
    behind = point(max(chainage_m - 50.0, 0.0))
    scale = math.cos(math.radians(lat))
    tx, ty = (ahead[0] - behind[0]) * scale, ahead[1] - behind[1]
    norm = math.hypot(tx, ty)
    nx, ny = ty / norm, -tx / norm  # the right-hand normal, facing downstream
    return (round(lon + nx * metres / M_PER_DEG / scale, DECIMALS), round(lat + ny * metres / M_PER_DEG, DECIMALS))


@cache
def water() -> BaseGeometry:
    """The stored water area, one prepared geometry."""
    area = shapely.union_all([shape(f["geometry"]) for f in read_collection(sample_dir() / "river_area.geojson")])
    shapely.prepare(area)
    return area


def afloat(lon: float, lat: float) -> bool:
    return bool(water().covers(Point(lon, lat)))


def ashore(chainage_m: float, side: int, beyond_m: float = 30.0) -> tuple[float, float]:
    """A point on the bank (`side` +1 right, -1 left), `beyond_m` past the water's edge."""
    for metres in range(20, 2000, 10):
        lon, lat = offset(chainage_m, side * metres)
        if not afloat(lon, lat):
            return offset(chainage_m, side * (metres + beyond_m))
    raise ValueError(f"no bank found at chainage {chainage_m:.0f} m")  # pragma: no cover
