"""The OpenAPI 3.0 document (`service-desc`), built from the registry so each collection's paths,
queryables and schemas are spelled out. Self-contained: every `$ref` points inside the document.
"""

from __future__ import annotations

from typing import Any

from gis_server.documents import SERVICE_DESCRIPTION, SERVICE_TITLE
from gis_server.links import GEOJSON, HTML, JSON, OPENAPI_JSON, SCHEMA_JSON
from gis_server.openapi_enc import enc_paths
from gis_server.openapi_identity import identity_paths
from gis_server.openapi_network import network_paths
from gis_server.openapi_packages import package_paths
from gis_server.openapi_pages import page_paths
from gis_server.openapi_positions import position_paths
from gis_server.openapi_tiles import tile_paths
from gis_server.openapi_workflow import workflow_paths
from gis_server.params import MAX_LIMIT
from layers.crs import SERVED
from layers.json_schema import field_schema
from layers.model import LayerDefinition

PROBLEM = "application/problem+json"
REF = "#/components/"


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"{REF}{kind}/{name}"}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": _ref("schemas", "Problem")}}}


def _param(name: str, schema: dict[str, Any], description: str, *, style: str | None = None,
           explode: bool | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "in": "query", "required": False, "description": description,
                           "schema": schema}
    if style:
        out["style"] = style
    if explode is not None:
        out["explode"] = explode
    return out


CRS_ENUM = [c.uri for c in SERVED]

COMMON_PARAMETERS: dict[str, Any] = {
    "f": _param("f", {"type": "string", "enum": ["json", "html"]}, "输出格式 / output format"),
    "f_items": _param("f", {"type": "string", "enum": ["json", "geojson", "html"]}, "输出格式 / output format"),
    "bbox": _param("bbox", {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
                   "空间范围 / bounding box", style="form", explode=False),
    "bbox-crs": _param("bbox-crs", {"type": "string", "format": "uri", "enum": CRS_ENUM}, "bbox 的坐标系"),
    "crs": _param("crs", {"type": "string", "format": "uri", "enum": CRS_ENUM}, "输出坐标系 / response CRS"),
    "limit": _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10},
                    "每页要素数 / features per page"),
    "offset": _param("offset", {"type": "integer", "minimum": 0, "default": 0}, "起始位置 / start offset"),
    "sortby": _param("sortby", {"type": "string"}, "排序 / sort keys, e.g. +name,-length_km"),
    "filter": _param("filter", {"type": "string"}, "CQL2 过滤条件 / CQL2 filter"),
    "filter-lang": _param("filter-lang", {"type": "string", "enum": ["cql2-text", "cql2-json"]}, "过滤语言"),
    "filter-crs": _param("filter-crs", {"type": "string", "format": "uri", "enum": CRS_ENUM}, "过滤几何坐标系"),
    "properties": _param("properties", {"type": "string"}, "返回的属性 / properties to return (comma separated)"),
    "skipGeometry": _param("skipGeometry", {"type": "boolean"}, "不返回几何 / omit geometry"),
    "datetime": _param("datetime", {"type": "string"}, "时间或区间 / RFC 3339 instant or interval"),
}

LINK_SCHEMA = {
    "type": "object", "required": ["href", "rel"],
    "properties": {"href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
                   "title": {"type": "string"}},
}

COMPONENT_SCHEMAS: dict[str, Any] = {
    "Link": LINK_SCHEMA,
    "Problem": {"type": "object", "required": ["title", "status"],
                "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                               "status": {"type": "integer"}, "detail": {"type": "string"},
                               "instance": {"type": "string"}, "parameter": {"type": "string"},
                               "field": {"type": "string"}}},
    "LandingPage": {"type": "object", "required": ["links"],
                    "properties": {"title": {"type": "string"}, "description": {"type": "string"},
                                   "links": {"type": "array", "items": _ref("schemas", "Link")}}},
    "Conformance": {"type": "object", "required": ["conformsTo"],
                    "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}},
                                   "links": {"type": "array", "items": _ref("schemas", "Link")}}},
    "Collection": {"type": "object", "required": ["id", "links"],
                   "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                                  "description": {"type": "string"}, "itemType": {"type": "string"},
                                  "crs": {"type": "array", "items": {"type": "string"}},
                                  "storageCrs": {"type": "string"}, "extent": {"type": "object"},
                                  "links": {"type": "array", "items": _ref("schemas", "Link")}}},
    "Collections": {"type": "object", "required": ["links", "collections"],
                    "properties": {"links": {"type": "array", "items": _ref("schemas", "Link")},
                                   "collections": {"type": "array", "items": _ref("schemas", "Collection")}}},
    "JsonSchema": {"type": "object", "properties": {"properties": {"type": "object"}}},
    "Geometry": {"type": "object", "required": ["type"],
                 "properties": {"type": {"type": "string", "enum": [
                     "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"]},
                     "coordinates": {"type": "array"}}},
}


