"""`/collections/{id}/items` and `/collections/{id}/items/{featureId}` (Parts 1, 2 and 3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from gis_server.etags import feature_etag, not_modified
from gis_server.links import GEOJSON, HTML, JSON, base_url, link, with_query
from gis_server.params import ITEM_PARAMETERS, items_query, output_format, reject_unknown
from gis_server.responses import html_page
from gis_server.security import authorize_read
from gis_server.state import services
from gis_server.svg_preview import svg_preview
from layers.crs import CRS84, served_crs
from layers.errors import FeatureNotFound
from layers.model import LayerDefinition
from layers.query import FeaturePage, FeatureQuery

router = APIRouter()


@router.get("/collections/{collection_id}/items", include_in_schema=False)
def items(request: Request, collection_id: str) -> Response:
    svc = services(request)
    layer = authorize_read(request, svc.registry.get_quick(collection_id))
    query, crs = items_query(request.query_params, layer)
    fmt = output_format(request.query_params, request.headers.get("accept"))
    cache_key = page_key(request.query_params.multi_items())
    page = svc.pages.page(layer, cache_key, lambda: svc.store.query(layer, query))
    url = f"{base_url(request)}/collections/{layer.id}/items"
    params = {k: v for k, v in request.query_params.items() if k not in ("f", "offset")}
    links = page_links(url, params, query, page, fmt, layer)
    headers = {"Content-Crs": f"<{crs.uri}>"}
    if fmt == "html":
        features = orjson.loads(page.features_json)
        return html_page(request, "items.html", {
            "layer": layer, "features": features, "page": page, "links": links, "query": query,
            "title": f"{layer.title_zh} — 要素", "crs": crs.uri,
            "preview": svg_preview(features, lat_first=crs.lat_first, geographic=crs.srid != 3857),
        }, headers=headers)
    return Response(collection_body(page, links), media_type=GEOJSON, headers=headers)


def collection_body(page: FeaturePage, links: list[dict[str, Any]]) -> bytes:
    """The GeoJSON FeatureCollection of a page: the store's features JSON spliced in as is."""
    head: dict[str, Any] = {"type": "FeatureCollection"}
    if page.number_matched is not None:
        head["numberMatched"] = page.number_matched
    head["numberReturned"] = page.number_returned
    head["timeStamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    head["links"] = links
    return orjson.dumps(head)[:-1] + b',"features":' + page.features_json + b"}"


def page_key(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """What identifies a page in the page cache: every parameter but the output format."""
    return [(k, v) for k, v in items if k != "f"]


def page_links(url: str, params: dict[str, str], query: FeatureQuery, page: FeaturePage, fmt: str,
                layer: LayerDefinition) -> list[dict[str, Any]]:
    offset = {"offset": query.offset} if query.offset else {}
    current = GEOJSON if fmt == "json" else HTML
    other_fmt, other = ("html", HTML) if fmt == "json" else ("json", GEOJSON)
    links = [
        link(with_query(url, {**params, **offset, "f": fmt}), "self", current, f"{layer.title_zh}要素"),
        link(with_query(url, {**params, **offset, "f": other_fmt}), "alternate", other, f"{layer.title_zh}要素"),
        link(url.rsplit("/items", 1)[0] + "?f=json", "collection", JSON, layer.title_zh),
    ]
    more = (page.number_matched is not None and query.offset + page.number_returned < page.number_matched) or (
        page.number_matched is None and page.number_returned == query.limit)
    if more:
        nxt = query.offset + page.number_returned
        links.append(link(with_query(url, {**params, "offset": nxt, "f": fmt}), "next", current, "下一页 / next page"))
    if query.offset > 0:
        prev = max(0, query.offset - query.limit)
        links.append(link(with_query(url, {**params, "offset": prev or None, "f": fmt}), "prev", current,
                          "上一页 / previous page"))
    return links


@router.get("/collections/{collection_id}/items/{feature_id}", include_in_schema=False)
def item(request: Request, collection_id: str, feature_id: str) -> Response:
    svc = services(request)
    layer = authorize_read(request, svc.registry.get_quick(collection_id))
    reject_unknown(request.query_params, ITEM_PARAMETERS)
    fmt = output_format(request.query_params, request.headers.get("accept"))
    crs = served_crs(request.query_params.get("crs"), "crs") if "crs" in request.query_params else CRS84
    fid = parse_feature_id(layer, feature_id)
    feature = svc.store.get(layer, fid, crs.output)
    etag = feature_etag(feature.fid, feature.version)
    headers = {"ETag": etag, "Content-Crs": f"<{crs.uri}>"}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    base = base_url(request)
    url = f"{base}/collections/{layer.id}/items/{fid}"
    doc = feature.to_geojson()
    doc["links"] = [
        link(f"{url}?f={fmt}", "self", GEOJSON if fmt == "json" else HTML, f"{layer.title_zh} {fid}"),
        link(f"{url}?f={'html' if fmt == 'json' else 'json'}", "alternate", HTML if fmt == "json" else GEOJSON),
        link(f"{base}/collections/{layer.id}?f=json", "collection", JSON, layer.title_zh),
    ]
    if fmt == "html":
        preview = svg_preview([doc], lat_first=crs.lat_first, geographic=crs.srid != 3857)
        return html_page(request, "item.html", {
            "layer": layer, "feature": doc, "title": f"{layer.title_zh} {fid}", "version": feature.version,
            "crs": crs.uri, "preview": preview}, headers=headers)
    return Response(orjson.dumps(doc, option=orjson.OPT_UTC_Z), media_type=GEOJSON, headers=headers)


def parse_feature_id(layer: LayerDefinition, feature_id: str) -> int:
    if not (feature_id.isascii() and feature_id.isdigit()) or len(feature_id) > 18:
        raise FeatureNotFound(f"图层 {layer.id} 中没有要素 {feature_id!r} / no feature {feature_id!r}")
    return int(feature_id)
