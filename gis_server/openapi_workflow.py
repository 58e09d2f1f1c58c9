"""The OpenAPI 3.0 paths of the workflow endpoints (`routers/workflow.py`, per workflow layer) and of
supervision (`routers/supervision.py`), merged into `/api` by `openapi.py`."""

from __future__ import annotations

from typing import Any

from gis_server.links import JSON
from layers.model import LayerDefinition

PROBLEM = "application/problem+json"
TAG = "supervision"
OBJECT = {"type": "object"}


def _problem(description: str, *extensions: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"$ref": "#/components/schemas/Problem"}
    if extensions:
        schema = {"allOf": [schema, {"type": "object", "properties": {
            name: {"type": "array", "items": OBJECT} if name in ("allowed", "missing", "fields") else {"type": "string"}
            for name in extensions}}]}
    return {"description": description, "content": {PROBLEM: {"schema": schema}}}


def _ok(description: str, schema: dict[str, Any] | None = None, etag: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "content": {JSON: {"schema": schema or OBJECT}}}
    if etag:
        out["headers"] = {"ETag": {"schema": {"type": "string"}}}
    return out


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


FEATURE_ID = {"name": "featureId", "in": "path", "required": True,
              "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"}, "description": "要素标识 / feature id"}
ATTACHMENT_ID = {"name": "attachmentId", "in": "path", "required": True, "schema": {"type": "string"},
                 "description": "附件标识 / attachment id"}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"}}
PERFORM = {"type": "object", "required": ["transition"], "additionalProperties": False, "properties": {
    "transition": {"type": "string", "description": "操作标识 / transition id"},
    "comment": {"type": "string", "description": "办理意见 / comment"},
    "values": {"type": "object", "description": "随操作提交的字段 / field values given with the transition"},
    "attachments": {"type": "array", "items": {"type": "string"}, "description": "附件标识 / attachment ids"}}}
NOT_FOUND = _problem("不存在或无办理流程 / not found, or no workflow")
ACT_ERRORS = {
    "400": _problem("缺少办理要件 / required evidence missing", "missing"),
    "401": _problem("未认证 / unauthenticated"),
    "403": _problem("角色无权办理 / the caller's roles do not allow it", "allowed"),
    "404": NOT_FOUND,
    "409": _problem("当前状态不允许或已被他人办理 / not allowed from the current state, or moved on by someone else",
                    "allowed", "current_state"),
    "412": _problem("版本已变化 / the item changed since the given entity tag"),
    "415": _problem("媒体类型不支持 / unsupported media type"),
}


def _layer_paths(layer: LayerDefinition) -> dict[str, Any]:
    item = f"/collections/{layer.id}/items/{{featureId}}"
    tag = [layer.id]
    return {
        f"{item}/workflow": {
            "get": {"tags": tag, "summary": f"{layer.title_zh}办理状态与可办操作 / state and the transitions the "
                                            "caller may make now", "operationId": f"workflow_{layer.id}",
                    "parameters": [FEATURE_ID], "responses": {"200": _ok("办理状态 / workflow state", etag=True),
                                                              "404": NOT_FOUND}},
            "post": {"tags": tag, "summary": "办理（状态流转）/ perform a transition",
                     "operationId": f"perform_{layer.id}", "security": [{"bearer": []}],
                     "parameters": [FEATURE_ID, IF_MATCH],
                     "requestBody": {"required": True, "content": {JSON: {"schema": PERFORM}}},
                     "responses": {"200": _ok("新的办理状态 / the new state", etag=True), **ACT_ERRORS}}},
        f"{item}/workflow/history": {"get": {
            "tags": tag, "summary": "办理历史 / workflow history", "operationId": f"history_{layer.id}",
            "parameters": [FEATURE_ID], "responses": {"200": _ok("办理历史 / history"), "404": NOT_FOUND}}},
        f"{item}/attachments": {
            "get": {"tags": tag, "summary": "附件列表 / attachments", "operationId": f"attachments_{layer.id}",
                    "parameters": [FEATURE_ID], "responses": {"200": _ok("附件 / attachments"), "404": NOT_FOUND}},
            "post": {"tags": tag, "summary": "上传附件 / upload evidence", "operationId": f"upload_{layer.id}",
                     "security": [{"bearer": []}],
                     "parameters": [FEATURE_ID,
                                    {**_query("name", {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"},
                                              "要件名称 / evidence name"), "required": True},
                                    _query("filename", {"type": "string"}, "文件名 / file name")],
                     "requestBody": {"required": True, "content": {"*/*": {"schema": {"type": "string",
                                                                                      "format": "binary"}}}},
                     "responses": {"201": _ok("已保存 / stored"), "401": _problem("未认证 / unauthenticated"),
                                   "403": _problem("无权 / forbidden"), "404": NOT_FOUND,
                                   "413": _problem("附件过大 / too large")}}},
        f"{item}/attachments/{{attachmentId}}": {"get": {
            "tags": tag, "summary": "下载附件 / download", "operationId": f"download_{layer.id}",
            "parameters": [FEATURE_ID, ATTACHMENT_ID],
            "responses": {"200": {"description": "附件内容 / the file",
                                  "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
                          "404": NOT_FOUND}}},
    }


WINDOW = [
    _query("from", {"type": "string"}, "起始时间（RFC 3339 或日期）/ window start"),
    _query("to", {"type": "string"}, "截止时间（RFC 3339 或日期）/ window end"),
    _query("domain", {"type": "string"}, "业务域 / domain"),
    _query("region", {"type": "string"}, "行政区划代码 / region (adcode)"),
]


def workflow_paths(layers: list[LayerDefinition]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for layer in layers:
        if layer.workflow is not None:
            paths.update(_layer_paths(layer))
    paths["/supervision/statistics"] = {"get": {
        "tags": [TAG], "summary": "办理时效统计 / timeliness statistics", "operationId": "supervision_statistics",
        "parameters": [_query("group_by", {"type": "string", "enum": ["organisation", "region", "domain", "layer"],
                                           "default": "organisation"}, "分组 / group by"), *WINDOW],
        "responses": {"200": _ok("统计 / statistics"), "400": _problem("参数无效 / invalid parameter")}}}
    paths["/supervision/items"] = {"get": {
        "tags": [TAG], "summary": "在办事项及超期情况 / open items with deadline and overdue status",
        "operationId": "supervision_items",
        "parameters": [_query("overdue", {"type": "boolean"}, "只看超期或未超期 / overdue only, or not overdue only"),
                       *WINDOW[2:], _query("collection", {"type": "string"}, "图层 / collection id"),
                       _query("holder_org", {"type": "string"}, "承办单位 / holding organisation"),
                       _query("limit", {"type": "integer", "minimum": 1, "maximum": 10000, "default": 10}, "条数"),
                       _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "起始位置")],
        "responses": {"200": _ok("事项 / items"), "400": _problem("参数无效 / invalid parameter")}}}
    return paths
