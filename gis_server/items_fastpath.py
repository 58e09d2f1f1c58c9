"""Item pages without the framework: a raw ASGI layer in front of the app.

A `GET`/`HEAD` of `/collections/{id}/items` asking for GeoJSON is answered here, with the same
pieces the route uses — `security.authenticate`, the layer's read check, `params.items_query`,
the page cache, the store's page query, `routers.items.page_links` and `collection_body`, the
gzip policy of the app's GZipMiddleware and the CORS policy of `gis_server.cors` — but without
routing, dependency resolution and middleware, whose Python time is a large share of a 100-feature
page. Parameters are parsed on the event loop; only a page the cache does not hold is read in a
worker thread (with its gzip). Anything else — HTML, a refused caller, an unknown layer, any
parameter the route would reject, any error — goes on to the app unchanged, which answers it (and
reports errors) as usual.
"""

from __future__ import annotations

import logging
import re
import zlib
from dataclasses import dataclass

import anyio.to_thread
from starlette.requests import Request
from starlette.types import Scope

from gis_server.cors import apply_cors
from gis_server.fastpath import FastPath, Reply
from gis_server.links import GEOJSON, base_url
from gis_server.params import items_query, output_format
from gis_server.problems import ApiProblem
from gis_server.routers.items import collection_body, page_key, page_links
from gis_server.routers.tiles import accepts_gzip
from gis_server.security import authenticate
from gis_server.state import Services
from layers.crs import ServedCrs
from layers.errors import OneMapError
from layers.model import LayerDefinition
from layers.query import FeaturePage, FeatureQuery

log = logging.getLogger("onemap")
_ITEMS = re.compile(r"^/collections/([a-z][a-z0-9_]{0,62})/items$")
#: The app's GZipMiddleware settings (gis_server.app): same threshold, same level.
GZIP_MINIMUM = 1024
GZIP_LEVEL = 4



@dataclass(frozen=True, slots=True)
class _PageRequest:
    services: Services
    layer: LayerDefinition
    query: FeatureQuery
    crs: ServedCrs
    request: Request


class ItemsFastPath(FastPath):
    pattern = _ITEMS

    async def _answer(self, scope: Scope, match: re.Match[str]) -> Reply | None:
        try:
            parsed = _page_request(scope, match.group(1))
            if parsed is None:
                return None
            pages = parsed.services.pages
            key, page = pages.lookup(parsed.layer, page_key(parsed.request.query_params.multi_items()))
            gzip = accepts_gzip(parsed.request.headers.get("accept-encoding"))
            if page is None:
                return await anyio.to_thread.run_sync(_read_and_reply, parsed, key, gzip)
            return _reply(parsed, page, gzip)
        except OneMapError:  # the route reports it as problem+json
            return None
        except Exception:  # the app will answer (and report) whatever went wrong
            log.exception("items fast path failed; handing the request to the app")
            return None


def _page_request(scope: Scope, layer_id: str) -> _PageRequest | None:
    services = getattr(getattr(scope.get("app"), "state", None), "services", None)
    if services is None:
        return None
    request = Request(scope)
    try:
        principal = authenticate(request.headers.get("authorization"), services.settings)
    except ApiProblem:
        return None
    # a revision read only after a write; the caller's view of the layer (None: the app refuses)
    layer = services.access.view(services.registry.get_quick(layer_id), principal).layer
    if layer is None:
        return None
    if output_format(request.query_params, request.headers.get("accept")) != "json":
        return None
    query, crs = items_query(request.query_params, layer)
    return _PageRequest(services, layer, query, crs, request)


def _read_and_reply(parsed: _PageRequest, key: object, gzip: bool) -> Reply:
    page = parsed.services.store.query(parsed.layer, parsed.query)
    if key is not None:
        parsed.services.pages.keep(key, parsed.layer, page)
    return _reply(parsed, page, gzip)


def _reply(parsed: _PageRequest, page: FeaturePage, gzip: bool) -> Reply:
    request, layer = parsed.request, parsed.layer
    url = f"{base_url(request)}/collections/{layer.id}/items"
    params = {k: v for k, v in request.query_params.items() if k not in ("f", "offset")}
    body = collection_body(page, page_links(url, params, parsed.query, page, "json", layer))
    headers = {"Content-Crs": f"<{parsed.crs.uri}>", "Vary": "Accept-Encoding"}
    if gzip and len(body) >= GZIP_MINIMUM:
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
        body = compressor.compress(body) + compressor.flush()
        headers["Content-Encoding"] = "gzip"
    apply_cors(headers, origin="origin" in request.headers)
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw += [(b"content-type", GEOJSON.encode()), (b"content-length", str(len(body)).encode())]
    return 200, raw, body
