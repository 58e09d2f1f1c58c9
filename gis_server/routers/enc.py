"""The chart's water-level and safety services (issue 4, points 5 and 6).

- `GET /enc/gauges` — every gauge (GeoJSON points) with its latest reading;
- `POST /enc/gauges/{gaugeId}/readings` — one reading `{observed_at, level}` or a list (admin token),
  stored in one transaction in the `enc_gauge_readings` layer → 201; unknown gauge 404, a reading
  already stored 409, bad body 400;
- `GET /enc/safety?time&draft&ukc&air_draft` — unsafe depth areas (GeoJSON) and every bridge's
  clearance now; `GET /enc/safety/tiles/{tileMatrixSetId}/{z}/{row}/{col}?time&draft&ukc` — the
  unsafe areas as an MVT layer `enc_unsafe_areas` (an empty tile is a 200 with no features, D12);
- `POST /enc/route-check` — `{route, vessel, time?}` → every violation along the route.

The work is done by `enc_chart.route` / `enc_chart.safety` / `enc_chart.waterlevel`, through one
`ChartService` per app (cached per data version). Their errors leave as problem+json.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import mapbox_vector_tile
import orjson
import shapely
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from enc_chart.naming import PREFIX as CHART_PREFIX
from enc_chart.route import ChartService, check_route, parse_route, parse_vessel
from enc_chart.safety import SAFETY_PARAMETERS, parse_safety_query, safety_report, unsafe_areas
from enc_chart.waterlevel import READINGS_LAYER, EncServiceError, parse_readings, parse_time
from enc_chart.waterlevel.readings import reading_dicts
from gis_server.links import GEOJSON, base_url
from gis_server.params import reject_unknown
from gis_server.problems import ApiProblem
from gis_server.routers.tiles import tile_response
from gis_server.security import authorize_read, authorize_write
from gis_server.state import services
from layers.errors import InvalidFeature
from tiles.matrix_sets import UnknownTileMatrixSet, get_tms, is_valid
from tiles.model import EXTENT, RenderedTile, TileAddress
from tiles.renderers.python_read import BUFFER, TileFrame
from tiles.service import compress

router = APIRouter()
MAX_BODY_BYTES = 5 * 1024 * 1024
JSON_TYPES = ("application/json", "application/geo+json")
UNSAFE_LAYER = "enc_unsafe_areas"
_lock = threading.Lock()


def chart_service(request: Request) -> ChartService:
    """The app's one `ChartService`, made on first use."""
    state = request.app.state
    service: ChartService | None = getattr(state, "enc_charts", None)
    if service is None:
        with _lock:
            service = getattr(state, "enc_charts", None)
            if service is None:
                svc = services(request)
                service = ChartService(svc.store, svc.registry)
                state.enc_charts = service
    return service


def _authorize_chart(request: Request) -> None:
    """The chart APIs answer from every chart layer: the caller must be able to read each of them."""
    for layer in services(request).registry.all_quick():
        if layer.id.startswith(CHART_PREFIX):
            authorize_read(request, layer)


@contextmanager
def _problems() -> Iterator[None]:
    try:
        yield
    except EncServiceError as exc:
        raise ApiProblem(exc.status, exc.title, exc.message) from exc
    except UnknownTileMatrixSet as exc:
        raise ApiProblem(404, "未找到瓦片矩阵集 / Tile matrix set not found", exc.message) from exc


async def _work[T](fn: Callable[..., T], *args: Any) -> T:
    """Run store and geometry work off the event loop, with the service errors mapped."""
    with _problems():
        return await run_in_threadpool(fn, *args)


async def _json_body(request: Request) -> Any:
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media not in JSON_TYPES:
        raise ApiProblem(415, "不支持的媒体类型 / Unsupported media type",
                         "Content-Type 须为 application/json / Content-Type must be application/json")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiProblem(413, "请求体过大 / Payload too large", f"请求体超过 {MAX_BODY_BYTES} 字节 / body too large")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidFeature(f"请求体不是合法 JSON / body is not valid JSON: {exc}", field="body") from None


def _json(body: Any, status: int = 200, media_type: str = "application/json",
          headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), status_code=status,
                    media_type=media_type, headers=headers)


# -- gauges ----------------------------------------------------------------------------------------
@router.get("/enc/gauges", include_in_schema=False)
async def gauges(request: Request) -> Response:
    reject_unknown(request.query_params, ("f",))
    _authorize_chart(request)
    if request.query_params.get("f", "json") not in ("json", "geojson"):
        raise ApiProblem(400, "请求参数无效 / Invalid parameter", "仅支持 f=json / only f=json is served",
                         parameter="f")
    features = await _work(chart_service(request).water.gauges)
    return _json({"type": "FeatureCollection", "numberReturned": len(features), "features": features},
                 media_type=GEOJSON)


