"""OGC API – Tiles 1.0: tile matrix sets, tileset lists and metadata, TileJSON, and the MVT tiles.

Paths (z/row/col order, `{z}` is the tile matrix id):
`/tileMatrixSets[/{tms}]`, `/collections/{id}/tiles[/{tms}[/tilejson.json|/{z}/{row}/{col}]]`,
`/tiles[/{tms}[/tilejson.json|/{z}/{row}/{col}]]` with `collections=a,b` — ids or this service's
collection URLs (default: every layer the caller may read; at most `MAX_COLLECTIONS` named).

Tile responses:
- `application/vnd.mapbox-vector-tile`; gzip-encoded (`Content-Encoding: gzip`) when the client
  accepts gzip, else the plain MVT; `Vary: Accept-Encoding`. The app's GZipMiddleware leaves
  responses that already carry a Content-Encoding alone, so nothing is compressed twice.
- A tile without features is `200` with an MVT holding no features (often zero bytes before
  gzip), not `204`: every client (MapLibre, OpenLayers, GDAL, mapbox-vector-tile) reads it, and it
  carries an ETag like any tile.
- `ETag` from the tile service (distinct for the gzip and the identity encoding); `If-None-Match`
  → `304`.
- `Cache-Control: public, no-cache` (`private` when a layer is not public): browsers and proxies
  keep tiles but revalidate each use, so an edit shows on the next request (the ETag hashes the
  tile's bytes), and an unchanged tile costs a 304 with no body. A max-age would show editors
  their own stale tiles for that long. Dataset tiles without `collections=` hold what the caller
  may read, so they also vary on `Authorization`.
- Layers whose zoom range excludes the tile matrix are left out of the tile (an empty tile if
  none remain). Unknown matrix set, tile matrix outside the set or row/col outside the matrix,
  unknown layer → 404; malformed or too many `collections` → 400; all as problem+json with
  `Cache-Control: no-store`.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from fastapi import APIRouter, Request
from starlette.responses import Response

from gis_server.etags import matches_none_match
from gis_server.links import base_url
from gis_server.params import reject_unknown
from gis_server.problems import STATUS_OF, ApiProblem
from gis_server.responses import json_response
from gis_server.security import authorize_read, readable
from gis_server.state import services
from gis_server.tiles_state import tile_service
from layers import errors
from layers.model import IDENTIFIER, LayerDefinition
from layers.query import LayerState
from tiles import documents
from tiles.matrix_sets import WEB_MERCATOR_QUAD, UnknownTileMatrixSet, get_tms, is_valid, matrix_range
from tiles.model import MVT_MEDIA_TYPE, RenderedTile, TileAddress
from tiles.service import TileResponse, compress

router = APIRouter()

#: Most layers one `collections=` list may name.
MAX_COLLECTIONS = 20
NO_STORE = {"Cache-Control": "no-store"}
_EMPTY = compress(RenderedTile(b""))
_TILE_PATH = "/{tms_id}/{z}/{row}/{col}"


@contextmanager
def _problems() -> Iterator[None]:
    """Errors of the tile routes leave as problem+json that no cache may keep."""
    try:
        yield
    except ApiProblem as exc:
        exc.headers = {**exc.headers, **NO_STORE}
        raise
    except UnknownTileMatrixSet as exc:
        raise ApiProblem(404, "未找到瓦片矩阵集 / Tile matrix set not found", exc.message, headers=NO_STORE) from exc
    except errors.OneMapError as exc:
        status, _slug, title = next((v for k, v in STATUS_OF.items() if isinstance(exc, k)),
                                    (400, "bad-request", "请求错误 / Bad request"))
        raise ApiProblem(status, title, exc.message, headers=NO_STORE,
                         parameter=exc.parameter, field=exc.field) from exc


def _json_only(request: Request, allowed: frozenset[str] = frozenset({"f"})) -> None:
    reject_unknown(request.query_params, allowed)
    fmt = request.query_params.get("f")
    if fmt is not None and fmt != "json":
        raise errors.InvalidQuery(f"不支持的格式 / unsupported format f={fmt!r}; use json", parameter="f")


def _tilejson_tms(tms_id: str) -> None:
    get_tms(tms_id)
    if tms_id != WEB_MERCATOR_QUAD:
        raise ApiProblem(404, "未找到 / Not found",
                         f"TileJSON 仅提供 WebMercatorQuad / TileJSON is served for WebMercatorQuad only, not {tms_id}")


# -- tile matrix sets ------------------------------------------------------------------------------
@router.get("/tileMatrixSets", include_in_schema=False)
def tile_matrix_sets(request: Request) -> Response:
    with _problems():
        _json_only(request)
        return json_response(documents.tile_matrix_sets_document(base_url(request)))


@router.get("/tileMatrixSets/{tms_id}", include_in_schema=False)
def tile_matrix_set(request: Request, tms_id: str) -> Response:
    with _problems():
        _json_only(request)
        return json_response(documents.tile_matrix_set_document(tms_id))


# -- one collection --------------------------------------------------------------------------------
def _states(request: Request, layers: Sequence[LayerDefinition]) -> list[LayerState]:
    store = services(request).store
    return [store.layer_state(layer) for layer in layers]


def _collection(request: Request, collection_id: str) -> LayerDefinition:
    return authorize_read(request, services(request).registry.get_quick(collection_id))


@router.get("/collections/{collection_id}/tiles", include_in_schema=False)
def collection_tilesets(request: Request, collection_id: str) -> Response:
    with _problems():
        _json_only(request)
        _collection(request, collection_id)
        return json_response(documents.tilesets_document(base_url(request), collection_id))


@router.get("/collections/{collection_id}/tiles/{tms_id}", include_in_schema=False)
def collection_tileset(request: Request, collection_id: str, tms_id: str) -> Response:
    with _problems():
        _json_only(request)
        get_tms(tms_id)
        layer = _collection(request, collection_id)
        states = _states(request, [layer])
        return json_response(documents.tileset_document(base_url(request), tms_id, [layer], states,
                                                        collection_id=collection_id))


@router.get("/collections/{collection_id}/tiles/{tms_id}/tilejson.json", include_in_schema=False)
def collection_tilejson(request: Request, collection_id: str, tms_id: str) -> Response:
    with _problems():
        _json_only(request)
        _tilejson_tms(tms_id)
        layer = _collection(request, collection_id)
        states = _states(request, [layer])
        return json_response(documents.tilejson_document(base_url(request), [layer], states,
                                                         collection_id=collection_id))


@router.api_route("/collections/{collection_id}/tiles" + _TILE_PATH, methods=["GET", "HEAD"],
                  include_in_schema=False)
def collection_tile(request: Request, collection_id: str, tms_id: str, z: str, row: str, col: str) -> Response:
    with _problems():
        _tile_params(request, frozenset({"f"}))
        address = _address(tms_id, z, row, col)
        return _tile(request, [_collection(request, collection_id)], address)


# -- the dataset: several layers in one tile -------------------------------------------------------
def _dataset_layers(request: Request) -> tuple[list[LayerDefinition], list[str] | None]:
    """The layers `collections=` names (checked), or every readable layer when it is absent."""
    registry = services(request).registry
    raw = request.query_params.get("collections")
    if raw is None:
        return readable(request, registry.all_quick()), None
    prefix = f"{base_url(request)}/collections/"
    names = list(dict.fromkeys(_collection_id(item.strip(), prefix) for item in raw.split(",")))
    bad = [name for name in names if not IDENTIFIER.match(name)]
    if bad:
        raise errors.InvalidQuery(
            f"collections 须为逗号分隔的图层标识或本服务的图层地址 / collections must be comma-separated "
            f"collection ids or this service's collection URLs; "
            f"invalid: {', '.join(repr(b) for b in bad)}", parameter="collections")
    if len(names) > MAX_COLLECTIONS:
        raise errors.InvalidQuery(
            f"collections 最多 {MAX_COLLECTIONS} 个图层 / at most {MAX_COLLECTIONS} collections per request, "
            f"got {len(names)}", parameter="collections")
    known = {layer.id: layer for layer in registry.all_quick()}
    layers = []
    for name in names:
        layer = known.get(name)
        if layer is None:  # maybe registered a moment ago: ask the store before saying no
            try:
                layer = registry.get(name)
            except errors.LayerNotFound:
                raise errors.LayerNotFound(f"图层不存在 / no collection with id {name!r}",
                                           parameter="collections") from None
        layers.append(authorize_read(request, layer))
    return layers, names


def _collection_id(item: str, prefix: str) -> str:
    """A collection id, or this service's collection URL (`{base}/collections/{id}`) reduced to its id."""
    if item.startswith(prefix):
        return item.removeprefix(prefix).rstrip("/")
    return item


