"""The OpenAPI 3.0 paths of the chart's water-level, safety and route-check services
(`gis_server/routers/enc.py`), merged into `/api` by `openapi.py`."""

from __future__ import annotations

from typing import Any

from gis_server.links import GEOJSON, JSON
from tiles.matrix_sets import TMS_IDS
from tiles.model import MVT_MEDIA_TYPE

PROBLEM = "application/problem+json"
TAG = "enc"


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _query(name: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _path(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


METRES = {"type": "number", "exclusiveMinimum": True, "minimum": 0}
TIME = _query("time", {"type": "string", "format": "date-time"},
              "时刻（RFC 3339，默认当前） / the time of the water level (RFC 3339; default now)")
SAFETY_PARAMS = [
    TIME,
    _query("draft", {**METRES, "maximum": 30}, "吃水（米） / draft (m)", required=True),
    _query("ukc", {"type": "number", "minimum": 0, "maximum": 10, "default": 0},
           "富余水深（米） / under-keel clearance (m)"),
    _query("air_draft", {**METRES, "maximum": 100}, "水面以上高度（米） / air draft (m), for the bridges' safe flag"),
]
TILE_PARAMS = [
    _path("tileMatrixSetId", {"type": "string", "enum": list(TMS_IDS)}, "瓦片矩阵集 / tile matrix set"),
    _path("tileMatrix", {"type": "string", "pattern": "^[0-9]{1,2}$"}, "层级 / tile matrix (zoom)"),
    _path("tileRow", {"type": "string", "pattern": "^[0-9]{1,10}$"}, "行 / row from the top"),
    _path("tileCol", {"type": "string", "pattern": "^[0-9]{1,10}$"}, "列 / column from the left"),
]
READING = {"type": "object", "required": ["observed_at", "level"], "additionalProperties": False,
           "properties": {"observed_at": {"type": "string", "format": "date-time"},
                          "level": {"type": "number", "description": "metres above the gauge datum"}}}
VESSEL = {"type": "object", "required": ["draft", "air_draft", "beam", "length", "ukc"], "additionalProperties": False,
          "properties": {"draft": METRES, "air_draft": METRES, "beam": METRES, "length": METRES, "ukc": METRES}}
ROUTE_CHECK = {"type": "object", "required": ["route", "vessel"], "additionalProperties": False,
               "properties": {"route": {"type": "object", "description": "GeoJSON LineString, CRS84 lon/lat",
                                        "required": ["type", "coordinates"],
                                        "properties": {"type": {"type": "string", "enum": ["LineString"]},
                                                       "coordinates": {"type": "array", "minItems": 2}}},
                              "vessel": VESSEL, "time": {"type": "string", "format": "date-time"}}}
GEOJSON_OK = {"description": "成功 / OK", "content": {GEOJSON: {"schema": {"type": "object"}}}}
ERRORS = {"400": _problem("参数无效 / invalid parameter"),
          "409": _problem("航道图未装载或无水位数据 / chart not loaded or no water level")}


def enc_paths() -> dict[str, Any]:
    return {
        "/enc/gauges": {"get": {
            "tags": [TAG], "summary": "水位站及最新读数 / gauges with their latest reading",
            "operationId": "enc_gauges",
            "parameters": [{"name": "f", "in": "query", "required": False, "description": "格式 / format",
                            "schema": {"type": "string", "enum": ["json", "geojson"]}}],
            "responses": {"200": GEOJSON_OK, **ERRORS}}},
        "/enc/gauges/{gaugeId}/readings": {"post": {
            "tags": [TAG], "summary": "上报水位读数 / post gauge readings", "operationId": "enc_post_readings",
            "security": [{"bearer": []}],
            "parameters": [_path("gaugeId", {"type": "string"}, "水位站 / gauge id")],
            "requestBody": {"required": True, "content": {JSON: {"schema": {
                "oneOf": [READING, {"type": "array", "items": READING, "minItems": 1}]}}}},
            "responses": {"201": {"description": "已保存 / stored", "content": {JSON: {"schema": {"type": "object"}}}},
                          "401": _problem("未认证 / unauthenticated"), "404": _problem("水位站不存在 / no such gauge"),
                          "415": _problem("媒体类型不支持 / unsupported media type"), **ERRORS}}},
        "/enc/safety": {"get": {
            "tags": [TAG], "summary": "不安全水域与桥梁净空 / unsafe areas and bridge clearances at a time",
            "operationId": "enc_safety", "parameters": SAFETY_PARAMS, "responses": {"200": GEOJSON_OK, **ERRORS}}},
        "/enc/safety/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": {"get": {
            "tags": [TAG], "summary": "不安全水域瓦片 / unsafe areas as vector tiles", "operationId": "enc_safety_tile",
            "parameters": [*TILE_PARAMS, *SAFETY_PARAMS[:3]],
            "responses": {"200": {"description": "MVT", "content": {MVT_MEDIA_TYPE: {
                "schema": {"type": "string", "format": "binary"}}}},
                "304": {"description": "未修改 / not modified"}, "404": _problem("瓦片不存在 / no such tile"),
                **ERRORS}}},
        "/enc/route-check": {"post": {
            "tags": [TAG], "summary": "航线检查 / check a route for a vessel", "operationId": "enc_route_check",
            "requestBody": {"required": True, "content": {JSON: {"schema": ROUTE_CHECK}}},
            "responses": {"200": {"description": "违规项（GeoJSON 点） / violations as GeoJSON points",
                                  "content": {GEOJSON: {"schema": {"type": "object"}}}},
                          "415": _problem("媒体类型不支持 / unsupported media type"), **ERRORS}}},
    }
