"""The planners' map (一张图) and the small APIs only it uses.

- `GET /map` — the MapLibre application (HTML; scripts and styles from `/static/map/`, MapLibre from
  `/static/vendor/`, nothing from a CDN);
- `GET /map/offline?package=…` — the offline map page: an offline package served by `onemap package
  serve`, a `.pmtiles` URL, or a `.pmtiles` file picked from disk (docs/packages.md);
- `GET /map/config` — the caller, the layer tree by domain, initial and chart extents, Tianditu key
  (`gis_server.map_config`);
- `GET /map/session` — who the bearer token names (the sign-in box checks a token with it);
- `GET /map/organisations` — the organisations holding workflow items the caller may read (filter);
- `GET /map/route-plan?points=lon,lat;…` — clicked points → a route along the roads with its
  `route_codes` (`gis_server.map_route`), for an oversize-transport application;
- `GET /map/measure?kind=line|polygon&points=lon,lat;…` — geodesic length or area (`gis_server.map_measure`);
- `GET /search?q=` — names, plates, case/application/event numbers, stakes → places (`gis_server.map_search`).

Errors are problem+json like every other route.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from gis_server.links import JSON
from gis_server.map_config import caller_json, map_config
from gis_server.map_measure import measure
from gis_server.map_route import NoRoadPath, parse_points, plan_route
from gis_server.map_search import clean_query, search
from gis_server.params import reject_unknown
from gis_server.problems import ApiProblem
from gis_server.responses import html_page
from gis_server.routers.linear_referencing import authorize_roads, off_loop
from gis_server.security import principal_of, readable
from gis_server.state import services
from layers.errors import InvalidQuery
from layers.query import FeatureQuery
from layers.stores.base import FeatureStore

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store"}
ORG_PAGE = 10_000


def _json(body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS), media_type=JSON,
                    headers={**NO_STORE, **(headers or {})})


@router.get("/map", include_in_schema=False)
def map_page(request: Request) -> Response:
    reject_unknown(request.query_params, ())
    return html_page(request, "map.html", {"title": "交通一张图 / OneMap"})


@router.get("/map/offline", include_in_schema=False)
def offline_page(request: Request) -> Response:
    reject_unknown(request.query_params, ("package",))
    return html_page(request, "offline.html", {"title": "离线地图 / Offline map"})


@router.get("/map/config", include_in_schema=False)
async def config(request: Request) -> Response:
    reject_unknown(request.query_params, ())
    svc = services(request)
    body = await run_in_threadpool(map_config, svc.store, svc.registry, svc.access, principal_of(request))
    return _json(body)


@router.get("/map/session", include_in_schema=False)
def session(request: Request) -> Response:
    reject_unknown(request.query_params, ())
    return _json(caller_json(principal_of(request)))


def _organisations(store: FeatureStore, layers: list[Any]) -> list[str]:
    found: set[str] = set()
    for layer in layers:
        offset = 0
        while True:
            page = store.query(layer, FeatureQuery(limit=ORG_PAGE, offset=offset, properties=("holder_org",),
                                                   skip_geometry=True, count=False))
            for feature in orjson.loads(page.features_json):
                value = (feature.get("properties") or {}).get("holder_org")
                if value:
                    found.add(str(value))
            if page.number_returned < ORG_PAGE:
                break
            offset += ORG_PAGE
    return sorted(found)


@router.get("/map/organisations", include_in_schema=False)
async def organisations(request: Request) -> Response:
    reject_unknown(request.query_params, ())
    layers = readable(request, (layer for layer in services(request).registry.all() if layer.workflow is not None))
    names = await run_in_threadpool(_organisations, services(request).store, layers)
    return _json({"organisations": names, "layers": [layer.id for layer in layers]})


@router.get("/map/route-plan", include_in_schema=False)
async def route_plan(request: Request) -> Response:
    reject_unknown(request.query_params, ("points",))
    points = parse_points(request.query_params.get("points"))
    authorize_roads(request)

    def work() -> dict[str, Any]:
        try:
            return plan_route(services(request).registry, points)
        except NoRoadPath as exc:
            raise ApiProblem(404, "未找到 / Not found", str(exc), parameter="points") from exc

    body = await off_loop(work)
    return Response(orjson.dumps(body), media_type="application/geo+json", headers=NO_STORE)


@router.get("/map/measure", include_in_schema=False)
def measure_route(request: Request) -> Response:
    reject_unknown(request.query_params, ("points", "kind"))
    kind = request.query_params.get("kind", "line")
    if kind not in ("line", "polygon"):
        raise InvalidQuery(f"kind 须为 line 或 polygon / kind must be line or polygon, not {kind!r}", parameter="kind")
    points = parse_points(request.query_params.get("points"))
    if kind == "polygon" and len(points) < 3:
        raise InvalidQuery("面积至少需要 3 个点 / an area needs at least 3 points", parameter="points")
    return _json(measure(points, kind))


@router.get("/search", include_in_schema=False)
async def search_places(request: Request) -> Response:
    reject_unknown(request.query_params, ("q",))
    text = clean_query(request.query_params.get("q"))
    svc = services(request)
    results, message = await off_loop(search, svc.store, svc.registry, svc.access, principal_of(request), text)
    return _json({"query": text, "numberReturned": len(results), "message": message, "results": results})
