"""Cached tiles without the framework: a raw ASGI layer in front of the app.

A `GET`/`HEAD` of `/collections/{id}/tiles/{tms}/{z}/{row}/{col}` (or of the dataset tile
`/tiles/{tms}/{z}/{row}/{col}?collections=a,b` naming its layers by id) whose tile is in the tile
service's memory cache at the current data versions is answered here: the same authentication
(`security.authenticate`), the same read check (`LayerDefinition.may_read`), the same headers
(`routers.tiles.tile_reply`, the CORS policy of `gis_server.cors`) as the route — without routing,
dependency resolution or middleware. Anything else — a miss, a query parameter other than
`f=mvt` (and `collections` on dataset tiles), a refused caller, a layer the registry's change
watch cannot vouch for, an error — goes on to the app unchanged, which answers it (and reports
errors) as usual.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from gis_server.cors import apply_cors
from gis_server.problems import ApiProblem
from gis_server.routers.tiles import MAX_COLLECTIONS, layer_shown, tile_reply
from gis_server.security import authenticate
from gis_server.tiles_state import cached_tile_service
from tiles.matrix_sets import TMS_IDS, is_valid
from tiles.model import MVT_MEDIA_TYPE, TileAddress

log = logging.getLogger("onemap")
_TILE = re.compile(r"^(?:/collections/([a-z][a-z0-9_]{0,62}))?/tiles/([A-Za-z0-9]+)"
                   r"/([0-9]{1,2})/([0-9]{1,10})/([0-9]{1,10})$")
_IDS = re.compile(r"^[a-z][a-z0-9_]{0,62}(,[a-z][a-z0-9_]{0,62})*$")
_CONTENT_TYPE = MVT_MEDIA_TYPE.encode()


class CachedTileFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            match = _TILE.match(scope["path"])
            if match is not None:
                try:
                    reply = self._cached(scope, match)
                except Exception:  # the app will answer (and report) whatever went wrong
                    log.exception("tile fast path failed; handing the request to the app")
                    reply = None
                if reply is not None:
                    status, headers, body = reply
                    await send({"type": "http.response.start", "status": status, "headers": headers})
                    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
                    return
        await self.app(scope, receive, send)

    def _cached(self, scope: Scope, match: re.Match[str]) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        layer_id, tms_id, z, row, col = match.groups()
        params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        names = _layer_names(layer_id, params)
        app = scope.get("app")
        services = getattr(getattr(app, "state", None), "services", None)
        if names is None or services is None or tms_id not in TMS_IDS:
            return None
        address = TileAddress(tms_id, int(z), int(row), int(col))
        if not is_valid(address):
            return None
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            principal = authenticate(headers.get("authorization"), services.settings)
        except ApiProblem:
            return None
        layers = [services.registry.peek(name) for name in names]
        if not all(layer is not None and layer.may_read(principal.roles) for layer in layers):
            return None
        service = cached_tile_service(app, services.store)
        if service is None:
            return None
        shown = [layer for layer in layers if layer is not None and layer_shown(layer, address)]
        tile = service.cached(shown, address) if shown else None
        if tile is None:
            return None
        public = all(layer is not None and "public" in layer.read_roles for layer in layers)
        status, reply_headers, body = tile_reply(tile, headers.get("accept-encoding"), headers.get("if-none-match"),
                                                 public=public)
        apply_cors(reply_headers, origin="origin" in headers)
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply_headers.items()]
        if status == 200:
            raw += [(b"content-type", _CONTENT_TYPE), (b"content-length", str(len(body)).encode())]
        return status, raw, body


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