def _dataset_metadata_layers(request: Request) -> tuple[list[LayerDefinition], list[str] | None]:
    layers, names = _dataset_layers(request)
    if not layers:
        raise ApiProblem(404, "未找到 / Not found", "没有可读取的图层 / no collection is readable here")
    return layers, names


@router.get("/tiles", include_in_schema=False)
def dataset_tilesets(request: Request) -> Response:
    with _problems():
        _json_only(request, frozenset({"f", "collections"}))
        _layers, names = _dataset_layers(request)
        return json_response(documents.tilesets_document(base_url(request), None, names))


@router.get("/tiles/{tms_id}", include_in_schema=False)
def dataset_tileset(request: Request, tms_id: str) -> Response:
    with _problems():
        _json_only(request, frozenset({"f", "collections"}))
        get_tms(tms_id)
        layers, names = _dataset_metadata_layers(request)
        states = _states(request, layers)
        return json_response(documents.tileset_document(base_url(request), tms_id, layers, states,
                                                        collection_id=None, collections=names))


@router.get("/tiles/{tms_id}/tilejson.json", include_in_schema=False)
def dataset_tilejson(request: Request, tms_id: str) -> Response:
    with _problems():
        _json_only(request, frozenset({"f", "collections"}))
        _tilejson_tms(tms_id)
        layers, names = _dataset_metadata_layers(request)
        states = _states(request, layers)
        return json_response(documents.tilejson_document(base_url(request), layers, states,
                                                         collection_id=None, collections=names))


