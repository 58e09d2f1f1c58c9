"""`/collections`, `/collections/{id}`, its queryables and schema."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from gis_server.documents import collection_document, collections_document, queryables_document
from gis_server.links import SCHEMA_JSON, base_url
from gis_server.responses import html_page, json_response, negotiate
from gis_server.security import authorize_read, readable
from gis_server.state import services

router = APIRouter()


@router.get("/collections", include_in_schema=False)
def collections(request: Request) -> Response:
    fmt = negotiate(request)
    svc = services(request)
    base = base_url(request)
    docs = [collection_document(base, layer, svc.store.layer_state(layer))
            for layer in readable(request, svc.registry.all())]
    doc = collections_document(base, docs)
    if fmt == "html":
        return html_page(request, "collections.html", {"doc": doc, "title": "数据集合 / Collections"})
    return json_response(doc)


@router.get("/collections/{collection_id}", include_in_schema=False)
def collection(request: Request, collection_id: str) -> Response:
    fmt = negotiate(request)
    svc = services(request)
    layer = authorize_read(request, svc.registry.get(collection_id))
    doc = collection_document(base_url(request), layer, svc.store.layer_state(layer))
    if fmt == "html":
        return html_page(request, "collection.html", {"doc": doc, "layer": layer, "title": layer.title_zh})
    return json_response(doc)


@router.get("/collections/{collection_id}/queryables", include_in_schema=False)
def queryables(request: Request, collection_id: str) -> Response:
    return _schema(request, collection_id, schema_only=False)


@router.get("/collections/{collection_id}/schema", include_in_schema=False)
def schema(request: Request, collection_id: str) -> Response:
    return _schema(request, collection_id, schema_only=True)


def _schema(request: Request, collection_id: str, *, schema_only: bool) -> Response:
    fmt = negotiate(request)
    layer = authorize_read(request, services(request).registry.get(collection_id))
    doc = queryables_document(base_url(request), layer, schema_only=schema_only)
    if fmt == "html":
        return html_page(request, "queryables.html", {"doc": doc, "layer": layer,
                                                       "title": f"{layer.title_zh} — 可查询属性"})
    return json_response(doc, media_type=SCHEMA_JSON)
