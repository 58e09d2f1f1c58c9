"""The OpenAPI 3.0 paths of the offline packages (`gis_server/routers/packages.py`), merged into `/api`
by `openapi.py`."""

from __future__ import annotations

from typing import Any

from gis_server.links import JSON

PROBLEM = "application/problem+json"
TAG = "packages"
SIGNED_IN = [{"bearer": []}]
PACKAGE_TYPES = ("application/vnd.sqlite3", "application/vnd.pmtiles")


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


JOB = {"type": "object", "required": ["id", "status", "progress", "links"], "properties": {
    "id": {"type": "string"}, "kind": {"type": "string"}, "format": {"type": "string", "enum": ["mbtiles", "pmtiles"]},
    "status": {"type": "string", "enum": ["queued", "running", "done", "failed", "interrupted"]},
    "area": {"type": "string"}, "zooms": {"type": "array", "items": {"type": "integer"}},
    "layers": {"type": "array", "items": {"type": "string"}}, "requested_by": {"type": "string"},
    "progress": {"type": "object", "properties": {"done_tiles": {"type": "integer"}, "total_tiles": {"type": "integer"},
                                                  "percent": {"type": "number"}}},
    "error": {"type": "string", "nullable": True}, "manifest": {"type": "object", "nullable": True},
    "links": {"type": "array", "items": {"type": "object"}}}}
REQUEST = {"type": "object", "required": ["area", "layers"], "additionalProperties": False, "properties": {
    "area": {"type": "string", "example": "125.2,43.8,125.5,44.0",
             "description": "经纬度范围 minx,miny,maxx,maxy 或市州名称（如 长春市）/ a lon/lat box or a prefecture"},
    "zooms": {"type": "string", "description": "缩放级别 / zooms", "example": "8-12"},
    "layers": {"oneOf": [{"type": "array", "items": {"type": "string"}, "minItems": 1}, {"type": "string"}],
               "description": "图层标识 / layer ids"},
    "format": {"type": "string", "enum": ["mbtiles", "pmtiles"], "default": "mbtiles"},
    "fieldwork": {"type": "boolean", "default": False,
                  "description": "带上调用者在范围内的待办事项（可编辑 GeoPackage）/ carry the caller's open items"}}}
JOB_ID = {"name": "jobId", "in": "path", "required": True, "schema": {"type": "string"}}
DENIED = {"401": _problem("需要登录 / sign-in required"), "404": _problem("未找到 / not found")}


def package_paths() -> dict[str, Any]:
    return {
        "/packages": {
            "get": {"tags": [TAG], "summary": "我的离线包任务 / my package jobs", "operationId": "list_packages",
                    "security": SIGNED_IN, "responses": {
                        "200": {"description": "任务 / jobs", "content": {JSON: {"schema": {
                            "type": "object", "properties": {"packages": {"type": "array", "items": JOB}}}}}},
                        "400": _problem("参数无效"), "401": DENIED["401"]}},
            "post": {"tags": [TAG], "summary": "申请制作离线包 / request an offline package",
                     "operationId": "request_package", "security": SIGNED_IN,
                     "requestBody": {"required": True, "content": {JSON: {"schema": REQUEST}}},
                     "responses": {"200": {"description": "已有相同离线包 / the same package exists",
                                           "content": {JSON: {"schema": JOB}}},
                                   "202": {"description": "已受理 / accepted (poll the Location)",
                                           "content": {JSON: {"schema": JOB}}},
                                   "400": _problem("请求无效 / invalid request"), **DENIED,
                                   "403": _problem("无权读取图层 / a layer is not readable"),
                                   "413": _problem("请求过大 / too large")}},
        },
        "/packages/sync": {"post": {
            "tags": [TAG], "summary": "回传现场记录 / send back field work", "operationId": "sync_package",
            "security": SIGNED_IN,
            "requestBody": {"required": True, "content": {
                "application/geopackage+sqlite3": {"schema": {"type": "string", "format": "binary"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
            "responses": {"200": {"description": "同步结果 / applied, skipped, conflicts, rejected",
                                  "content": {JSON: {"schema": {"type": "object"}}}},
                          "400": _problem("文件无效或已损坏 / not a sound package"), "401": DENIED["401"],
                          "413": _problem("文件过大 / too large")}}},
        "/packages/{jobId}": {"get": {
            "tags": [TAG], "summary": "离线包任务状态与进度 / job status and progress", "operationId": "package_status",
            "security": SIGNED_IN, "parameters": [JOB_ID],
            "responses": {"200": {"description": "任务 / the job", "content": {JSON: {"schema": JOB}}},
                          "400": _problem("参数无效"), **DENIED}}},
        "/packages/{jobId}/file": {"get": {
            "tags": [TAG], "summary": "下载离线包（支持断点续传）/ download the package (Range)",
            "operationId": "package_file", "security": SIGNED_IN,
            "parameters": [JOB_ID, {"name": "Range", "in": "header", "required": False, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "离线包 / the package", "content": {
                                      t: {"schema": {"type": "string", "format": "binary"}} for t in PACKAGE_TYPES}},
                          "206": {"description": "部分内容 / partial content"},
                          "400": _problem("参数无效"), **DENIED, "409": _problem("尚未完成 / not ready"),
                          "416": {"description": "范围无效 / range not satisfiable"}}}},
        "/packages/{jobId}/update": {"post": {
            "tags": [TAG], "summary": "制作增量更新包 / make a patch of what changed", "operationId": "update_package",
            "security": SIGNED_IN, "parameters": [JOB_ID],
            "responses": {"200": {"description": "已有该更新包 / made already", "content": {JSON: {"schema": JOB}}},
                          "202": {"description": "已受理 / accepted", "content": {JSON: {"schema": JOB}}},
                          "400": _problem("参数无效"), **DENIED,
                          "409": _problem("离线包未完成 / not a finished package")}}},
        "/packages/{jobId}/items": {"get": {
            "tags": [TAG], "summary": "现场作业 GeoPackage / the field-work GeoPackage", "operationId": "package_items",
            "security": SIGNED_IN, "parameters": [JOB_ID],
            "responses": {"200": {"description": "可编辑的 GeoPackage / the editable GeoPackage", "content": {
                "application/geopackage+sqlite3": {"schema": {"type": "string", "format": "binary"}}}},
                "400": _problem("参数无效"), **DENIED, "409": _problem("尚未完成 / not ready")}}},
    }


__all__ = ["package_paths"]
