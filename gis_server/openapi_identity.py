"""The OpenAPI 3.0 paths of sign-in (`routers/auth.py`) and identity administration
(`routers/identity_admin.py`), merged into `/api` by `openapi.py`."""

from __future__ import annotations

from typing import Any

from gis_server.links import JSON

PROBLEM = "application/problem+json"
FORM = "application/x-www-form-urlencoded"
TAG = "identity"
SIGNED_IN = [{"bearer": []}]
PREFIX = "/admin/identity"


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "nullable": True, **extra}


STRINGS = {"type": "array", "items": {"type": "string"}}
CREDENTIALS = {"type": "object", "required": ["username", "password"], "additionalProperties": False, "properties": {
    "grant_type": {"type": "string", "enum": ["password"]},
    "username": {"type": "string", "minLength": 1, "maxLength": 2048, "example": "li.si"},
    "password": {"type": "string", "minLength": 1, "maxLength": 2048, "format": "password"},
    "scope": {"type": "string"}, "client_id": {"type": "string"}}}
TOKEN = {"type": "object", "required": ["access_token", "token_type", "expires_in"], "properties": {
    "access_token": {"type": "string"}, "token_type": {"type": "string", "enum": ["Bearer"]},
    "expires_in": {"type": "integer", "description": "有效秒数 / seconds until it expires"}}}
ACCOUNT = {"type": "object", "required": ["name", "roles", "disabled", "locked"], "properties": {
    "name": {"type": "string"}, "display_name": _nullable("string"), "roles": STRINGS,
    "organisation": _nullable("string"), "region": _nullable("string"), "disabled": {"type": "boolean"},
    "locked": {"type": "boolean"}, "locked_until": _nullable("string", format="date-time"),
    "failed_logins": {"type": "integer"}, "last_login_at": _nullable("string", format="date-time"),
    "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}}}
NEW_ACCOUNT = {"type": "object", "required": ["name", "password"], "additionalProperties": False, "properties": {
    "name": {"type": "string", "example": "li.si", "description": "登录名（小写）/ login name, lower case"},
    "password": {"type": "string", "format": "password", "minLength": 8},
    "roles": STRINGS, "organisation": _nullable("string"),
    "region": _nullable("string", pattern="^[0-9]{6}$", example="220100"), "display_name": _nullable("string")}}
KEY = {"type": "object", "required": ["id", "name", "scopes", "state"], "properties": {
    "id": {"type": "string"}, "name": {"type": "string"}, "owner_account": _nullable("string"),
    "owner_organisation": _nullable("string"), "roles": STRINGS, "region": _nullable("string"), "scopes": STRINGS,
    "state": {"type": "string", "enum": ["active", "revoked", "expired"]}, "created_by": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"},
    "expires_at": _nullable("string", format="date-time"), "revoked_at": _nullable("string", format="date-time"),
    "last_used_at": _nullable("string", format="date-time")}}
NEW_KEY = {"type": "object", "required": ["name", "scopes"], "additionalProperties": False, "properties": {
    "name": {"type": "string", "example": "省应急平台"},
    "scopes": {"type": "array", "items": {"type": "string", "example": "roads:read"}, "minItems": 1,
               "description": "layer:read 或 layer:write，* 为全部图层 / layer:read or layer:write, * for every layer"},
    "roles": STRINGS, "region": _nullable("string"), "owner_account": _nullable("string"),
    "owner_organisation": _nullable("string"),
    "expires_days": _nullable("integer", minimum=1, maximum=3650)}}
ISSUED_KEY = {"allOf": [KEY, {"type": "object", "required": ["key"], "properties": {
    "key": {"type": "string", "description": "密钥全文，只返回这一次 / the key, returned this once only"}}}]}
ROLES = {"type": "object", "required": ["roles"], "properties": {"roles": {"type": "array", "items": {
    "type": "object", "required": ["role", "accounts", "layers"], "properties": {
        "role": {"type": "string"}, "accounts": {"type": "integer"},
        "layers": {"type": "object", "additionalProperties": STRINGS}}}}}}
NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}, "description": "登录名 / login"}
KEY_ID = {"name": "keyId", "in": "path", "required": True, "schema": {"type": "string"}}
DENIED = {"400": _problem("参数无效 / invalid parameter"), "401": _problem("需要登录 / sign-in required"),
          "403": _problem("需要 admin 或 security_admin 角色 / identity-admin role required")}
CHANGE_ERRORS = {**DENIED, "400": _problem("请求无效 / invalid request"),
                 "404": _problem("账户不存在 / no such account")}