def _layer_schemas(layer: LayerDefinition) -> dict[str, Any]:
    props = {spec.name: {**field_schema(spec), "nullable": not spec.required} for spec in layer.fields}
    for value in props.values():
        value.pop("x-onemap-labels", None)
    feature = {
        "type": "object", "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            "geometry": {**_ref("schemas", "Geometry"), "nullable": True},
            "properties": {"type": "object", "properties": props},
            "links": {"type": "array", "items": _ref("schemas", "Link")},
        },
    }
    collection = {
        "type": "object", "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
            "timeStamp": {"type": "string", "format": "date-time"},
            "links": {"type": "array", "items": _ref("schemas", "Link")},
            "features": {"type": "array", "items": _ref("schemas", f"{layer.id}_feature")},
        },
    }
    required = [spec.name for spec in layer.fields if spec.required]
    accepted = sorted(layer.geometry_type.accepts)
    request_body = {
        "type": "object", "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "geometry": {"type": "object", "required": ["type", "coordinates"],
                         "properties": {"type": {"type": "string", "enum": accepted},
                                        "coordinates": {"type": "array"}}},
            "properties": {"type": "object", "properties": props, "additionalProperties": False,
                           **({"required": required} if required else {})},
        },
    }
    return {f"{layer.id}_feature": feature, f"{layer.id}_collection": collection,
            f"{layer.id}_input": request_body}


def _json_or_html(schema_name: str, media: str = JSON) -> dict[str, Any]:
    return {"description": "成功 / OK",
            "content": {media: {"schema": _ref("schemas", schema_name)}, HTML: {"schema": {"type": "string"}}}}


def _layer_paths(layer: LayerDefinition) -> dict[str, Any]:
    tag = [layer.id]
    base = f"/collections/{layer.id}"
    item_params = [_ref("parameters", n) for n in (
        "f_items", "bbox", "bbox-crs", "crs", "limit", "offset", "sortby", "filter", "filter-lang", "filter-crs",
        "properties", "skipGeometry")]
    if layer.temporal_field:
        item_params.append(_ref("parameters", "datetime"))
    for spec in layer.fields:
        schema = field_schema(spec)
        schema.pop("x-onemap-labels", None)
        schema.pop("x-ogc-unit", None)
        item_params.append(_param(spec.name, schema, f"按{spec.title_zh}过滤 / filter by {spec.name}"))
    feature_id = {"name": "featureId", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
                  "description": "要素标识 / feature id"}
    errors = {"400": _problem("参数无效 / invalid parameter"), "404": _problem("不存在 / not found")}
    write_errors = {
        "400": _problem("要素无效 / invalid feature"), "401": _problem("未认证 / unauthenticated"),
        "403": _problem("无权限 / forbidden"), "404": _problem("不存在 / not found"),
        "412": _problem("版本已变化 / precondition failed"), "413": _problem("请求体过大 / too large"),
        "415": _problem("媒体类型不支持 / unsupported media type"),
    }
    body = {"required": True, "content": {GEOJSON: {"schema": _ref("schemas", f"{layer.id}_input")},
                                          JSON: {"schema": _ref("schemas", f"{layer.id}_input")}}}
    if_match = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"}}
    item_ok = {"description": "要素 / the feature",
               "headers": {"ETag": {"schema": {"type": "string"}}},
               "content": {GEOJSON: {"schema": _ref("schemas", f"{layer.id}_feature")},
                           HTML: {"schema": {"type": "string"}}}}
    return {
        base: {"get": {"tags": tag, "summary": f"{layer.title_zh} / {layer.title_en}",
                       "operationId": f"describe_{layer.id}", "parameters": [_ref("parameters", "f")],
                       "responses": {"200": _json_or_html("Collection"), **errors}}},
        f"{base}/queryables": {"get": {
            "tags": tag, "summary": f"{layer.title_zh} 可查询属性", "operationId": f"queryables_{layer.id}",
            "parameters": [_ref("parameters", "f")],
            "responses": {"200": _json_or_html("JsonSchema", SCHEMA_JSON), **errors}}},
        f"{base}/schema": {"get": {
            "tags": tag, "summary": f"{layer.title_zh} 要素模式", "operationId": f"schema_{layer.id}",
            "parameters": [_ref("parameters", "f")],
            "responses": {"200": _json_or_html("JsonSchema", SCHEMA_JSON), **errors}}},
        f"{base}/items": {
            "get": {"tags": tag, "summary": f"{layer.title_zh}要素 / features", "operationId": f"items_{layer.id}",
                    "parameters": item_params,
                    "responses": {"200": _json_or_html(f"{layer.id}_collection", GEOJSON), **errors}},
            "post": {"tags": tag, "summary": f"新增{layer.title_zh} / create", "operationId": f"create_{layer.id}",
                     "security": [{"bearer": []}], "requestBody": body,
                     "responses": {"201": {"description": "已创建 / created",
                                           "headers": {"Location": {"schema": {"type": "string"}}}},
                                   **write_errors}},
        },
        f"{base}/items/{{featureId}}": {
            "get": {"tags": tag, "summary": f"{layer.title_zh}要素 / one feature", "operationId": f"item_{layer.id}",
                    "parameters": [feature_id, _ref("parameters", "f"), _ref("parameters", "crs")],
                    "responses": {"200": item_ok, "304": {"description": "未修改 / not modified"}, **errors}},
            "put": {"tags": tag, "summary": "替换 / replace", "operationId": f"replace_{layer.id}",
                    "security": [{"bearer": []}], "parameters": [feature_id, if_match], "requestBody": body,
                    "responses": {"204": {"description": "已替换 / replaced"}, **write_errors}},
            "patch": {"tags": tag, "summary": "修改 / update (JSON merge patch)", "operationId": f"update_{layer.id}",
                      "security": [{"bearer": []}], "parameters": [feature_id, if_match],
                      "requestBody": {"required": True, "content": {"application/merge-patch+json": {
                          "schema": {"type": "object"}}}},
                      "responses": {"204": {"description": "已修改 / updated"}, **write_errors}},
            "delete": {"tags": tag, "summary": "删除 / delete", "operationId": f"delete_{layer.id}",
                       "security": [{"bearer": []}], "parameters": [feature_id, if_match],
                       "responses": {"204": {"description": "已删除 / deleted"}, **write_errors}},
        },
    }


