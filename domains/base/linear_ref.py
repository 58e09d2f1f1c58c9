"""Linear referencing (线性参照) over the stored `roads` layer: route + stake ⇄ coordinate.

A stake (桩号) is metres from the route's origin, written `K1023+500` (kilometres + metres) and
with the route code `G12 K1023+500`. Each `roads` section carries `start_stake_m`/`end_stake_m`;
a point inside a section gets `start + s`, where `s` is the geodesic distance (CGCS2000
ellipsoid) along the section from its start — the way `domains.base.roads` numbered the samples.
A section whose geodesic length `L` differs from `end − start` by more than `CALIBRATE_ABOVE_M`
(real data: broken chains 断链, re-measured roads) is calibrated instead: `start + s · (end −
start) / L`. Between vertices points are interpolated linearly in lon/lat, as `measure.point_at`
does, so a point and its stake convert back and forth exactly.

`RoadIndex` is built from the features of `roads` (`from_features`, or `road_index(registry)`,
which keeps one index per store and rebuilds it when the layer's data version moves; anything
derived from the roads — the network graph — can be cached beside it with `roads_derived`).
May import: `layers`, `domains.base.measure`/`geography`; never `gis_server`.
"""

from __future__ import annotations

import bisect
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, shape
from shapely.strtree import STRtree

from domains.base.geography import PROJECTED_EPSG
from domains.base.measure import chainage, geod
from layers.crs import transformer
from layers.errors import InvalidQuery, LayerNotFound, OneMapError
from layers.registry import LayerRegistry
from layers.stores.base import FeatureStore

ROADS_LAYER = "roads"
#: Fields a roads layer needs for linear referencing (`speed_limit_kmh` is optional).
REQUIRED_FIELDS = ("section_code", "route_code", "start_stake_m", "end_stake_m")
#: Speed assumed for a section with no speed limit (km/h).
DEFAULT_SPEED_KMH = 60
#: A section whose geodesic length differs from `end − start` by more than this (m) is calibrated
#: (stakes scaled to fit its range); below it the difference is the rounding of the stake labels.
CALIBRATE_ABOVE_M = 1.0

ROUTE_CODE = re.compile(r"^[A-Za-z]\d{1,5}$")
STAKE = re.compile(r"^[Kk]\s*(\d{1,5})\s*\+\s*(\d{3}(?:\.\d+)?)$")
REFERENCE = re.compile(r"^([A-Za-z]\d{1,5})\s*([Kk].*)$")


class MalformedReference(InvalidQuery):
    """A route code or stake that does not follow the notation (400)."""


class UnknownRoute(InvalidQuery):
    """No section of the roads layer carries the route code (404 at the API)."""


class StakeOutOfRange(InvalidQuery):
    """The stake lies outside every section of the route (400); the message gives the valid range."""


class NoRoadNearby(InvalidQuery):
    """No road (of the asked route) lies within the maximum distance of a point (404 at the API)."""


class RoadsUnavailable(OneMapError):
    """The roads layer is missing, empty or lacks the stake fields (409 at the API)."""


# -- notation ----------------------------------------------------------------------------------
def normalise_route(code: str, parameter: str = "route") -> str:
    text = code.strip()
    if not ROUTE_CODE.match(text):
        raise MalformedReference(f"路线编码格式错误 / malformed route code {code!r} (expected e.g. G12, S206)",
                                 parameter=parameter)
    return text.upper()


def parse_stake(text: str, parameter: str = "stake") -> float:
    """`K1023+500` / `k1023+500.5` → metres (1023500.0 / 1023500.5)."""
    match = STAKE.match(text.strip())
    if not match:
        raise MalformedReference(f"桩号格式错误 / malformed stake {text!r}: expected K<km>+<mmm>, e.g. K1023+500",
                                 parameter=parameter)
    return int(match.group(1)) * 1000 + float(match.group(2))


def parse_reference(text: str, parameter: str = "ref") -> tuple[str, float]:
    """`G12 K1023+500` → ("G12", 1023500.0)."""
    match = REFERENCE.match(text.strip())
    if not match:
        raise MalformedReference(f"路线桩号格式错误 / malformed reference {text!r}: expected e.g. G12 K1023+500",
                                 parameter=parameter)
    return normalise_route(match.group(1), parameter), parse_stake(match.group(2), parameter)


