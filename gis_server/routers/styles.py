"""`/styles`, `/styles/{styleId}`, its sprite files, and `/fonts/{fontstack}/{range}.pbf`.

Styles are generated per request from the registry (only layers the caller may read; a style over
none of them does not exist for that caller) with absolute URLs from the public base URL, and
sent as `application/vnd.mapbox.style+json` (OGC API – Styles' media type for MapLibre/Mapbox
styles; `f=json` sends the same document as `application/json`). Sprites and glyph ranges are the
committed files of `styles/data/`. Unknown styles, sprite files, fontstacks and malformed ranges
are 404 problem+json.

The S-52 chart styles `/styles/enc-{day,dusk,night}` (issue 4) take the mariner settings as query
parameters (`styles.enc.mariner`; bad values → 400) and cover the readable `enc_*` layers; their
sprite is `styles/enc/data/sprites/`. They are not listed in `/styles`.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from gis_server.etags import not_modified
from gis_server.links import JSON, base_url, link
from gis_server.params import reject_unknown
from gis_server.problems import ApiProblem
from gis_server.responses import json_response
from gis_server.security import readable
from gis_server.state import services
from layers.errors import InvalidQuery
from styles.assets import AssetNotFound, glyph_range, sprite_file
from styles.catalog import COMPOSITE_ID, StyleEntry, style_catalog
from styles.composite import composite_style
from styles.enc import chart_style, settings_from_query
from styles.enc.colours import PALETTES
from styles.enc.mariner import QUERY_PARAMETERS
from styles.enc.sprites import sprite_file as chart_sprite_file
from styles.generate import layer_style

router = APIRouter()

MAPBOX_STYLE = "application/vnd.mapbox.style+json"
PBF = "application/x-protobuf"
#: Styles follow the registry: clients revalidate every time (cheap, ETag → 304).
STYLE_CACHE = "no-cache"
#: Sprites and glyphs change only with a release.
ASSET_CACHE = "public, max-age=86400"
NOT_FOUND = "未找到 / Not found"


def _catalog(request: Request) -> dict[str, StyleEntry]:
    return style_catalog(readable(request, services(request).registry.all()))


def _entry(request: Request, style_id: str) -> StyleEntry:
    entry = _catalog(request).get(style_id)
    if entry is None:
        raise ApiProblem(404, NOT_FOUND, f"样式不存在 / no style with id {style_id!r}; see /styles")
    return entry


def _format(request: Request, allowed: tuple[str, ...]) -> str:
    reject_unknown(request.query_params, {"f"})
    value = request.query_params.get("f", allowed[0])
    if value not in allowed:
        raise InvalidQuery(f"不支持的格式 / unsupported format f={value!r}; use {' or '.join(allowed)}", parameter="f")
    return value


def _cached(request: Request, body: bytes, media_type: str, cache_control: str) -> Response:
    etag = f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _style_summary(base: str, entry: StyleEntry) -> dict[str, Any]:
    url = f"{base}/styles/{entry.id}"
    return {
        "id": entry.id,
        "title": entry.title,
        "title_zh": entry.title_zh,
        "title_en": entry.title_en,
        "layers": [layer.id for layer in entry.layers],
        "links": [
            link(f"{url}?f=mapbox", "stylesheet", MAPBOX_STYLE, f"{entry.title_zh}（MapLibre 样式）/ MapLibre style"),
            link(f"{url}?f=json", "alternate", JSON, f"{entry.title_zh}（JSON）"),
        ],
    }


@router.get("/styles", include_in_schema=False)
def styles(request: Request) -> Response:
    _format(request, ("json",))
    base = base_url(request)
    catalog = _catalog(request)
    doc = {
        "title": "地图样式 / Map styles",
        "description": "MapLibre 样式（样式规范 v8），由图层注册表生成 / "
                       "MapLibre styles generated from the layer registry",
        "default": COMPOSITE_ID,
        "styles": [_style_summary(base, entry) for entry in catalog.values()],
        "links": [link(f"{base}/styles?f=json", "self", JSON, "地图样式 / map styles")],
    }
    return json_response(doc, headers={"Cache-Control": STYLE_CACHE})


# -- the chart styles (issue 4): /styles/enc-{day,dusk,night}?safety_depth=…&shades=… ------------------
@router.get("/styles/enc-{palette}", include_in_schema=False)
def enc_style(request: Request, palette: str) -> Response:
    """S-52 chart style for a palette and mariner settings, over the readable chart layers."""
    if palette not in PALETTES:  # not ours: maybe a registry style whose id starts with "enc-"
        return style(request, f"enc-{palette}")
    reject_unknown(request.query_params, {"f", *QUERY_PARAMETERS})
    fmt = request.query_params.get("f", "mapbox")
    if fmt not in ("mapbox", "json"):
        raise InvalidQuery(f"不支持的格式 / unsupported format f={fmt!r}; use mapbox or json", parameter="f")
    settings = settings_from_query(request.query_params)
    layers = {layer.id: layer for layer in readable(request, services(request).registry.all())
              if layer.id.startswith("enc_")}
    doc = chart_style(palette, settings, base_url=base_url(request), layers=layers)
    return _cached(request, orjson.dumps(doc), MAPBOX_STYLE if fmt == "mapbox" else JSON, STYLE_CACHE)


@router.get("/styles/enc-{palette}/{file_name}", include_in_schema=False)
def enc_sprite(request: Request, palette: str, file_name: str) -> Response:
    if palette not in PALETTES:
        return sprite(request, f"enc-{palette}", file_name)
    reject_unknown(request.query_params, set())
    try:
        found = chart_sprite_file(file_name)
    except AssetNotFound as exc:
        raise ApiProblem(404, NOT_FOUND, exc.message) from None
    return _cached(request, found.body, found.media_type, ASSET_CACHE)


@router.get("/styles/{style_id}", include_in_schema=False)
def style(request: Request, style_id: str) -> Response:
    fmt = _format(request, ("mapbox", "json"))
    entry = _entry(request, style_id)
    base = base_url(request)
    doc = composite_style(entry, base) if entry.composite else layer_style(entry, base)
    return _cached(request, orjson.dumps(doc), MAPBOX_STYLE if fmt == "mapbox" else JSON, STYLE_CACHE)


@router.get("/styles/{style_id}/{file_name}", include_in_schema=False)
def sprite(request: Request, style_id: str, file_name: str) -> Response:
    reject_unknown(request.query_params, set())
    _entry(request, style_id)
    try:
        found = sprite_file(file_name)
    except AssetNotFound as exc:
        raise ApiProblem(404, NOT_FOUND, exc.message) from None
    return _cached(request, found.body, found.media_type, ASSET_CACHE)


@router.get("/fonts/{fontstack}/{range_name}.pbf", include_in_schema=False)
def glyphs(request: Request, fontstack: str, range_name: str) -> Response:
    reject_unknown(request.query_params, set())
    try:
        body = glyph_range(fontstack, range_name)
    except AssetNotFound as exc:
        raise ApiProblem(404, NOT_FOUND, exc.message) from None
    return _cached(request, body, PBF, ASSET_CACHE)
