"""The layers the rules read on every batch — roads with their speed limits, restricted zones,
dangerous-goods vehicles — loaded from the store once per layer data version and indexed.

`Reference.of(registry)` returns the current set: a layer that is not registered gives an empty
part (no roads: no posted limits; no zones: no entries; no vehicles: nobody is dangerous goods).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from domains.base.measure import to_metres
from domains.road_transport.zones.hours import BannedHours, parse_banned_hours
from layers.errors import LayerNotFound
from layers.model import LayerDefinition
from layers.registry import LayerRegistry
from layers.stores.base import FeatureStore

ROADS = "roads"
ZONES = "rt_restricted_zones"
VEHICLES = "rt_dg_vehicles"
#: A position this close to a road centre line (metres) is on that road.
ON_ROAD_METRES = 50.0
#: Longest segment kept when road lines are projected (degrees, ~0.5 km).
DENSIFY_DEGREES = 0.005


@dataclass(frozen=True)
class RoadIndex:
    """Road sections cut into straight segments in metres (CGCS2000 Gauss–Krüger), with each section's
    limit, for nearest-road matching (nearest searches over short segments are fast)."""

    tree: shapely.STRtree
    #: Section index of each segment in the tree.
    owner: np.ndarray
    speed_limit: np.ndarray  # per section, float, NaN where unknown
    expressway: np.ndarray  # per section, bool
    route_code: list[str | None]
    adcode: list[str | None]

    @classmethod
    def build(cls, features: list[dict[str, Any]]) -> RoadIndex:
        segments, owner = [], []
        for index, feature in enumerate(features):
            # densified first: a long straight lon/lat segment bends once projected
            for part in shapely.get_parts(shapely.segmentize(shape(feature["geometry"]), DENSIFY_DEGREES)):
                xy = to_metres(np.asarray(part.coords, dtype=float)[:, :2])
                if len(xy) < 2:
                    continue
                segments.append(shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1)))
                owner.append(np.full(len(xy) - 1, index, dtype=np.int64))
        props = [f["properties"] for f in features]
        limit = np.array([np.nan if p.get("speed_limit_kmh") is None else float(p["speed_limit_kmh"]) for p in props])
        tree = shapely.STRtree(np.concatenate(segments) if segments else np.empty(0, dtype=object))
        return cls(tree, np.concatenate(owner) if owner else np.empty(0, dtype=np.int64), limit,
                   np.array([p.get("road_class") == "expressway" for p in props], dtype=bool),
                   [p.get("route_code") for p in props], [p.get("adcode") for p in props])

    def match(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Per point, the index of the nearest section within `ON_ROAD_METRES`, or -1."""
        result = np.full(len(lon), -1, dtype=np.int64)
        if len(lon) == 0 or len(self.owner) == 0:
            return result
        first, back = distinct_points(lon, lat)  # parked vehicles repeat their place
        points = shapely.points(to_metres(np.column_stack([lon[first], lat[first]])))
        # the segments within reach, then the nearest of them (faster than a nearest-neighbour search)
        where, segments = self.tree.query(points, predicate="dwithin", distance=ON_ROAD_METRES)
        found = np.full(len(first), -1, dtype=np.int64)
        if where.size:
            distance = shapely.distance(points[where], self.tree.geometries[segments])
            order = np.lexsort((segments, distance, where))
            where, segments = where[order], segments[order]
            nearest = np.ones(len(where), dtype=bool)
            nearest[1:] = where[1:] != where[:-1]
            found[where[nearest]] = self.owner[segments[nearest]]
        return found[back]

    @property
    def lowest_limit(self) -> float:
        """The lowest posted limit on the network (NaN when none is known)."""
        known = self.speed_limit[np.isfinite(self.speed_limit)]
        return float(known.min()) if known.size else float("nan")