def format_stake(stake_m: float, decimals: int = 0) -> str:
    """1023500.4 → `K1023+500` (decimals=0) or `K1023+500.4` (decimals=1)."""
    value = round(float(stake_m), decimals)
    km, metres = divmod(value, 1000.0)
    if round(metres, decimals) >= 1000:  # 999.96 rounds up into the next kilometre
        km, metres = km + 1, 0.0
    text = f"{metres:0{4 + decimals if decimals else 3}.{decimals}f}"
    return f"K{int(km)}+{text}"


def format_reference(route_code: str, stake_m: float, decimals: int = 0) -> str:
    return f"{route_code} {format_stake(stake_m, decimals)}"


# -- sections ----------------------------------------------------------------------------------
def to_metres(lonlat: np.ndarray) -> np.ndarray:
    x, y = transformer(4490, PROJECTED_EPSG).transform(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])


@dataclass(frozen=True, slots=True, eq=False)
class Section:
    """One road section: lon/lat vertices, geodesic chainage at each, and its stake range."""

    index: int
    section_code: str
    route_code: str
    start_stake_m: float
    end_stake_m: float
    speed_limit_kmh: float
    coords: np.ndarray
    cum: np.ndarray

    @property
    def length_m(self) -> float:
        return float(self.cum[-1])

    @property
    def scale(self) -> float:
        """Stake metres per geodesic metre: 1, unless the nominal length is off by more than the
        rounding of the stake labels (then the section is calibrated to its stake range)."""
        nominal = self.end_stake_m - self.start_stake_m
        if self.length_m <= 0 or abs(nominal - self.length_m) <= CALIBRATE_ABOVE_M:
            return 1.0
        return nominal / self.length_m

    def stake_at(self, s: float) -> float:
        return min(max(self.start_stake_m + s * self.scale, self.start_stake_m), self.end_stake_m)

    def s_at(self, stake_m: float) -> float:
        return (stake_m - self.start_stake_m) / self.scale

    def point(self, s: float) -> tuple[float, float]:
        """The lon/lat at geodesic distance `s` from the section's start (clamped)."""
        s = min(max(s, 0.0), self.length_m)
        i = min(max(int(np.searchsorted(self.cum, s, side="right")) - 1, 0), len(self.coords) - 2)
        span = self.cum[i + 1] - self.cum[i]
        f = 0.0 if span <= 0 else (s - self.cum[i]) / span
        lon, lat = self.coords[i] + f * (self.coords[i + 1] - self.coords[i])
        return float(lon), float(lat)

    def piece(self, s0: float, s1: float) -> np.ndarray:
        """Vertices from distance s0 to s1 (reversed when s1 < s0), end points interpolated."""
        lo, hi = sorted((min(max(s0, 0.0), self.length_m), min(max(s1, 0.0), self.length_m)))
        inner = self.coords[(self.cum > lo) & (self.cum < hi)]
        out = np.vstack([[self.point(lo)], inner, [self.point(hi)]])
        return out[::-1] if s1 < s0 else out

    def nearest(self, lon: float, lat: float) -> tuple[float, float, float, float, int]:
        """(s, distance m, lon, lat, side) of the section point nearest to (lon, lat); side +1 = left
        of the direction of increasing stake, −1 = right, 0 = on the line."""
        scale = np.cos(np.radians(lat))
        a = self.coords[:-1] * [scale, 1.0]
        ab = self.coords[1:] * [scale, 1.0] - a
        p = np.array([lon * scale, lat])
        denom = np.einsum("ij,ij->i", ab, ab)
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.where(denom > 0, denom, 1.0), 0.0, 1.0)
        near = a + ab * t[:, None]
        i = int(np.argmin(np.einsum("ij,ij->i", near - p, near - p)))
        s = float(self.cum[i] + t[i] * (self.cum[i + 1] - self.cum[i]))
        near_lon, near_lat = float(near[i][0] / scale), float(near[i][1])
        distance = float(geod().inv(lon, lat, near_lon, near_lat)[2])
        cross = ab[i][0] * (p[1] - near[i][1]) - ab[i][1] * (p[0] - near[i][0])
        return s, distance, near_lon, near_lat, int(np.sign(cross)) if distance > 0.01 else 0


