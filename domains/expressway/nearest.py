"""The nearest emergency resources (应急资源) to an expressway event, by distance along the road network.

Resources are the features of `exp_emergency_stores` (应急物资库) and `exp_rescue_teams` (救援队伍),
each placed by `route_code` + `stake_m` (and a point, possibly off the road). A resource reaches
the event along the roads (`domains.base.network`), never in a straight line; resources with no
road path to the event, or farther than `MAX_ACCESS_M` from the road, are left out.

Estimated arrival time (预计到达时间) = time along the path at the sections' speed limits divided
by `ARRIVAL_SPEED_FACTOR` (vehicles average 80 % of the limit over a trip: ramps, junctions,
traffic), plus the off-road stretches (depot ↔ road, road ↔ event) at `ACCESS_SPEED_KMH`.
May import: `layers`, `domains.base`, `domains.framework`; never `gis_server`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from domains.base.linear_ref import Position, RoadIndex, road_index
from domains.base.measure import geod
from domains.base.network import NetworkPath, road_network
from layers.errors import InvalidQuery, LayerNotFound
from layers.query import OutputCrs
from layers.registry import LayerRegistry

EVENTS_LAYER = "exp_events"
RESOURCE_LAYERS = ("exp_emergency_stores", "exp_rescue_teams")
#: Share of the speed limit an emergency vehicle averages over a trip.
ARRIVAL_SPEED_FACTOR = 0.8
#: Speed (km/h) over the off-road stretch between a depot or an event and its road point.
ACCESS_SPEED_KMH = 30.0
#: A resource or event farther than this (m) from its road point is not reachable by road.
MAX_ACCESS_M = 5000.0
STORAGE_LONLAT = OutputCrs(4490, lat_first=False)
DEFAULT_K = 5
MAX_K = 50


@dataclass(frozen=True, slots=True)
class Resource:
    layer_id: str
    fid: int
    properties: Mapping[str, Any]
    lon: float | None
    lat: float | None

    @property
    def name_zh(self) -> str:
        return str(self.properties.get("name_zh") or f"{self.layer_id}/{self.fid}")


@dataclass(frozen=True, slots=True)
class ResourceReach:
    """A resource that can reach the origin: how far along the roads and how soon."""

    resource: Resource
    position: Position
    path: NetworkPath
    access_m: float
    straight_m: float

    @property
    def distance_m(self) -> float:
        return self.path.distance_m + self.access_m

    @property
    def travel_time_s(self) -> float:
        return self.path.time_s / ARRIVAL_SPEED_FACTOR + self.access_m / (ACCESS_SPEED_KMH / 3.6)

    def properties(self) -> dict[str, Any]:
        r = self.resource
        return {
            "layer": r.layer_id, "fid": r.fid, "name_zh": r.name_zh,
            "resource_type": r.properties.get("resource_type"), "route_code": r.properties.get("route_code"),
            "stake_m": r.properties.get("stake_m"), "adcode": r.properties.get("adcode"),
            "reference": self.position.as_dict()["reference"],
            "network_distance_m": round(self.distance_m, 1), "road_distance_m": round(self.path.distance_m, 1),
            "access_m": round(self.access_m, 1), "straight_distance_m": round(self.straight_m, 1),
            "travel_time_min": round(self.travel_time_s / 60.0, 1), "via_routes": self.path.route_codes(),
        }

    def feature(self) -> dict[str, Any]:
        lon, lat = (self.resource.lon, self.resource.lat) if self.resource.lon is not None else self.position.lonlat
        return {"type": "Feature", "id": f"{self.resource.layer_id}.{self.resource.fid}",
                "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": self.properties()}


def _point(geometry: Mapping[str, Any] | None) -> tuple[float | None, float | None]:
    if geometry and geometry.get("type") == "Point":
        lon, lat = geometry["coordinates"][:2]
        return float(lon), float(lat)
    return None, None


def place(index: RoadIndex, properties: Mapping[str, Any], lon: float | None, lat: float | None) -> Position | None:
    """Where a feature lies on the network: at its route + stake when they are valid, else at the
    road point nearest to its geometry; None when neither places it within `MAX_ACCESS_M`."""
    route, stake = properties.get("route_code"), properties.get("stake_m")
    if route and stake is not None:
        try:
            position = index.position(str(route), float(stake))
        except InvalidQuery:  # unknown route, stake off the road, malformed code
            position = None
        if position is not None:
            if lon is None or lat is None:
                return position
            offset = float(geod().inv(lon, lat, position.lon, position.lat)[2])
            return Position(position.route_code, position.stake_m, offset, 0, position.section, position.s,
                            position.lon, position.lat) if offset <= MAX_ACCESS_M else None
    if lon is None or lat is None:
        return None
    try:
        return index.measure(lon, lat, max_distance_m=MAX_ACCESS_M)
    except InvalidQuery:
        return None


def load_resources(registry: LayerRegistry, layer_ids: Iterable[str] = RESOURCE_LAYERS) -> list[Resource]:
    """Every resource feature of the given layers (layers not registered contribute nothing)."""
    found: list[Resource] = []
    for layer_id in layer_ids:
        try:
            layer = registry.get(layer_id)
        except LayerNotFound:
            continue
        for batch in registry.store.iter_records(layer):
            for feature in batch:
                found.append(Resource(layer_id, feature.fid, feature.properties, *_point(feature.geometry)))
    return found


def nearest_resources(registry: LayerRegistry, origin: Position, k: int = DEFAULT_K,
                      resource_type: str | None = None) -> list[ResourceReach]:
    """The k resources nearest to `origin` along the road network, nearest first."""
    if not 1 <= k <= MAX_K:
        raise InvalidQuery(f"k 须在 1 到 {MAX_K} 之间 / k must be 1–{MAX_K}", parameter="k")
    index, network = road_index(registry), road_network(registry)
    candidates = [r for r in load_resources(registry)
                  if resource_type is None or r.properties.get("resource_type") == resource_type]
    placed = [(r, place(index, r.properties, r.lon, r.lat)) for r in candidates]
    placed = [(r, p) for r, p in placed if p is not None]
    paths = network.paths_from(origin, [p for _, p in placed])
    reaches = []
    for (resource, position), path in zip(placed, paths, strict=True):
        if path is None:
            continue
        straight = 0.0
        if resource.lon is not None and resource.lat is not None:
            straight = float(geod().inv(origin.lon, origin.lat, resource.lon, resource.lat)[2])
        reaches.append(ResourceReach(resource, position, path, origin.offset_m + position.offset_m, straight))
    reaches.sort(key=lambda r: (r.distance_m, r.travel_time_s, r.resource.layer_id, r.resource.fid))
    return reaches[:k]


def event_origin(registry: LayerRegistry, fid: int) -> tuple[Position, dict[str, Any]]:
    """An event's place on the network (by route + stake, else by its point) and its properties."""
    feature = registry.store.get(registry.get(EVENTS_LAYER), fid, STORAGE_LONLAT)
    lon, lat = _point(feature.geometry)
    position = place(road_index(registry), feature.properties, lon, lat)
    if position is None:
        raise InvalidQuery(f"事件 {fid} 不在路网附近 / event {fid} is not on or near the road network",
                           parameter="fid")
    return position, dict(feature.properties)