@router.api_route("/tiles" + _TILE_PATH, methods=["GET", "HEAD"], include_in_schema=False)
def dataset_tile(request: Request, tms_id: str, z: str, row: str, col: str) -> Response:
    with _problems():
        _tile_params(request, frozenset({"f", "collections"}))
        address = _address(tms_id, z, row, col)
        layers, names = _dataset_layers(request)
        # Without `collections` the layers depend on who asks: caches must key on the credentials too.
        return _tile(request, layers, address, by_caller=names is None)


# -- tiles -----------------------------------------------------------------------------------------
def _tile_params(request: Request, allowed: frozenset[str]) -> None:
    reject_unknown(request.query_params, allowed)
    fmt = request.query_params.get("f")
    if fmt is not None and fmt != "mvt":
        raise errors.InvalidQuery(f"不支持的格式 / unsupported format f={fmt!r}; tiles are f=mvt", parameter="f")


def _address(tms_id: str, z: str, row: str, col: str) -> TileAddress:
    get_tms(tms_id)
    numbers = (z, row, col)
    if all(part.isascii() and part.isdigit() and len(part) <= 10 for part in numbers):
        address = TileAddress(tms_id, int(z), int(row), int(col))
        if is_valid(address):
            return address
    raise ApiProblem(404, "未找到瓦片 / Tile not found",
                     f"瓦片超出瓦片矩阵集 {tms_id} 的范围 / no tile {z}/{row}/{col} in tile matrix set {tms_id}")


def _tile(request: Request, layers: Sequence[LayerDefinition], address: TileAddress, *,
          by_caller: bool = False) -> Response:
    shown = [layer for layer in layers if layer_shown(layer, address)]
    tile = tile_service(request).tile(shown, address) if shown else _EMPTY
    public = all(services(request).access.is_public(layer) for layer in layers)
    return tile_response(request, tile, public=public, by_caller=by_caller)


def layer_shown(layer: LayerDefinition, address: TileAddress) -> bool:
    lo, hi = matrix_range(address.tms, layer.min_zoom, layer.max_zoom)
    return lo <= address.z <= hi


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding header admits gzip (`gzip;q=0` and `*;q=0` refuse it)."""
    if not header:
        return False
    quality: dict[str, float] = {}
    for item in header.split(","):
        coding, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        quality[coding.strip().lower()] = q
    if "gzip" in quality:
        return quality["gzip"] > 0
    if "x-gzip" in quality:
        return quality["x-gzip"] > 0
    return quality.get("*", 0.0) > 0


def tile_response(request: Request, tile: TileResponse, *, public: bool, by_caller: bool = False) -> Response:
    """The HTTP response for a tile (see `tile_reply`)."""
    status, headers, body = tile_reply(tile, request.headers.get("accept-encoding"),
                                       request.headers.get("if-none-match"), public=public, by_caller=by_caller)
    if status == 304:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MVT_MEDIA_TYPE, headers=headers)


def tile_reply(tile: TileResponse, accept_encoding: str | None, if_none_match: str | None, *, public: bool,
               by_caller: bool = False) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body for a tile: encoding, ETag/304 and caching headers (`by_caller`: the
    content depends on the caller's credentials, so caches vary on Authorization). Shared by the
    route and the cached-tile fast path (`gis_server/tile_fastpath.py`)."""
    use_gzip = accepts_gzip(accept_encoding)
    etag = tile.etag if use_gzip else tile.etag[:-1] + '-identity"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"{'public' if public else 'private'}, no-cache",
        "Vary": "Accept-Encoding, Authorization" if by_caller else "Accept-Encoding",
    }
    if matches_none_match(if_none_match, etag):
        return 304, headers, b""
    if use_gzip:
        headers["Content-Encoding"] = "gzip"
        return 200, headers, tile.gzip_body
    return 200, headers, gzip.decompress(tile.gzip_body)