@dataclass(frozen=True, slots=True)
class Position:
    """Where a point lies along the network: route, stake, offset, the foot point on the road."""

    route_code: str
    stake_m: float
    offset_m: float
    side: int
    section: Section
    s: float
    lon: float
    lat: float

    @property
    def lonlat(self) -> tuple[float, float]:
        return self.lon, self.lat

    def as_dict(self) -> dict[str, Any]:
        return {
            "route": self.route_code, "stake_m": round(self.stake_m, 1), "stake": format_stake(self.stake_m),
            "reference": format_reference(self.route_code, self.stake_m), "offset_m": round(self.offset_m, 1),
            "side": {1: "left", -1: "right", 0: "on"}[self.side], "section_code": self.section.section_code,
        }


def _coords_of(geometry: Mapping[str, Any]) -> np.ndarray:
    """A section's vertices in stake order (the parts of a multi-line, joined where they touch)."""
    parts = shapely.get_parts(shape(geometry))
    if len(parts) > 1:
        parts = shapely.get_parts(shapely.line_merge(shapely.MultiLineString(list(parts)), directed=True))
    return np.vstack([np.asarray(g.coords, dtype=float)[:, :2] for g in parts])


@dataclass(slots=True)
class RoadIndex:
    """Every section of the roads layer, searchable by route + stake and by coordinate."""

    sections: list[Section]
    by_route: dict[str, list[Section]] = field(init=False)
    _starts: dict[str, list[float]] = field(init=False)
    _trees: dict[str | None, tuple[STRtree, list[Section]]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_route = {}
        for section in sorted(self.sections, key=lambda s: (s.route_code, s.start_stake_m)):
            self.by_route.setdefault(section.route_code, []).append(section)
        self._starts = {code: [s.start_stake_m for s in items] for code, items in self.by_route.items()}
        metric = [LineString(to_metres(s.coords)) for s in self.sections]
        self._trees = {None: (STRtree(metric), self.sections)}
        for code, items in self.by_route.items():
            self._trees[code] = (STRtree([metric[s.index] for s in items]), items)

    @classmethod
    def from_features(cls, features: Iterable[tuple[Mapping[str, Any] | None, Mapping[str, Any]]]) -> RoadIndex:
        """(GeoJSON geometry in lon/lat, properties) pairs → an index; sections lacking a stake are skipped."""
        sections: list[Section] = []
        for geometry, props in features:
            if not geometry or props.get("route_code") is None or props.get("start_stake_m") is None \
                    or props.get("end_stake_m") is None:
                continue
            coords = _coords_of(geometry)
            if len(coords) < 2:
                continue
            speed = props.get("speed_limit_kmh") or DEFAULT_SPEED_KMH
            sections.append(Section(len(sections), str(props.get("section_code") or ""),
                                    str(props["route_code"]).upper(), float(props["start_stake_m"]),
                                    float(props["end_stake_m"]), float(speed), coords, chainage(coords)))
        if not sections:
            raise RoadsUnavailable("路网图层没有带桩号的路段 / the roads layer holds no sections with stakes")
        return cls(sections)

    # -- route + stake → coordinate -------------------------------------------------------------
    def route(self, route_code: str) -> list[Section]:
        code = normalise_route(route_code)
        found = self.by_route.get(code)
        if found is None:
            raise UnknownRoute(f"路线 {code} 不存在 / unknown route {code}", parameter="route")
        return found

    def route_range(self, route_code: str) -> tuple[float, float]:
        items = self.route(route_code)
        return min(s.start_stake_m for s in items), max(s.end_stake_m for s in items)

    def section_at(self, route_code: str, stake_m: float) -> Section:
        items = self.route(route_code)
        i = bisect.bisect_right(self._starts[items[0].route_code], stake_m) - 1
        for section in items[max(i - 1, 0):i + 1]:
            if section.start_stake_m <= stake_m <= section.end_stake_m:
                return section
        lo, hi = self.route_range(route_code)
        raise StakeOutOfRange(
            f"桩号 {format_stake(stake_m, 1)} 超出路线 {items[0].route_code} 的范围 {format_stake(lo)}—"
            f"{format_stake(hi)} / stake outside the route's range {lo:.0f}–{hi:.0f} m", parameter="stake")

    def locate(self, route_code: str, stake_m: float) -> tuple[float, float]:
        """The lon/lat (EPSG:4490) of a stake on a route."""
        return self.position(route_code, stake_m).lonlat

    def position(self, route_code: str, stake_m: float) -> Position:
        """A stake on a route as a network position (offset 0)."""
        section = self.section_at(route_code, stake_m)
        s = section.s_at(stake_m)
        lon, lat = section.point(s)
        return Position(section.route_code, float(stake_m), 0.0, 0, section, s, lon, lat)

    def line_between(self, route_code: str, from_stake_m: float, to_stake_m: float) -> np.ndarray:
        """The road's vertices from one stake to another (reversed when from > to), lon/lat."""
        lo, hi = sorted((from_stake_m, to_stake_m))
        first, last = self.section_at(route_code, lo), self.section_at(route_code, hi)
        parts = []
        for section in self.route(route_code):
            if section.end_stake_m < first.start_stake_m or section.start_stake_m > last.end_stake_m:
                continue
            s0 = section.s_at(max(lo, section.start_stake_m))
            s1 = section.s_at(min(hi, section.end_stake_m))
            if s1 > s0 or not parts:
                parts.append(section.piece(s0, s1))
        coords = np.vstack(parts)
        keep = np.ones(len(coords), dtype=bool)
        keep[1:] = np.any(np.abs(np.diff(coords, axis=0)) > 1e-9, axis=1)
        coords = coords[keep]
        return coords[::-1] if to_stake_m < from_stake_m else coords

    # -- coordinate → route + stake -------------------------------------------------------------
    def measure(self, lon: float, lat: float, route_code: str | None = None,
                max_distance_m: float | None = None) -> Position:
        """The nearest road point (of `route_code`, if given) to (lon, lat): route, stake, offset."""
        code = None if route_code is None else self.route(route_code)[0].route_code
        tree, items = self._trees[code]
        probe = Point(to_metres(np.array([[lon, lat]]))[0])
        # projected distances are within 0.2 % of geodesic ones here: pick candidates generously
        limit = None if max_distance_m is None else max_distance_m * 1.01 + 5.0
        nearest = tree.query_nearest(probe, max_distance=limit, return_distance=True)
        if len(nearest[0]) == 0:
            raise NoRoadNearby(f"{max_distance_m:g} 米内没有道路 / no road within {max_distance_m:g} m"
                               + (f" on route {code}" if code else ""), parameter="max_distance")
        reach = float(nearest[1][0]) * 1.01 + 5.0
        best: Position | None = None
        for i in tree.query(probe, predicate="dwithin", distance=reach):
            section = items[int(i)]
            s, distance, near_lon, near_lat, side = section.nearest(lon, lat)
            if best is None or distance < best.offset_m:
                best = Position(section.route_code, section.stake_at(s), distance, side, section, s, near_lon, near_lat)
        assert best is not None
        if max_distance_m is not None and best.offset_m > max_distance_m:
            raise NoRoadNearby(f"{max_distance_m:g} 米内没有道路 / no road within {max_distance_m:g} m",
                               parameter="max_distance")
        return best


# -- the per-store cache -----------------------------------------------------------------------
@dataclass(slots=True)
class _Slot:
    version: int
    values: dict[str, Any]


_CACHE: weakref.WeakKeyDictionary[FeatureStore, _Slot] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _load(registry: LayerRegistry) -> RoadIndex:
    try:
        layer = registry.get(ROADS_LAYER)
    except LayerNotFound:
        raise RoadsUnavailable("路网图层 roads 未注册 / the roads layer is not registered") from None
    missing = [name for name in REQUIRED_FIELDS if layer.field(name) is None]
    if missing:
        raise RoadsUnavailable(f"路网图层缺少字段 {', '.join(missing)} / the roads layer lacks fields {missing}")
    features = ((f.geometry, f.properties) for batch in registry.store.iter_records(layer) for f in batch)
    return RoadIndex.from_features(features)


def roads_derived[T](registry: LayerRegistry, key: str, build: Callable[[RoadIndex], T]) -> T:
    """A value built from the road index, cached per store until the roads layer's data version moves."""
    store = registry.store
    version = store.layer_versions().get(ROADS_LAYER)
    if version is None:
        raise RoadsUnavailable("路网图层 roads 未注册 / the roads layer is not registered")
    with _LOCK:
        slot = _CACHE.get(store)
        if slot is None or slot.version != version:
            slot = _Slot(version, {})
            _CACHE[store] = slot
        if "index" not in slot.values:
            slot.values["index"] = _load(registry)
        if key not in slot.values:
            slot.values[key] = build(slot.values["index"])
        return slot.values[key]


def road_index(registry: LayerRegistry) -> RoadIndex:
    """The road index of the registry's store, rebuilt when the roads layer changes."""
    return roads_derived(registry, "index", lambda index: index)
