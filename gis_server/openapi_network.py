"""The OpenAPI 3.0 paths of linear referencing and the road-network services
(`gis_server/routers/linear_referencing.py`, `gis_server/routers/network.py`), merged into `/api`
by `openapi.py`."""

from __future__ import annotations

from typing import Any

from gis_server.links import GEOJSON, JSON
from gis_server.openapi_enc import _path, _problem, _query

TAG = "network"
STAKE_NOTE = "桩号，K<公里>+<米>（如 K1023+500）或米数 / stake: K<km>+<mmm> (e.g. K1023+500) or metres"
ROUTE = _query("route", {"type": "string", "pattern": "^[A-Za-z][0-9]{1,5}$"}, "路线编号（如 G12） / route code")
STAKE = _query("stake", {"type": "string"}, STAKE_NOTE)
REF = _query("ref", {"type": "string"}, "路线+桩号（如 G12 K1023+500），代替 route 与 stake / route and stake in one")
LON = _query("lon", {"type": "number", "minimum": -180, "maximum": 180}, "经度（CRS84） / longitude (CRS84)")
LAT = _query("lat", {"type": "number", "minimum": -90, "maximum": 90}, "纬度（CRS84） / latitude (CRS84)")
K = _query("k", {"type": "integer", "minimum": 1, "maximum": 50, "default": 5}, "返回个数 / how many resources")
RESOURCE_TYPE = _query("resource_type", {"type": "string"}, "资源类别 / resource type (the layers' code lists)")
FEATURE = {"description": "成功 / OK", "content": {GEOJSON: {"schema": {
    "type": "object", "required": ["type", "geometry", "properties"],
    "properties": {"type": {"type": "string", "enum": ["Feature"]}, "geometry": {"type": "object"},
                   "properties": {"type": "object"}}}}}}
COLLECTION = {"description": "成功 / OK", "content": {GEOJSON: {"schema": {
    "type": "object", "required": ["type", "features"],
    "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                   "features": {"type": "array", "items": {"type": "object"}}}}}}}
BAD = {"400": _problem("参数无效（格式错误、桩号超出路线范围） / invalid parameter (malformed, stake out of range)"),
       "401": _problem("未认证 / unauthenticated"), "403": _problem("无权读取 / forbidden"),
       "404": _problem("路线、要素不存在或附近无道路 / unknown route or feature, or no road nearby"),
       "409": _problem("路网或业务图层未装载 / road network or domain layer not loaded")}


def _get(operation_id: str, summary: str, parameters: list[dict[str, Any]], ok: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"tags": [TAG], "summary": summary, "operationId": operation_id, "parameters": parameters,
                    "responses": {"200": ok, **BAD}}}


def network_paths() -> dict[str, Any]:
    crs = _query("crs", {"type": "string", "format": "uri"}, "输出坐标参考系（同要素接口） / output CRS, as for items")
    return {
        "/linear-referencing/locate": _get(
            "lr_locate", "路线桩号定位 / route and stake → point", [ROUTE, STAKE, REF, crs], FEATURE),
        "/linear-referencing/measure": _get(
            "lr_measure", "坐标求桩号 / point → nearest route, stake and offset",
            [{**LON, "required": True}, {**LAT, "required": True}, ROUTE,
             _query("max_distance", {"type": "number", "minimum": 0}, "最大距离（米） / maximum distance (m)")],
            FEATURE),
        "/network/route": _get(
            "network_route", "路网最短路径 / shortest path along the road network",
            [_query(end, {"type": "string"}, "lon,lat 或 路线+桩号 / lon,lat or e.g. G12 K100+000", required=True)
             for end in ("from", "to")], FEATURE),
        "/expressway/events/{fid}/resources": _get(
            "expressway_event_resources", "事件最近应急资源 / nearest emergency resources to an event",
            [_path("fid", {"type": "string"}, "事件要素号 / event feature id"), K, RESOURCE_TYPE], COLLECTION),
        "/expressway/resources/nearest": _get(
            "expressway_nearest_resources", "某处最近应急资源 / nearest emergency resources to a place",
            [ROUTE, STAKE, REF, LON, LAT, K, RESOURCE_TYPE], COLLECTION),
        "/permits/applications/{fid}/check": {"post": {
            "tags": [TAG], "summary": "大件运输路线核查 / check an oversize permit application's route",
            "operationId": "permit_route_check", "security": [{"bearer": []}],
            "parameters": [_path("fid", {"type": "string"}, "申请要素号 / application feature id")],
            "responses": {"200": {"description": "核查结果 / the check's result", "content": {JSON: {"schema": {
                "type": "object", "required": ["check_status", "check_summary", "problems"],
                "properties": {"check_status": {"type": "string", "enum": ["unchecked", "passed", "failed"]},
                               "check_summary": {"type": "string"}, "problems": {"type": "array"}}}}}},
                **BAD, "412": _problem("申请正被修改 / the application keeps changing")}}},
    }
