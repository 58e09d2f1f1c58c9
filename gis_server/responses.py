"""Response helpers: JSON with the right media type, HTML pages, format negotiation."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from starlette.responses import Response

from gis_server.links import base_url
from gis_server.params import output_format, reject_unknown
from gis_server.state import services


def json_response(body: Any, media_type: str = "application/json", status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS), status_code=status,
                    media_type=media_type, headers=headers)


def negotiate(request: Request, allowed: frozenset[str] = frozenset({"f"})) -> str:
    """Reject unknown parameters and pick 'json' or 'html'."""
    reject_unknown(request.query_params, allowed)
    return output_format(request.query_params, request.headers.get("accept"))


def html_page(request: Request, template: str, context: dict[str, Any], status: int = 200,
              headers: dict[str, str] | None = None) -> Response:
    templates = services(request).templates
    context = {"base": base_url(request) + "/", **context}
    return templates.TemplateResponse(request, template, context, status_code=status, headers=headers)