_METHODS = ("get", "put", "post", "patch", "delete", "head")


def _hardening_responses(paths: dict[str, Any]) -> None:
    """What every operation may answer because of the platform around it (`gis_server.hardening`,
    `security`): 401 for a token that is not valid, 429 past the caller's rate, and 413 for a body over
    the limit."""
    limited = {**_problem("请求过于频繁 / too many requests"),
               "headers": {"Retry-After": {"description": "可重试的秒数 / seconds until a retry may succeed",
                                           "schema": {"type": "integer", "minimum": 1}}}}
    for item in paths.values():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            responses.setdefault("401", _problem("令牌无效 / invalid token"))
            given = responses.get("429", {})
            responses["429"] = {**limited, **given, "headers": {**limited["headers"], **given.get("headers", {})}}
            if "requestBody" in operation:
                responses.setdefault("413", _problem("请求体过大 / payload too large"))


def build_openapi(base: str, layers: list[LayerDefinition]) -> dict[str, Any]:
    schemas = dict(COMPONENT_SCHEMAS)
    paths: dict[str, Any] = {
        "/": {"get": {"summary": "首页 / landing page", "operationId": "landing",
                      "parameters": [_ref("parameters", "f")],
                      "responses": {"200": _json_or_html("LandingPage"), "400": _problem("参数无效")}}},
        "/conformance": {"get": {"summary": "符合性声明 / conformance", "operationId": "conformance",
                                 "parameters": [_ref("parameters", "f")],
                                 "responses": {"200": _json_or_html("Conformance"), "400": _problem("参数无效")}}},
        "/api": {"get": {"summary": "本文档 / this API definition", "operationId": "api",
                         "parameters": [_ref("parameters", "f")],
                         "responses": {"200": {"description": "OpenAPI 3.0", "content": {
                             OPENAPI_JSON: {"schema": {"type": "object"}}, HTML: {"schema": {"type": "string"}}}},
                             "400": _problem("参数无效")}}},
        "/collections": {"get": {"summary": "数据集合 / collections", "operationId": "collections",
                                 "parameters": [_ref("parameters", "f")],
                                 "responses": {"200": _json_or_html("Collections"), "400": _problem("参数无效")}}},
    }
    for layer in layers:
        schemas.update(_layer_schemas(layer))
        paths.update(_layer_paths(layer))
    paths.update(tile_paths(layers))
    paths.update(enc_paths())
    paths.update(workflow_paths(layers))
    paths.update(network_paths())
    paths.update(position_paths())
    paths.update(page_paths())
    paths.update(package_paths())
    paths.update(identity_paths())
    _hardening_responses(paths)
    return {
        "openapi": "3.0.3",
        "info": {"title": SERVICE_TITLE, "description": SERVICE_DESCRIPTION, "version": "1.0.0",
                 "contact": {"name": "吉林省交通运输厅 / Jilin Provincial Department of Transport"}},
        "servers": [{"url": base}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": COMMON_PARAMETERS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "tags": [{"name": layer.id, "description": f"{layer.title_zh} / {layer.title_en}"} for layer in layers],
    }
