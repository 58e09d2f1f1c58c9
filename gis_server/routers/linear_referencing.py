"""Linear referencing (线性参照) over the stored roads: route + stake ⇄ coordinate.

- `GET /linear-referencing/locate?route=G12&stake=K1023%2B500` (or `?ref=G12 K1023+500`; `crs` as
  the Features endpoints take it) → a GeoJSON Feature: the point, its route, stake and section;
- `GET /linear-referencing/measure?lon=&lat=[&route=][&max_distance=]` (lon/lat in CRS84 / CGCS2000)
  → a GeoJSON Feature: the nearest road point (CRS84), its route, the stake in metres and in
  `K…+…` notation, the offset (m) and the side of the road.

Errors: malformed notation, a stake outside the route (the message gives the valid range) → 400;
unknown route, no road within `max_distance` → 404; roads layer missing or without stakes → 409.
The work is `domains.base.linear_ref`; the road index is cached per `roads` data version.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from fastapi import APIRouter, Request
from shapely.geometry import Point
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.responses import Response

from domains.base.linear_ref import (
    ROADS_LAYER,
    NoRoadNearby,
    RoadsUnavailable,
    UnknownRoute,
    format_reference,
    format_stake,
    normalise_route,
    parse_reference,
    parse_stake,
    road_index,
)
from gis_server.links import GEOJSON
from gis_server.params import reject_unknown
from gis_server.problems import ApiProblem
from gis_server.security import authorize_read
from gis_server.state import services
from layers.crs import ServedCrs, reproject, served_crs, swap_axes
from layers.errors import InvalidQuery, LayerNotFound

router = APIRouter()


@contextmanager
def network_problems() -> Iterator[None]:
    """Map the road-network errors that are not plain bad parameters to their statuses."""
    try:
        yield
    except (UnknownRoute, NoRoadNearby) as exc:
        raise ApiProblem(404, "未找到 / Not found", exc.message, parameter=exc.parameter) from exc
    except RoadsUnavailable as exc:
        raise ApiProblem(409, "路网不可用 / Road network unavailable", exc.message) from exc
    except LayerNotFound as exc:
        raise ApiProblem(409, "图层未装载 / Layer not loaded", exc.message) from exc


async def off_loop[T](fn: Callable[..., T], *args: Any) -> T:
    """Run store and geometry work in a thread, with the network errors mapped."""
    with network_problems():
        return await run_in_threadpool(fn, *args)


def authorize_roads(request: Request) -> None:
    try:
        layer = services(request).registry.get(ROADS_LAYER)
    except LayerNotFound as exc:
        raise ApiProblem(409, "路网不可用 / Road network unavailable", exc.message) from exc
    authorize_read(request, layer)


def number(params: QueryParams, name: str, *, low: float, high: float, required: bool = True) -> float | None:
    """A finite number within [low, high] from the query, or None when absent and optional."""
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise InvalidQuery(f"缺少参数 {name} / parameter {name!r} is required", parameter=name)
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InvalidQuery(f"参数 {name} 须为数值 / {name!r} must be a number", parameter=name) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidQuery(f"参数 {name} 须在 {low:g}–{high:g} 之间 / {name!r} must be within {low:g}–{high:g}",
                           parameter=name)
    return value


def reference_of(params: QueryParams) -> tuple[str, float]:
    """`ref=G12 K1023+500`, or `route` + `stake` (notation, or plain metres)."""
    if params.get("ref"):
        if params.get("route") or params.get("stake"):
            raise InvalidQuery("ref 与 route/stake 只能给出一种 / give either ref or route and stake", parameter="ref")
        return parse_reference(params["ref"])
    route, stake = params.get("route"), params.get("stake")
    if not route or not stake:
        raise InvalidQuery("需要 route 与 stake，或 ref / route and stake (or ref) are required",
                           parameter="route" if not route else "stake")
    text = stake.strip()
    if text.replace(".", "", 1).isdigit():
        value = float(text)
        if not math.isfinite(value):
            raise InvalidQuery(f"桩号格式错误 / malformed stake {stake!r}", parameter="stake")
        return normalise_route(route), value
    return normalise_route(route), parse_stake(text)


def point_in(lon: float, lat: float, crs: ServedCrs) -> list[float]:
    """A storage lon/lat point in a served CRS, in that CRS's axis order."""
    point = reproject(Point(lon, lat), 4490, crs.srid)
    if crs.lat_first:
        point = swap_axes(point)
    return [round(point.x, 9), round(point.y, 9)] if crs.srid != 3857 else [round(point.x, 3), round(point.y, 3)]


def geojson(body: dict[str, Any], crs: ServedCrs | None = None) -> Response:
    headers = {"Content-Crs": f"<{crs.uri}>"} if crs is not None else None
    return Response(orjson.dumps(body), media_type=GEOJSON, headers=headers)


@router.get("/linear-referencing/locate", include_in_schema=False)
async def locate(request: Request) -> Response:
    params = request.query_params
    reject_unknown(params, ("route", "stake", "ref", "crs", "f"))
    if params.get("f", "json") not in ("json", "geojson"):
        raise InvalidQuery("仅支持 f=json / only f=json is served", parameter="f")
    route, stake_m = reference_of(params)
    crs = served_crs(params.get("crs"))
    authorize_roads(request)
    index = await off_loop(road_index, services(request).registry)
    with network_problems():
        position = index.position(route, stake_m)
    decimals = 0 if float(stake_m).is_integer() else 1
    props = {"route": position.route_code, "stake_m": stake_m, "stake": format_stake(stake_m, decimals),
             "reference": format_reference(position.route_code, stake_m, decimals),
             "section_code": position.section.section_code, "lon": position.lon, "lat": position.lat}
    return geojson({"type": "Feature", "geometry": {"type": "Point", "coordinates": point_in(*position.lonlat, crs)},
                    "properties": props}, crs)


@router.get("/linear-referencing/measure", include_in_schema=False)
async def measure(request: Request) -> Response:
    params = request.query_params
    reject_unknown(params, ("lon", "lat", "route", "max_distance", "f"))
    if params.get("f", "json") not in ("json", "geojson"):
        raise InvalidQuery("仅支持 f=json / only f=json is served", parameter="f")
    lon = number(params, "lon", low=-180, high=180)
    lat = number(params, "lat", low=-90, high=90)
    max_distance = number(params, "max_distance", low=0, high=1e7, required=False)
    route = normalise_route(params["route"]) if params.get("route") else None
    assert lon is not None and lat is not None
    authorize_roads(request)
    index = await off_loop(road_index, services(request).registry)
    position = await off_loop(index.measure, lon, lat, route, max_distance)
    return geojson({"type": "Feature", "geometry": {"type": "Point", "coordinates": [position.lon, position.lat]},
                    "properties": position.as_dict()})
