"""Services over the road network: shortest paths, nearest emergency resources, permit route checks.

- `GET /network/route?from=…&to=…` — each end `lon,lat` (CRS84) or a reference `G12 K100+000`
  → a GeoJSON Feature: the shortest path by length (CRS84 line), its length and travel time at
  the speed limits; 404 when no road path joins them;
- `GET /expressway/events/{fid}/resources?k=5[&resource_type=]` and
  `GET /expressway/resources/nearest?route=&stake=` (or `ref=`, or `lon=&lat=`) — the k nearest
  emergency stores and rescue teams along the roads, with estimated arrival times (GeoJSON);
- `POST /permits/applications/{fid}/check` — runs the oversize-permit route check now, records
  it on the application (write role on `per_oversize_applications`) and returns the result.

The work is `domains.base.network`, `domains.expressway.nearest` and `domains.permits.rules`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.datastructures import QueryParams
from starlette.responses import Response

from domains.base.linear_ref import MalformedReference, Position, parse_reference, road_index
from domains.base.network import road_network
from domains.expressway.nearest import (
    ACCESS_SPEED_KMH,
    ARRIVAL_SPEED_FACTOR,
    DEFAULT_K,
    EVENTS_LAYER,
    MAX_ACCESS_M,
    MAX_K,
    RESOURCE_LAYERS,
    event_origin,
    nearest_resources,
)
from domains.permits.rules import APPLICATIONS_LAYER, check_application
from gis_server.links import JSON
from gis_server.params import reject_unknown
from gis_server.problems import ApiProblem
from gis_server.routers.linear_referencing import authorize_roads, geojson, number, off_loop, reference_of
from gis_server.security import authorize_read, authorize_write
from gis_server.state import services
from layers.errors import FeatureNotFound, InvalidQuery, LayerNotFound
from layers.query import OutputCrs

router = APIRouter()


def _feature_id(layer_id: str, value: str) -> int:
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise FeatureNotFound(f"图层 {layer_id} 中没有要素 {value!r} / no feature {value!r}")
    return int(value)


def _layer(request: Request, layer_id: str) -> Any:
    try:
        return services(request).registry.get(layer_id)
    except LayerNotFound as exc:
        raise ApiProblem(404, "图层未装载 / Layer not loaded", exc.message) from exc


def _end(request: Request, params: QueryParams, name: str) -> Position:
    text = params.get(name)
    if not text:
        raise InvalidQuery(f"缺少参数 {name} / parameter {name!r} is required", parameter=name)
    index = road_index(services(request).registry)
    parts = text.split(",")
    if len(parts) == 2:
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except ValueError:
            raise InvalidQuery(f"{name} 须为 lon,lat 或 路线+桩号 / {name!r} must be lon,lat or e.g. G12 K100+000",
                               parameter=name) from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidQuery(f"{name} 坐标越界 / {name!r} out of range", parameter=name)
        return index.measure(lon, lat, max_distance_m=MAX_ACCESS_M)
    try:
        route, stake = parse_reference(text, parameter=name)
    except MalformedReference:
        raise InvalidQuery(f"{name} 须为 lon,lat 或 路线+桩号 / {name!r} must be lon,lat or e.g. G12 K100+000",
                           parameter=name) from None
    return index.position(route, stake)


@router.get("/network/route", include_in_schema=False)
async def network_route(request: Request) -> Response:
    params = request.query_params
    reject_unknown(params, ("from", "to"))
    authorize_roads(request)

    def work() -> dict[str, Any]:
        origin, target = _end(request, params, "from"), _end(request, params, "to")
        path = road_network(services(request).registry).path(origin, target)
        if path is None:
            raise ApiProblem(404, "未找到 / Not found", "两点之间没有道路相通 / no road path joins the two places")
        return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": path.coordinates().tolist()},
                "properties": {"distance_m": round(path.distance_m, 1), "travel_time_min": round(path.time_s / 60, 1),
                               "via_routes": path.route_codes(), "from": origin.as_dict(), "to": target.as_dict()}}

    return geojson(await off_loop(work))


def _k(params: QueryParams) -> int:
    value = number(params, "k", low=1, high=MAX_K, required=False)
    if value is not None and not value.is_integer():
        raise InvalidQuery(f"k 须为 1–{MAX_K} 的整数 / k must be an integer 1–{MAX_K}", parameter="k")
    return DEFAULT_K if value is None else int(value)


def _authorize_resources(request: Request) -> None:
    registry = services(request).registry
    present = 0
    for layer_id in RESOURCE_LAYERS:
        try:
            layer = registry.get(layer_id)
        except LayerNotFound:
            continue
        authorize_read(request, layer)
        present += 1
    if not present:
        raise ApiProblem(409, "图层未装载 / Layer not loaded",
                         "应急资源图层未装载 / no emergency resource layer is loaded")


def _resources_body(request: Request, origin: Position, k: int, resource_type: str | None,
                    extra: dict[str, Any]) -> dict[str, Any]:
    reaches = nearest_resources(services(request).registry, origin, k, resource_type)
    return {"type": "FeatureCollection", "numberReturned": len(reaches),
            "origin": {**origin.as_dict(), "lon": origin.lon, "lat": origin.lat, **extra},
            "arrival": {"speed_factor": ARRIVAL_SPEED_FACTOR, "access_speed_kmh": ACCESS_SPEED_KMH},
            "features": [reach.feature() for reach in reaches]}


@router.get("/expressway/events/{fid}/resources", include_in_schema=False)
async def event_resources(request: Request, fid: str) -> Response:
    params = request.query_params
    reject_unknown(params, ("k", "resource_type"))
    events = authorize_read(request, _layer(request, EVENTS_LAYER))
    feature_id, k = _feature_id(EVENTS_LAYER, fid), _k(params)
    if events.row_filter is not None:  # an event outside the caller's region is not there for them
        await off_loop(services(request).store.get, events, feature_id, OutputCrs(4490))
    _authorize_resources(request)

    def work() -> dict[str, Any]:
        origin, props = event_origin(services(request).registry, feature_id)
        return _resources_body(request, origin, k, params.get("resource_type"),
                               {"event_fid": feature_id, "event_no": props.get("event_no")})

    return geojson(await off_loop(work))


@router.get("/expressway/resources/nearest", include_in_schema=False)
async def nearest(request: Request) -> Response:
    params = request.query_params
    reject_unknown(params, ("route", "stake", "ref", "lon", "lat", "k", "resource_type"))
    k = _k(params)
    by_point = params.get("lon") is not None or params.get("lat") is not None
    lon = number(params, "lon", low=-180, high=180, required=by_point)
    lat = number(params, "lat", low=-90, high=90, required=by_point)
    route, stake = ("", 0.0) if by_point else reference_of(params)
    authorize_roads(request)
    _authorize_resources(request)

    def work() -> dict[str, Any]:
        index = road_index(services(request).registry)
        if lon is not None and lat is not None:
            origin = index.measure(lon, lat, max_distance_m=MAX_ACCESS_M)
        else:
            origin = index.position(route, stake)
        return _resources_body(request, origin, k, params.get("resource_type"), {})

    return geojson(await off_loop(work))


@router.post("/permits/applications/{fid}/check", include_in_schema=False)
async def check_permit(request: Request, fid: str) -> Response:
    reject_unknown(request.query_params, ())
    layer = _layer(request, APPLICATIONS_LAYER)
    authorize_write(request, layer)
    feature_id = _feature_id(APPLICATIONS_LAYER, fid)
    report = await off_loop(check_application, services(request).registry, feature_id, datetime.now(UTC))
    return Response(orjson.dumps(report.as_dict()), media_type=JSON)
