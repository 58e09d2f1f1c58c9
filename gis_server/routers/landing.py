"""Landing page, conformance declaration and the OpenAPI document."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from gis_server.conformance import conformance_classes
from gis_server.documents import SERVICE_TITLE, landing_page
from gis_server.links import HTML, JSON, OPENAPI_JSON, base_url, link
from gis_server.openapi import build_openapi
from gis_server.responses import html_page, json_response, negotiate
from gis_server.state import services

router = APIRouter()


@router.get("/", include_in_schema=False)
def landing(request: Request) -> Response:
    fmt = negotiate(request)
    doc = landing_page(base_url(request))
    if fmt == "html":
        return html_page(request, "landing.html", {"doc": doc, "title": SERVICE_TITLE})
    return json_response(doc)


@router.get("/conformance", include_in_schema=False)
def conformance(request: Request) -> Response:
    fmt = negotiate(request)
    base = base_url(request)
    doc = {
        "conformsTo": conformance_classes(),
        "links": [link(f"{base}/conformance?f=json", "self", JSON, "符合性声明 / conformance"),
                  link(f"{base}/conformance?f=html", "alternate", HTML, "符合性声明（网页）")],
    }
    if fmt == "html":
        return html_page(request, "conformance.html", {"doc": doc, "title": "符合性声明 / Conformance"})
    return json_response(doc)


@router.get("/api", include_in_schema=False)
def api_definition(request: Request) -> Response:
    fmt = negotiate(request)
    layers = [layer for layer in services(request).registry.all()]
    doc = build_openapi(base_url(request), layers)
    if fmt == "html":
        return html_page(request, "api.html", {"doc": doc, "title": "API 文档 / API documentation"})
    return json_response(doc, media_type=OPENAPI_JSON)