@router.post("/enc/gauges/{gauge_id}/readings", include_in_schema=False)
async def post_readings(request: Request, gauge_id: str) -> Response:
    authorize_write(request, READINGS_LAYER)
    reject_unknown(request.query_params, ())
    readings = parse_readings(gauge_id, await _json_body(request))
    fids = await _work(chart_service(request).water.add_readings, gauge_id, readings)
    url = f"{base_url(request)}/collections/{READINGS_LAYER.id}/items?gauge_id={quote(gauge_id, safe='')}"
    body = {"gauge_id": gauge_id, "stored": len(fids), "ids": fids, "readings": reading_dicts(readings)}
    return _json(body, status=201, headers={"Location": url})


# -- safety ----------------------------------------------------------------------------------------
def _safety(service: ChartService, params: dict[str, str]) -> dict[str, Any]:
    query = parse_safety_query(params)
    model, profile = service.model_and_profile(query.time)
    return safety_report(model, profile, query)


@router.get("/enc/safety", include_in_schema=False)
async def safety(request: Request) -> Response:
    reject_unknown(request.query_params, SAFETY_PARAMETERS)
    _authorize_chart(request)
    report = await _work(_safety, chart_service(request), dict(request.query_params))
    return _json(report, media_type=GEOJSON)


def _address(tms_id: str, z: str, row: str, col: str) -> TileAddress:
    get_tms(tms_id)
    if all(p.isascii() and p.isdigit() and len(p) <= 10 for p in (z, row, col)):
        address = TileAddress(tms_id, int(z), int(row), int(col))
        if is_valid(address):
            return address
    raise ApiProblem(404, "未找到瓦片 / Tile not found",
                     f"瓦片超出瓦片矩阵集 {tms_id} 的范围 / no tile {z}/{row}/{col} in tile matrix set {tms_id}")


def _safety_tile(service: ChartService, params: dict[str, str], address: TileAddress) -> RenderedTile:
    query = parse_safety_query(params)
    model, profile = service.model_and_profile(query.time)
    indices, effective = unsafe_areas(model, profile, query.required_depth_m)
    frame = TileFrame.of(address)
    geoms = model.depth.features.geoms[indices]
    keep = shapely.intersects(geoms, shapely.box(*frame.read_bbox()))
    if not keep.any():
        return RenderedTile(b"")
    tile_geoms = shapely.set_precision(frame.to_tile(geoms[keep]), 1.0)
    clipped = shapely.clip_by_rect(tile_geoms, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    features = []
    for geom, i, eff in zip(clipped, indices[keep], effective[keep], strict=True):
        polygons = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
        if not polygons:
            continue
        props = model.depth.features.props[int(i)]
        properties = {"effective_depth_m": round(float(eff), 2), "required_depth_m": query.required_depth_m,
                      "layer": model.depth.features.layer_ids[int(i)]}
        properties.update({k: props[k] for k in ("drval1", "drval2") if props.get(k) is not None})
        features.append({"geometry": shapely.multipolygons(polygons) if len(polygons) > 1 else polygons[0],
                         "properties": properties, "id": int(model.depth.features.fids[int(i)])})
    if not features:
        return RenderedTile(b"")
    data = mapbox_vector_tile.encode([{"name": UNSAFE_LAYER, "features": features}],
                                     default_options={"extents": EXTENT, "y_coord_down": True})
    return RenderedTile(data)


@router.api_route("/enc/safety/tiles/{tms_id}/{z}/{row}/{col}", methods=["GET", "HEAD"], include_in_schema=False)
async def safety_tile(request: Request, tms_id: str, z: str, row: str, col: str) -> Response:
    reject_unknown(request.query_params, SAFETY_PARAMETERS | {"f"})
    if request.query_params.get("f", "mvt") != "mvt":
        raise ApiProblem(400, "请求参数无效 / Invalid parameter", "瓦片格式仅支持 f=mvt / tiles are f=mvt",
                         parameter="f")
    with _problems():
        address = _address(tms_id, z, row, col)
    _authorize_chart(request)
    tile = await _work(_safety_tile, chart_service(request), dict(request.query_params), address)
    return tile_response(request, compress(tile), public=all(
        services(request).access.is_public(layer) for layer in services(request).registry.all_quick()
        if layer.id.startswith(CHART_PREFIX)))


# -- route check -----------------------------------------------------------------------------------
def _route_check(service: ChartService, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidFeature("请求体须为 JSON 对象 {route, vessel, time} / body must be a JSON object "
                             "{route, vessel, time}", field="body")
    unknown = sorted(set(body) - {"route", "vessel", "time"})
    if unknown:
        raise InvalidFeature(f"请求体含未知成员 / unknown members: {', '.join(unknown)}", field=unknown[0])
    vessel = parse_vessel(body.get("vessel"))
    route = parse_route(body.get("route"))
    moment = parse_time(body["time"], "time") if body.get("time") is not None else datetime.now(UTC)
    model, profile = service.model_and_profile(moment)
    return check_route(model, profile, route, vessel).to_geojson()


@router.post("/enc/route-check", include_in_schema=False)
async def route_check(request: Request) -> Response:
    reject_unknown(request.query_params, ())
    _authorize_chart(request)
    body = await _json_body(request)
    result = await _work(_route_check, chart_service(request), body)
    return _json(result, media_type=GEOJSON)
