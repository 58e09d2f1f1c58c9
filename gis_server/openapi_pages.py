"""The OpenAPI 3.0 paths of the JSON services behind the web pages — the planners' map
(`routers/webmap.py`: configuration, session, organisations, search, measuring, route planning) and
the command-centre dashboard (`routers/dashboard.py`) — merged into `/api` by `openapi.py`.
The HTML pages themselves (`/map`, `/dashboard`) are not API operations and are left out."""

from __future__ import annotations

from typing import Any

from gis_server.links import GEOJSON, JSON

PROBLEM = "application/problem+json"
MAP, DASHBOARD = "map", "dashboard"
#: Days and minutes accepted by the dashboard (as `routers.dashboard` checks them).
MAX_DAYS, MAX_MINUTES = 366, 7 * 24 * 60


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _ok(description: str, media_type: str = JSON, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": schema or {"type": "object"}}}}


def _query(name: str, description: str, schema: dict[str, Any], *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


POINTS = _query("points", "经纬度点串 lon,lat;lon,lat;…（CRS84）/ points as lon,lat pairs separated by ';'",
                {"type": "string", "pattern": r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?(;-?\d+(\.\d+)?,-?\d+(\.\d+)?)+$",
                 "example": "125.30,43.88;125.40,43.90"}, required=True)
DOMAIN = _query("domain", "业务领域（只统计该领域的流程图层）/ one business domain", {"type": "string"})
REGION = _query("region", "6 位行政区划代码 / a 6-digit administrative division code",
                {"type": "string", "pattern": r"^\d{6}$", "example": "220100"})
FORMAT = _query("f", "格式 / format", {"type": "string", "enum": ["json"]})
BAD = _problem("参数无效 / invalid parameter")
SEARCH_RESULT = {"type": "object", "required": ["query", "numberReturned", "results"], "properties": {
    "query": {"type": "string"}, "numberReturned": {"type": "integer", "minimum": 0},
    "message": {"type": "string", "nullable": True},
    "results": {"type": "array", "items": {"type": "object"}}}}
MEASURE = {"type": "object", "required": ["kind", "points"], "properties": {
    "kind": {"type": "string", "enum": ["line", "polygon"]}, "points": {"type": "integer"},
    "length_m": {"type": "number"}, "length_km": {"type": "number"},
    "area_m2": {"type": "number"}, "area_km2": {"type": "number"},
    "perimeter_m": {"type": "number"}, "perimeter_km": {"type": "number"}}}


def _get(tag: str, summary: str, operation_id: str, parameters: list[dict[str, Any]],
         responses: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"tags": [tag], "summary": summary, "operationId": operation_id,
                                 "parameters": parameters, "responses": responses}
    if description:
        operation["description"] = description
    return {"get": operation}


def page_paths() -> dict[str, Any]:
    dashboard_scope = [DOMAIN, REGION, FORMAT]
    return {
        "/map/config": _get(MAP, "一张图配置 / the map's configuration", "map_config", [], {
            "200": _ok("调用者、按领域分组的图层树、初始范围与海图范围、天地图密钥 / caller, layer tree by domain, "
                       "initial and chart extents, Tianditu key"), "400": BAD}),
        "/map/session": _get(MAP, "当前身份 / who the bearer token names", "map_session", [], {
            "200": _ok("调用者 / the caller"), "400": BAD, "401": _problem("令牌无效 / invalid token")}),
        "/map/organisations": _get(MAP, "持有流程事项的单位 / organisations holding workflow items",
                                   "map_organisations", [], {"200": _ok("单位列表 / organisations"), "400": BAD}),
        "/search": _get(MAP, "搜索 / search places", "search", [
            _query("q", "名称、车牌、案件/申请/事件编号或桩号（如 G12 K1023+500）/ a name, plate, case, application "
                        "or event number, or a stake", {"type": "string", "minLength": 2, "maxLength": 100},
                   required=True)], {"200": _ok("匹配的位置 / matching places", schema=SEARCH_RESULT), "400": BAD}),
        "/map/measure": _get(MAP, "量算距离或面积 / measure a distance or an area", "map_measure", [
            POINTS, _query("kind", "line（距离）或 polygon（面积）/ line or polygon",
                           {"type": "string", "enum": ["line", "polygon"], "default": "line"})],
            {"200": _ok("椭球面上的长度或面积 / geodesic length or area", schema=MEASURE), "400": BAD}),
        "/map/route-plan": _get(MAP, "沿路网规划线路 / a route along the roads through the points",
                                "map_route_plan", [POINTS], {
                                    "200": _ok("线路及其经过的路线编号 / the route and its route codes", GEOJSON),
                                    "400": BAD, "401": _problem("需要登录 / sign-in required"),
                                    "403": _problem("无权读取路网 / roads not readable"),
                                    "404": _problem("点之间没有道路连通 / no road path"),
                                    "409": _problem("路网不可用 / no road network")}),
        "/dashboard/api/summary": _get(DASHBOARD, "按领域、状态、地区的事项数 / counts by domain, state and region",
                                       "dashboard_summary", dashboard_scope, {"200": _ok("统计 / counts"), "400": BAD}),
        "/dashboard/api/organisations": _get(DASHBOARD, "按超期事项排名的单位 / organisations by overdue items",
                                             "dashboard_organisations", dashboard_scope,
                                             {"200": _ok("排名 / ranking"), "400": BAD}),
        "/dashboard/api/series": _get(DASHBOARD, "每日新增与办结 / new and closed items per day", "dashboard_series",
                                      [*dashboard_scope, _query("days", "天数 / days", {
                                          "type": "integer", "minimum": 1, "maximum": MAX_DAYS, "default": 30})],
                                      {"200": _ok("时间序列 / series"), "400": BAD}),
        "/dashboard/api/vehicles": _get(DASHBOARD, "危险货物运输车辆位置 / dangerous-goods vehicle positions",
                                        "dashboard_vehicles", [
                                            _query("minutes", "最近多少分钟的位置 / positions of the last minutes", {
                                                "type": "integer", "minimum": 1, "maximum": MAX_MINUTES,
                                                "default": 1440}), FORMAT],
                                        {"200": _ok("车辆最新位置 / latest positions", GEOJSON), "400": BAD,
                                         "401": _problem("需要登录 / sign-in required"),
                                         "403": _problem("无权限 / forbidden")}),
    }


__all__ = ["page_paths"]