def _operation(summary: str, operation_id: str, responses: dict[str, Any], *, body: dict[str, Any] | None = None,
               parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"tags": [TAG], "summary": summary, "operationId": operation_id,
                                 "security": SIGNED_IN, "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    if parameters:
        operation["parameters"] = parameters
    return operation


def _account_action(summary: str, operation_id: str) -> dict[str, Any]:
    return {"post": _operation(summary, operation_id, {"200": _ok("账户 / the account", ACCOUNT), **CHANGE_ERRORS},
                               parameters=[NAME])}


def identity_paths() -> dict[str, Any]:
    return {
        "/auth/token": {"post": {
            "tags": [TAG], "summary": "本地账户登录，换取令牌 / sign in with a local account for a token",
            "operationId": "issue_token", "security": [],
            "requestBody": {"required": True,
                            "content": {FORM: {"schema": CREDENTIALS}, JSON: {"schema": CREDENTIALS}}},
            "responses": {"200": _ok("令牌 / the token", TOKEN), "400": _problem("请求无效 / invalid request"),
                          "401": _problem("用户名或密码错误 / wrong user name or password"),
                          "415": _problem("不支持的媒体类型 / unsupported media type"),
                          "429": _problem("失败次数过多 / too many failed sign-ins from this address"),
                          "503": _problem("身份服务不可用 / identity service unavailable")}}},
        f"{PREFIX}/users": {
            "get": _operation("本地账户 / local accounts", "list_accounts", {
                "200": _ok("账户 / accounts", {"type": "object", "required": ["users"],
                                              "properties": {"users": {"type": "array", "items": ACCOUNT}}}),
                **DENIED}),
            "post": _operation("新建账户 / create an account", "create_account", {
                "201": _ok("已创建 / created", ACCOUNT), **DENIED, "400": _problem("请求无效 / invalid request"),
                "409": _problem("账户已存在 / the account exists")}, body=NEW_ACCOUNT)},
        f"{PREFIX}/users/{{name}}": {"get": _operation("账户 / one account", "get_account", {
            "200": _ok("账户 / the account", ACCOUNT), **CHANGE_ERRORS}, parameters=[NAME])},
        f"{PREFIX}/users/{{name}}/roles": {"put": _operation("设置角色 / set roles", "set_account_roles", {
            "200": _ok("账户 / the account", ACCOUNT), **CHANGE_ERRORS}, parameters=[NAME], body={
            "type": "object", "required": ["roles"], "additionalProperties": False, "properties": {"roles": STRINGS}})},
        f"{PREFIX}/users/{{name}}/password": {"put": _operation(
            "重置密码 / reset the password", "reset_account_password", {
                "200": _ok("账户 / the account", ACCOUNT), **CHANGE_ERRORS}, parameters=[NAME], body={
                "type": "object", "required": ["password"], "additionalProperties": False,
                "properties": {"password": {"type": "string", "format": "password"}}})},
        f"{PREFIX}/users/{{name}}/disable": _account_action("停用账户 / disable the account", "disable_account"),
        f"{PREFIX}/users/{{name}}/enable": _account_action("启用账户 / enable the account", "enable_account"),
        f"{PREFIX}/users/{{name}}/unlock": _account_action("解除锁定 / unlock the account", "unlock_account"),
        f"{PREFIX}/keys": {
            "get": _operation("API 密钥 / API keys", "list_keys", {
                "200": _ok("密钥（不含密钥本身）/ keys, never the secret", {
                    "type": "object", "required": ["keys"], "properties": {"keys": {"type": "array", "items": KEY}}}),
                **DENIED}),
            "post": _operation("签发 API 密钥 / issue an API key", "create_key", {
                "201": _ok("已签发（密钥只返回这一次）/ issued; the key is returned this once", ISSUED_KEY), **DENIED,
                "400": _problem("请求无效 / invalid request")}, body=NEW_KEY)},
        f"{PREFIX}/keys/{{keyId}}": {"delete": _operation("吊销 API 密钥 / revoke an API key", "revoke_key", {
            "200": _ok("已吊销 / revoked", KEY), **DENIED, "404": _problem("密钥不存在 / no such key"),
            "409": _problem("已吊销 / already revoked")}, parameters=[KEY_ID])},
        f"{PREFIX}/roles": {"get": _operation("平台已知的角色 / roles the platform knows", "list_roles", {
            "200": _ok("角色 / roles", ROLES), **DENIED})},
    }
