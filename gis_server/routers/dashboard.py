"""The command-centre dashboard (指挥中心大屏, issue 6 point 2): the page and its statistics API.

    GET /dashboard                                   the page (ECharts + MapLibre, served locally)
    GET /dashboard/api/summary?domain=&region=       totals; items by domain, state (Chinese name), region
    GET /dashboard/api/organisations?limit=&domain=&region=   organisations ranked by overdue items
    GET /dashboard/api/series?days=30&domain=&region=         items created and closed per China-time day
    GET /dashboard/api/vehicles?minutes=1440         latest position of each dangerous-goods vehicle (GeoJSON)

The figures cover the workflow layers the caller may read and are aggregated in the store
(`domains.workflow.dashboard_counts`, one SQL statement each). "Overdue" is evaluated at `as_of`,
the start of the current minute, so answers within a minute agree; an answer is kept per app under
(figure, parameters, the readable layers' data versions, `as_of`) and served again until a write
moves a version or the minute turns (`ONEMAP_DASHBOARD_CACHE`: answers kept per process, default
256; 0 turns the cache off, as the benchmark's "miss" runs do). Vehicle positions are read fresh on
every call (one index probe per vehicle, `domains.road_transport.positions.latest`); the vehicles'
attributes are kept, encoded, per data version of `rt_dg_vehicles`.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from domains.base.geography import PREFECTURES
from domains.framework.discovery import discover_domains
from domains.road_transport.positions.batch import to_ms
from domains.road_transport.positions.latest import latest_positions
from domains.road_transport.reference import VEHICLES
from domains.workflow import dashboard_figures as figures
from domains.workflow.dashboard_counts import daily_flow, organisation_counts, state_counts
from domains.workflow.deadlines import CHINA, utc_now
from gis_server.links import JSON, base_url
from gis_server.params import reject_unknown
from gis_server.responses import html_page
from gis_server.security import authorize_read, caller_region, principal_of, readable
from gis_server.state import services
from layers.errors import InvalidQuery, LayerNotFound
from layers.model import LayerDefinition
from layers.query import FeatureQuery, OutputCrs

router = APIRouter()

DEFAULT_DAYS, MAX_DAYS = 30, 366
DEFAULT_ORGANISATIONS, MAX_ORGANISATIONS = 10, 500
DEFAULT_MINUTES, MAX_MINUTES = 24 * 60, 7 * 24 * 60
#: A vehicle that reported within this many seconds is on line (在线).
ONLINE_SECONDS = 300
CACHE_ENTRIES = 256
#: The vehicles' attributes sent with their positions; code-list fields also get their Chinese label (`<name>_zh`).
VEHICLE_FIELDS = ("plate", "enterprise_code", "vehicle_type", "goods_class", "goods_name_zh")
LABELLED_FIELDS = ("vehicle_type", "goods_class")
DEFINITIONS = {
    "items": "事项数 / workflow items",
    "open": "办理中：未到终结状态 / open: not in a terminal state",
    "overdue": "超期：办理中且已过时限（按 as_of 计）/ overdue: open and past the deadline at as_of",
    "closed": "已办结：处于终结状态 / closed: in a terminal state",
    "as_of": "统计时点：当前分钟起点 / the instant figures are taken at: the start of the current minute",
}
_PREFECTURES = {prefecture.adcode: prefecture for prefecture in PREFECTURES}


# -- names ------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _domain_names() -> dict[str, tuple[str, str]]:
    return {domain.id: (domain.title_zh, domain.title_en) for domain in discover_domains()}


def region_name(code: str | None) -> tuple[str, str, str | None]:
    """(Chinese name, English name, key) of an item's adcode; county codes count for their prefecture."""
    if code is None:
        return figures.UNKNOWN, "not given", None
    found = _PREFECTURES.get(code) or _PREFECTURES.get(code[:4] + "00")
    if found is not None:
        return found.name_zh, found.name_en, found.adcode
    if code.endswith("0000"):
        return "省本级", "Province", code
    return code, code, code


def _names() -> figures.Names:
    return figures.Names(domains=_domain_names(), region=region_name)