def distinct_points(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows holding each distinct place (to 1e-6°, ~0.1 m) and, per row, the index of its place."""
    key = np.round(np.asarray(lon) * 1e6).astype(np.int64) * 1_000_000_000 + np.round(np.asarray(lat) * 1e6).astype(
        np.int64)
    _, first, back = np.unique(key, return_index=True, return_inverse=True)
    return first, back.ravel()


@dataclass(frozen=True)
class Zone:
    zone_id: str
    kind: str
    name_zh: str
    adcode: str | None
    hours: BannedHours


@dataclass(frozen=True)
class ZoneIndex:
    zones: list[Zone]
    tree: shapely.STRtree
    #: Zones whose `banned_hours` could not be read (skipped; reported by the rule).
    unreadable: list[str] = field(default_factory=list)
    #: Each zone's bounding box (minx, miny, maxx, maxy), for a quick first test.
    bounds: list[tuple[float, float, float, float]] = field(default_factory=list)

    @classmethod
    def build(cls, features: list[dict[str, Any]]) -> ZoneIndex:
        zones, polygons, unreadable = [], [], []
        for feature in features:
            p = feature["properties"]
            try:
                hours = parse_banned_hours(p.get("banned_hours") or "")
            except ValueError:
                unreadable.append(str(p.get("zone_id")))
                continue
            zones.append(Zone(str(p["zone_id"]), str(p.get("kind")), str(p.get("name_zh")), p.get("adcode"), hours))
            polygons.append(shape(feature["geometry"]))
        return cls(zones, shapely.STRtree(polygons), unreadable, [tuple(p.bounds) for p in polygons])

    def hits(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point index, zone index) for every point inside (or on the edge of) a zone."""
        if len(lon) == 0 or not self.zones:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        lon, lat = np.asarray(lon), np.asarray(lat)
        near = np.flatnonzero(self._near(lon, lat))  # inside some zone's bounding box: few of them
        if near.size == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        rows, zones = self._hits(lon[near], lat[near])
        return near[rows], zones

    def _near(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        mask = np.zeros(len(lon), dtype=bool)
        for minx, miny, maxx, maxy in self.bounds:
            mask |= (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)
        return mask

    def _hits(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        first, back = distinct_points(lon, lat)
        where, zones = self.tree.query(shapely.points(lon[first], lat[first]), predicate="intersects")
        # expand the (distinct point, zone) pairs to every row at that point
        order = np.argsort(where, kind="stable")
        where, zones = where[order], zones[order]
        lo = np.searchsorted(where, np.arange(len(first)), side="left")
        per_row = (np.searchsorted(where, np.arange(len(first)), side="right") - lo)[back]
        rows = np.repeat(np.arange(len(lon)), per_row)
        offset = np.arange(len(rows)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
        return rows.astype(np.int64), zones[lo[back[rows]] + offset].astype(np.int64)


@dataclass(frozen=True)
class Vehicle:
    fid: int
    plate: str
    enterprise_code: str | None
    adcode: str | None
    last_seen_ms: int | None


@dataclass(frozen=True)
class Reference:
    roads: RoadIndex | None
    zones: ZoneIndex | None
    vehicles: dict[str, Vehicle]

    @classmethod
    def of(cls, registry: LayerRegistry) -> Reference:
        return _CACHE.get(registry)

    def is_dangerous_goods(self, plates: np.ndarray) -> np.ndarray:
        """Per row: whether the plate is a registered dangerous-goods vehicle."""
        if len(plates) == 0:
            return np.zeros(0, dtype=bool)
        names, codes = np.unique(np.asarray(plates).astype(str), return_inverse=True)
        known = np.array([name in self.vehicles for name in names.tolist()], dtype=bool)
        return known[codes.ravel()]


class _ReferenceCache:
    """Per store: each part rebuilt only when its layer's data version moves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: weakref.WeakKeyDictionary[FeatureStore, dict[str, tuple[int, Any]]] = weakref.WeakKeyDictionary()

    def get(self, registry: LayerRegistry) -> Reference:
        store = registry.store
        versions = store.layer_versions()
        with self._lock:
            parts = self._parts.setdefault(store, {})
        roads = self._part(registry, parts, versions, ROADS, RoadIndex.build)
        zones = self._part(registry, parts, versions, ZONES, ZoneIndex.build)
        vehicles = self._part(registry, parts, versions, VEHICLES, _vehicles)
        return Reference(roads, zones, vehicles or {})

    def _part(self, registry: LayerRegistry, parts: dict[str, tuple[int, Any]], versions: dict[str, int],
              layer_id: str, build: Any) -> Any:
        version = versions.get(layer_id)
        if version is None:
            return None
        cached = parts.get(layer_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        try:
            layer = registry.get(layer_id)
        except LayerNotFound:
            return None
        value = build(_features(registry.store, layer))
        with self._lock:
            parts[layer_id] = (version, value)
        return value


def _features(store: FeatureStore, layer: LayerDefinition) -> list[dict[str, Any]]:
    return [{"id": f.fid, "geometry": f.geometry, "properties": f.properties}
            for page in store.iter_records(layer) for f in page if f.geometry is not None]


def _vehicles(features: list[dict[str, Any]]) -> dict[str, Vehicle]:
    result = {}
    for feature in features:
        p = feature["properties"]
        seen = p.get("last_seen_at")
        result[str(p["plate"])] = Vehicle(int(feature["id"]), str(p["plate"]), p.get("enterprise_code"),
                                          p.get("adcode"), None if seen is None else int(seen.timestamp() * 1000))
    return result


_CACHE = _ReferenceCache()
