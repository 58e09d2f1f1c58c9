"""Tiles without the framework: a raw ASGI layer in front of the app.

A `GET`/`HEAD` of `/collections/{id}/tiles/{tms}/{z}/{row}/{col}` (or of the dataset tile
`/tiles/{tms}/{z}/{row}/{col}?collections=a,b` naming its layers by id) is answered here once the
app's tile service exists: from the memory cache on the event loop when it holds the tile at the
current data versions, otherwise by `TileService.tile_async` on the loop (PostGIS misses) or
`TileService.tile` in a worker thread (the other cache tiers, then the renderer) — with the same
authentication (`security.authenticate`), the same read check (the caller's views of the
layers, `layers.access.view`), the same headers (`routers.tiles.tile_reply`, the CORS policy of
`gis_server.cors`) as the route, but without routing, dependency resolution or middleware, which
cost more Python time than a light tile's SQL. Anything else — a query parameter other than
`f=mvt` (and `collections` on dataset tiles), a refused caller, a layer the registry's change
watch cannot vouch for, a tile no layer is shown in, any error (rendering included) — goes on
to the app unchanged, which answers it (and reports errors) as usual.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

import anyio.to_thread
from starlette.types import Scope

from gis_server.cors import apply_cors
from gis_server.fastpath import FastPath, Reply
from gis_server.problems import ApiProblem
from gis_server.routers.tiles import MAX_COLLECTIONS, layer_shown, tile_reply
from gis_server.security import authenticate
from gis_server.tiles_state import cached_tile_service
from layers.model import LayerDefinition
from tiles.matrix_sets import TMS_IDS, is_valid
from tiles.model import MVT_MEDIA_TYPE, TileAddress
from tiles.service import TileResponse, TileService

log = logging.getLogger("onemap")
_TILE = re.compile(r"^(?:/collections/([a-z][a-z0-9_]{0,62}))?/tiles/([A-Za-z0-9]+)"
                   r"/([0-9]{1,2})/([0-9]{1,10})/([0-9]{1,10})$")
_IDS = re.compile(r"^[a-z][a-z0-9_]{0,62}(,[a-z][a-z0-9_]{0,62})*$")
_CONTENT_TYPE = MVT_MEDIA_TYPE.encode()




@dataclass(frozen=True)
class _TileRequest:
    """A tile request the fast path may answer: who may see it, where it is, what it shows."""

    service: TileService
    shown: Sequence[LayerDefinition]
    address: TileAddress
    headers: dict[str, str]
    public: bool


class CachedTileFastPath(FastPath):
    pattern = _TILE

    async def _answer(self, scope: Scope, match: re.Match[str]) -> Reply | None:
        try:
            request = _tile_request(scope, match)
            if request is None:
                return None
            tile = request.service.cached(request.shown, request.address)
            if tile is None:
                tile = await request.service.tile_async(request.shown, request.address)
            if tile is None:
                tile = await anyio.to_thread.run_sync(request.service.tile, request.shown, request.address)
            return _reply(request, tile)
        except Exception:  # the app will answer (and report) whatever went wrong
            log.exception("tile fast path failed; handing the request to the app")
            return None


def _tile_request(scope: Scope, match: re.Match[str]) -> _TileRequest | None:
    parsed = _parsed(match, scope.get("query_string", b""))
    app = scope.get("app")
    services = getattr(getattr(app, "state", None), "services", None)
    if parsed is None or services is None:
        return None
    names, address = parsed
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    try:
        principal = authenticate(headers.get("authorization"), services.settings)
    except ApiProblem:
        return None
    declared = [services.registry.peek(name) for name in names]
    views = [None if layer is None else services.access.view(layer, principal).layer for layer in declared]
    if not all(view is not None for view in views):
        return None  # the app answers: unknown layer, or refused (and logged)
    layers = [view for view in views if view is not None]
    service = cached_tile_service(app, services.store)
    shown = [layer for layer in layers if layer is not None and layer_shown(layer, address)]
    if service is None or not shown:
        return None
    public = all(services.access.is_public(layer) for layer in layers)
    return _TileRequest(service, shown, address, headers, public)


def _reply(request: _TileRequest, tile: TileResponse) -> Reply:
    headers = request.headers
    status, reply_headers, body = tile_reply(tile, headers.get("accept-encoding"), headers.get("if-none-match"),
                                             public=request.public)
    apply_cors(reply_headers, origin="origin" in headers)
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply_headers.items()]
    if status == 200:
        raw += [(b"content-type", _CONTENT_TYPE), (b"content-length", str(len(body)).encode())]
    return status, raw, body


#: Parsed tile URLs (path, query) → (layer names, address) or None; a dashboard asks the same ones again.
_PARSED: dict[tuple[str, bytes], tuple[tuple[str, ...], TileAddress] | None] = {}
_PARSED_LIMIT = 8192


def _parsed(match: re.Match[str], query: bytes) -> tuple[tuple[str, ...], TileAddress] | None:
    key = (match.string, query)
    try:
        return _PARSED[key]
    except KeyError:
        pass
    layer_id, tms_id, z, row, col = match.groups()
    names = _layer_names(layer_id, parse_qsl(query.decode("latin-1"), keep_blank_values=True))
    result = None
    if names is not None and tms_id in TMS_IDS:
        address = TileAddress(tms_id, int(z), int(row), int(col))
        if is_valid(address):
            result = (tuple(names), address)
    if len(_PARSED) >= _PARSED_LIMIT:
        _PARSED.clear()
    _PARSED[key] = result
    return result


def _layer_names(layer_id: str | None, params: list[tuple[str, str]]) -> list[str] | None:
    """The layers of the tile, or None when the query is anything the fast path does not take."""
    if layer_id is not None:
        return [layer_id] if params in ([], [("f", "mvt")]) else None
    query = dict(params)
    if len(query) != len(params) or set(query) - {"collections", "f"} or query.get("f", "mvt") != "mvt":
        return None
    collections = query.get("collections", "")
    if not _IDS.match(collections):
        return None
    names = list(dict.fromkeys(collections.split(",")))
    return names if len(names) <= MAX_COLLECTIONS else None
