"""What a route check is asked: the vessel, the route, and the margins the checks apply.

Margins (documented in docs/enc.md, "Water level and route checks"):

- corridor: the water the hull may sweep — the route buffered on each side by half the beam plus one
  beam for drift and steering (1.5 × beam), at least `MIN_HALF_WIDTH_M`;
- depth: effective depth ≥ draft + under-keel clearance (`ukc`, given by the caller);
- bridges: clearance now ≥ air draft + `AIR_MARGIN_M`; horizontal clearance ≥ beam + `WIDTH_MARGIN_M`.

`length` is checked (positive) and echoed; no check here depends on it yet.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from shapely.geometry import LineString

from layers.errors import InvalidFeature

MIN_HALF_WIDTH_M = 10.0
AIR_MARGIN_M = 0.5
WIDTH_MARGIN_M = 2.0
#: A route longer than this (km) is not a route on a 30 km reach.
MAX_ROUTE_KM = 200.0
MAX_VERTICES = 10_000

#: field → (Chinese name, largest plausible value in metres)
VESSEL_FIELDS: dict[str, tuple[str, float]] = {
    "draft": ("吃水", 30.0),
    "air_draft": ("水面以上高度（净空高度）", 100.0),
    "beam": ("船宽", 100.0),
    "length": ("船长", 500.0),
    "ukc": ("富余水深", 10.0),
}


@dataclass(frozen=True)
class Vessel:
    draft: float
    air_draft: float
    beam: float
    length: float
    ukc: float

    @property
    def required_depth_m(self) -> float:
        return self.draft + self.ukc

    @property
    def required_air_m(self) -> float:
        return self.air_draft + AIR_MARGIN_M

    @property
    def required_width_m(self) -> float:
        return self.beam + WIDTH_MARGIN_M

    @property
    def half_width_m(self) -> float:
        return max(MIN_HALF_WIDTH_M, 1.5 * self.beam)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def positive_metres(value: Any, name: str, label: str, largest: float, *, where: str = "") -> float:
    """A positive, finite number of metres, else `InvalidFeature` naming the field (Chinese + English)."""
    full = f"{where}{name}"
    if value is None:
        raise InvalidFeature(f"缺少{label} {full}（米） / missing {full} (metres)", field=full)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidFeature(f"{label} {full} 须为数值（米） / {full} must be a number of metres, got {value!r}",
                             field=full)
    if value <= 0:
        raise InvalidFeature(f"{label} {full} 须大于 0 米 / {full} must be positive (metres), got {value:g}",
                             field=full)
    if value > largest:
        raise InvalidFeature(f"{label} {full} 超过 {largest:g} 米，不合理 / {full} above {largest:g} m is not "
                             f"plausible, got {value:g}", field=full)
    return float(value)


def parse_vessel(body: Any) -> Vessel:
    if not isinstance(body, dict):
        raise InvalidFeature("缺少船舶参数 vessel（吃水、净空高度、船宽、船长、富余水深） / missing vessel "
                             "{draft, air_draft, beam, length, ukc}", field="vessel")
    unknown = sorted(set(body) - set(VESSEL_FIELDS))
    if unknown:
        raise InvalidFeature(f"船舶参数含未知成员 / unknown vessel members: {', '.join(unknown)}",
                             field=f"vessel.{unknown[0]}")
    values = {name: positive_metres(body.get(name), name, label, largest, where="vessel.")
              for name, (label, largest) in VESSEL_FIELDS.items()}
    return Vessel(**values)


def parse_route(value: Any) -> LineString:
    """A GeoJSON LineString (or a Feature holding one) in CRS84 lon/lat → LineString."""
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") != "LineString":
        raise InvalidFeature("route 须为 GeoJSON LineString（CRS84 经纬度） / route must be a GeoJSON LineString "
                             "in CRS84 longitude/latitude", field="route")
    coords = value.get("coordinates")
    if not isinstance(coords, list | tuple) or len(coords) < 2:
        raise InvalidFeature("航线至少需要两个点 / a route needs at least two positions", field="route")
    if len(coords) > MAX_VERTICES:
        raise InvalidFeature(f"航线最多 {MAX_VERTICES} 个点 / at most {MAX_VERTICES} positions", field="route")
    try:
        xy = np.array(coords, dtype=float)
        ok = xy.ndim == 2 and xy.shape[1] in (2, 3)
    except (TypeError, ValueError):
        ok = False
    if ok:
        bad = ~(np.isfinite(xy).all(axis=1) & (np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90))
    else:  # some position is not a list of numbers: find it
        bad = np.array([not (isinstance(p, list | tuple) and len(p) in (2, 3) and all(
            isinstance(c, int | float) and not isinstance(c, bool) for c in p)) for p in coords])
    if bad.any():
        i = int(np.argmax(bad))
        raise InvalidFeature(f"航线第 {i + 1} 个点不是经纬度 / route position {i} is not [lon, lat]: {coords[i]!r}",
                             field="route")
    points = xy[:, :2]
    line = LineString(points)
    if line.length == 0:
        raise InvalidFeature("航线长度为零 / the route has zero length", field="route")
    return line