# -- parameters -------------------------------------------------------------------------------------
def _integer(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidQuery(f"{name} 须为 {low} 到 {high} 之间的整数 / {name} must be an integer from {low} to {high}",
                           parameter=name)
    return int(raw)


def _scope(request: Request, extra: tuple[str, ...]) -> tuple[list[LayerDefinition], str | None, str | None]:
    """The readable workflow layers (of one domain when asked) and the region asked for."""
    reject_unknown(request.query_params, ("domain", "region", "f", *extra))
    domain, region = request.query_params.get("domain"), request.query_params.get("region")
    layers = readable(request, (layer for layer in services(request).registry.all_quick()
                                if layer.workflow is not None))
    if domain is not None and domain not in {layer.domain for layer in layers}:
        raise InvalidQuery(f"没有可读的业务领域 {domain!r} / no readable workflow domain {domain!r}",
                           parameter="domain")
    if region is not None and not (len(region) == 6 and region.isascii() and region.isdigit()):
        raise InvalidQuery("region 须为 6 位行政区划代码 / region must be a 6-digit adcode", parameter="region")
    chosen = [layer for layer in layers if domain is None or layer.domain == domain]
    return chosen, domain, caller_region(request, region, chosen)


def _as_of() -> datetime:
    return utc_now().replace(second=0, microsecond=0)


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- the per-app cache ------------------------------------------------------------------------------
def cache_size_from_env() -> int:
    raw = os.environ.get("ONEMAP_DASHBOARD_CACHE", "").strip()
    return int(raw) if raw else CACHE_ENTRIES


class FigureCache:
    """Answers (JSON bytes) by key, least recently used out first; a size of 0 keeps nothing."""

    def __init__(self, size: int = CACHE_ENTRIES) -> None:
        self.size = size
        self.hits = 0
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return found

    def put(self, key: Hashable, body: bytes) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def figure_cache(request: Request) -> FigureCache:
    state = request.app.state
    cache = getattr(state, "dashboard_cache", None)
    if cache is None:
        cache = state.dashboard_cache = FigureCache(cache_size_from_env())
    return cache


def _versions(request: Request, layer_ids: list[str]) -> tuple[tuple[str, int], ...] | None:
    pages = services(request).pages
    found = []
    for layer_id in layer_ids:
        version = pages.version(layer_id)
        if version is None:
            return None
        found.append((layer_id, version))
    return tuple(found)


async def _answer(request: Request, name: str, layers: list[LayerDefinition], region: str | None,
                  compute: Callable[[datetime], dict[str, Any]]) -> Response:
    """The cached answer of figure `name` for these layers (the caller's views) and region at this
    minute, or `compute(as_of)`'s. Callers who see different rows never share an answer."""
    as_of = _as_of()
    versions = await run_in_threadpool(_versions, request, [layer.id for layer in layers])
    seen = (region, tuple(layer.row_filter for layer in layers))
    key = None if versions is None else (name, tuple(sorted(request.query_params.items())), versions, seen, as_of)
    cache = figure_cache(request)
    body = cache.get(key) if key is not None else None
    if body is None:
        document = await run_in_threadpool(compute, as_of)
        body = orjson.dumps({
            "as_of": _instant(as_of), "domain": request.query_params.get("domain"),
            "region": region, "collections": [layer.id for layer in layers],
            **document})
        if key is not None:
            cache.put(key, body)
    # the caller and the self link (the caller's host) are added outside the cached part
    principal = principal_of(request)
    caller = orjson.dumps({"name": principal.name, "display_name": principal.display_name,
                           "organisation": principal.organisation})
    link = orjson.dumps([{"href": f"{base_url(request)}{request.url.path}", "rel": "self", "type": JSON}])
    return Response(body[:-1] + b',"caller":' + caller + b',"links":' + link + b"}", media_type=JSON,
                    headers={"Cache-Control": "no-cache"})


# -- routes -----------------------------------------------------------------------------------------
@router.get("/dashboard", include_in_schema=False)
def page(request: Request) -> Response:
    reject_unknown(request.query_params, ("f",))
    return html_page(request, "dashboard.html", {"title": "指挥中心 / Command centre",
                                                 "online_seconds": ONLINE_SECONDS})


@router.get("/dashboard/api/summary", include_in_schema=False)
async def summary(request: Request) -> Response:
    layers, _, region = _scope(request, ())
    store = services(request).store

    def compute(as_of: datetime) -> dict[str, Any]:
        counts = state_counts(store, layers, as_of, region=region)
        return {**figures.summary(counts, layers, _names()), "definitions": DEFINITIONS}

    return await _answer(request, "summary", layers, region, compute)


@router.get("/dashboard/api/organisations", include_in_schema=False)
async def organisations(request: Request) -> Response:
    layers, _, region = _scope(request, ("limit",))
    limit = _integer(request, "limit", DEFAULT_ORGANISATIONS, 1, MAX_ORGANISATIONS)
    store = services(request).store

    def compute(as_of: datetime) -> dict[str, Any]:
        counts = organisation_counts(store, layers, as_of, region=region)
        return figures.organisations(counts, layers, _names(), as_of, limit)

    return await _answer(request, "organisations", layers, region, compute)


@router.get("/dashboard/api/series", include_in_schema=False)
async def series(request: Request) -> Response:
    layers, _, region = _scope(request, ("days",))
    days = _integer(request, "days", DEFAULT_DAYS, 1, MAX_DAYS)
    store = services(request).store

    def compute(as_of: datetime) -> dict[str, Any]:
        last = as_of.astimezone(CHINA).date()
        first = last - timedelta(days=days - 1)
        start = datetime(first.year, first.month, first.day, tzinfo=CHINA).astimezone(UTC)
        flows = daily_flow(store, layers, start, as_of, region=region)
        return {"days": days, **figures.series(flows, first, last)}

    return await _answer(request, "series", layers, region, compute)


@router.get("/dashboard/api/vehicles", include_in_schema=False)
async def vehicles(request: Request) -> Response:
    reject_unknown(request.query_params, ("minutes", "f"))
    minutes = _integer(request, "minutes", DEFAULT_MINUTES, 1, MAX_MINUTES)
    try:
        layer: LayerDefinition | None = services(request).registry.get_quick(VEHICLES)
    except LayerNotFound:
        layer = None
    if layer is not None:
        layer = authorize_read(request, layer)
    body = await run_in_threadpool(_fleet_positions, request, layer, minutes)
    link = orjson.dumps([{"href": f"{base_url(request)}{request.url.path}", "rel": "self", "type": JSON}])
    return Response(body[:-1] + b',"links":' + link + b"}", media_type="application/geo+json",
                    headers={"Cache-Control": "no-cache"})


@dataclass(frozen=True)
class Fleet:
    """The registered vehicles as of one data version of their layer: plate → the JSON members of its
    attributes (code-list values with their Chinese labels), encoded once."""

    layer: LayerDefinition  # held, so that id(layer) in `version` stays unique
    version: int
    members: dict[str, bytes]


def _fleet(request: Request, layer: LayerDefinition) -> Fleet:
    version = services(request).pages.version(layer.id)
    kept: Fleet | None = getattr(request.app.state, "dashboard_fleet", None)
    if kept is not None and kept.layer is layer and kept.version == version:
        return kept
    fields = tuple(name for name in VEHICLE_FIELDS if layer.field(name) is not None)
    labelled = [(name, spec) for name in LABELLED_FIELDS if (spec := layer.field(name)) is not None and spec.enum]
    members: dict[str, bytes] = {}
    offset, page = 0, 10_000
    while True:
        query = FeatureQuery(limit=page, offset=offset, crs=OutputCrs(4490), properties=fields, skip_geometry=True,
                             count=False)
        rows = orjson.loads(services(request).store.query(layer, query).features_json)
        for feature in rows:
            properties = feature["properties"]
            if properties.get("plate"):
                for name, spec in labelled:
                    properties[f"{name}_zh"] = spec.label_of(properties.get(name))
                members[str(properties["plate"])] = orjson.dumps(properties)[1:-1]
        if len(rows) < page:
            break
        offset += page
    fleet = Fleet(layer, -1 if version is None else version, members)
    if version is not None:
        request.app.state.dashboard_fleet = fleet
    return fleet


def _fleet_positions(request: Request, layer: LayerDefinition | None, minutes: int) -> bytes:
    """The FeatureCollection of the vehicles' latest positions (without links), as JSON bytes."""
    now = utc_now()
    now_ms = to_ms(now)
    members = {} if layer is None else _fleet(request, layer).members
    found = latest_positions(services(request).store, list(members), now_ms - minutes * 60_000, now_ms)
    features, online = [], 0
    for position in found:
        age = max(0.0, (now_ms - position.time_ms) / 1000)
        online += age <= ONLINE_SECONDS
        live = orjson.dumps({"time": _instant(datetime.fromtimestamp(position.time_ms / 1000, UTC)),
                             "speed_kmh": position.speed_kmh, "heading_deg": position.heading_deg,
                             "age_s": round(age), "online": age <= ONLINE_SECONDS})
        properties = b"{" + members[position.plate] + b"," + live[1:] if members[position.plate] else live
        features.append(b'{"type":"Feature","id":' + orjson.dumps(position.plate)
                        + b',"geometry":{"type":"Point","coordinates":' + orjson.dumps([position.lon, position.lat])
                        + b'},"properties":' + properties + b"}")
    head = orjson.dumps({"type": "FeatureCollection", "as_of": _instant(now), "window_minutes": minutes,
                         "online_seconds": ONLINE_SECONDS, "vehicles_layer": None if layer is None else layer.id,
                         "registered": len(members), "numberMatched": len(features), "online": online})
    return head[:-1] + b',"features":[' + b",".join(features) + b"]}"
