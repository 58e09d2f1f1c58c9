"""Layer administration: register, replace or drop a layer while the server runs (admin role)."""

from __future__ import annotations

import orjson
import yaml
from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from gis_server.links import base_url
from gis_server.params import reject_unknown
from gis_server.problems import ApiProblem
from gis_server.responses import json_response
from gis_server.security import authorize_admin
from gis_server.state import services
from layers.errors import InvalidFeature
from layers.registry import parse_layer_documents

router = APIRouter()


@router.post("/admin/layers", include_in_schema=False)
async def register_layers(request: Request) -> Response:
    """Register the layer(s) in a JSON or YAML body; `?replace=true` replaces existing definitions."""
    authorize_admin(request)
    reject_unknown(request.query_params, ("replace",))
    replace = request.query_params.get("replace", "false").lower() == "true"
    raw = await request.body()
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    try:
        data = orjson.loads(raw) if media.endswith("json") else yaml.safe_load(raw)
    except (orjson.JSONDecodeError, yaml.YAMLError) as exc:
        raise InvalidFeature(f"图层定义无法解析 / cannot parse the layer definition: {exc}", field="body") from None
    try:
        layers = parse_layer_documents(data)
    except (ValidationError, ValueError) as exc:
        raise ApiProblem(400, "图层定义无效 / Invalid layer definition", str(exc)) from None
    registry = services(request).registry
    for layer in layers:
        registry.register(layer, replace=replace)
    base = base_url(request)
    return json_response({"registered": [f"{base}/collections/{layer.id}" for layer in layers]}, status=201,
                         headers={"Location": f"{base}/collections/{layers[0].id}"} if layers else None)


@router.delete("/admin/layers/{layer_id}", include_in_schema=False)
def drop_layer(request: Request, layer_id: str) -> Response:
    authorize_admin(request)
    reject_unknown(request.query_params, ())
    services(request).registry.drop(layer_id)
    return Response(status_code=204)
