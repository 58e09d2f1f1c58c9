"""The OpenAPI 3.0 paths of the vehicle-position services (`gis_server/routers/positions.py`), merged
into `/api` by `openapi.py`."""

from __future__ import annotations

from typing import Any

from gis_server.links import GEOJSON, JSON

PROBLEM = "application/problem+json"
TAG = "positions"


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


REPORT = {
    "type": "object", "required": ["plate", "time", "lon", "lat", "speed_kmh", "heading_deg"],
    "properties": {
        "plate": {"type": "string", "description": "车牌号，如 吉A·D1234 / plate number", "example": "吉A·D1234"},
        "time": {"type": "string", "format": "date-time", "description": "定位时间，须带时区 / with a UTC offset"},
        "lon": {"type": "number", "minimum": 73, "maximum": 136, "description": "经度（CGCS2000）/ longitude"},
        "lat": {"type": "number", "minimum": 3, "maximum": 54, "description": "纬度 / latitude"},
        "speed_kmh": {"type": "number", "minimum": 0, "maximum": 250, "description": "速度 km/h / speed"},
        "heading_deg": {"type": "number", "minimum": 0, "maximum": 360, "description": "方向 / heading"},
    },
}
REJECT = {"type": "object", "required": ["index", "field", "reason"],
          "properties": {"index": {"type": "integer", "minimum": 0}, "field": {"type": "string"},
                         "reason": {"type": "string"}}}
RESULT = {
    "type": "object", "required": ["received", "accepted", "stored", "duplicates", "rejected", "rejects"],
    "properties": {
        "received": {"type": "integer"}, "accepted": {"type": "integer"}, "stored": {"type": "integer"},
        "duplicates": {"type": "integer"}, "rejected": {"type": "integer"},
        "rejects": {"type": "array", "items": REJECT},
        "written": {"type": "object", "additionalProperties": {"type": "integer"},
                    "description": "规则写入的要素数（按图层）/ features written by the rules, per layer"},
        "vehicles_moved": {"type": "integer"},
        "findings": {"type": "array", "items": {"type": "object"}},
    },
}


def position_paths() -> dict[str, Any]:
    return {
        "/positions": {"post": {
            "tags": [TAG], "summary": "批量上报车辆位置 / post a batch of vehicle positions",
            "description": "JT/T 808 位置汇报的批量形式：逐条校验，错误行逐条报告，正确行入库（同车同时刻去重），"
                           "随后判定超速、疲劳驾驶和危险货物车辆闯禁行。/ Rows are checked one by one; bad rows are "
                           "reported, good rows stored (a plate and time only once) and evaluated by the rules.",
            "operationId": "post_positions", "security": [{"bearer": []}],
            "requestBody": {"required": True, "content": {
                JSON: {"schema": {"type": "array", "items": REPORT}},
                "text/csv": {"schema": {"type": "string"},
                             "example": "plate,time,lon,lat,speed_kmh,heading_deg\n"
                                        "吉A·D1234,2024-05-01T08:00:00+08:00,125.32,43.82,62.5,90\n"}}},
            "responses": {"200": {"description": "已处理（含逐行拒绝原因）/ processed, with every rejected row",
                                  "content": {JSON: {"schema": RESULT}}},
                          "400": _problem("请求体无法解析 / unreadable body"),
                          "401": _problem("未认证 / unauthenticated"), "403": _problem("无权上报 / forbidden"),
                          "413": _problem("批量过大 / too large"),
                          "415": _problem("媒体类型不支持 / unsupported type")}}},
        "/positions/{plate}": {"get": {
            "tags": [TAG], "summary": "车辆轨迹 / a vehicle's track", "operationId": "get_track",
            "parameters": [
                {"name": "plate", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "start", "in": "query", "required": False, "schema": {"type": "string", "format": "date-time"},
                 "description": "起始时间（默认 end 前 1 小时）/ start (default: an hour before end)"},
                {"name": "end", "in": "query", "required": False, "schema": {"type": "string", "format": "date-time"},
                 "description": "结束时间（默认当前）/ end (default: now); at most 48 h after start"}],
            "responses": {"200": {"description": "GeoJSON LineString, CRS84", "content": {GEOJSON: {"schema": {
                "type": "object"}}}}, "400": _problem("参数无效 / invalid parameter"),
                "401": _problem("未认证 / unauthenticated"), "403": _problem("无权读取 / forbidden")}}},
    }
