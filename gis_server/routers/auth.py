"""`POST /auth/token`: a local account's user name and password for a platform token (the OAuth 2.0
password grant's shape: form fields `grant_type=password`, `username`, `password`; a JSON object with
`username` and `password` is accepted too). Answers `{"access_token", "token_type": "Bearer",
"expires_in"}`; a refusal is the same 401 whatever the cause, or 429 when the caller's address
failed too often (`gis_server.identity`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import orjson
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from gis_server.identity import IdentityService, IdentityUnavailable, LoginRefused
from gis_server.params import reject_unknown
from gis_server.problems import ApiProblem
from gis_server.responses import json_response

router = APIRouter()

FORM = "application/x-www-form-urlencoded"
MAX_FIELD_LENGTH = 2048
TITLES = {401: "登录失败 / Sign-in failed", 429: "请求过多 / Too many requests"}


def identity_of(request: Request) -> IdentityService:
    service = getattr(request.app.state, "identity", None)
    if service is None:
        raise ApiProblem(503, "身份服务不可用 / Identity service unavailable",
                         "服务尚未就绪 / the server is not ready to sign callers in")
    return service


def _bad(detail: str, error: str = "invalid_request") -> ApiProblem:
    return ApiProblem(400, "登录请求无效 / Invalid sign-in request", detail, error=error)


async def _credentials(request: Request) -> tuple[str, str]:
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    raw = await request.body()
    fields: dict[str, Any]
    if media == "application/json" or media.endswith("+json"):
        try:
            fields = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise _bad("请求体不是有效的 JSON / the body is not valid JSON") from None
        if not isinstance(fields, dict):
            raise _bad("请求体应为 JSON 对象 / the body must be a JSON object")
    elif media == FORM:
        try:
            parsed = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise _bad("表单须为 UTF-8 编码 / the form must be UTF-8") from None
        if any(len(values) > 1 for values in parsed.values()):
            raise _bad("表单字段重复 / a form field is given more than once")
        fields = {key: values[0] for key, values in parsed.items()}
    else:
        raise ApiProblem(415, "不支持的媒体类型 / Unsupported media type",
                         f"请以 {FORM} 或 application/json 提交 / send {FORM} or application/json")
    unknown = sorted(set(fields) - {"grant_type", "username", "password", "scope", "client_id"})
    if unknown:
        raise _bad(f"未知字段 / unknown field(s): {', '.join(map(str, unknown))}")
    grant = fields.get("grant_type", "password")
    if grant != "password":
        raise _bad("只支持 grant_type=password / only the password grant is supported", "unsupported_grant_type")
    username, password = fields.get("username"), fields.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username.strip() or not password:
        raise _bad("须提供用户名和密码 / username and password are required")
    if len(username) > MAX_FIELD_LENGTH or len(password) > MAX_FIELD_LENGTH:
        raise _bad("用户名或密码过长 / username or password too long")
    return username, password


@router.post("/auth/token", include_in_schema=False)
async def issue_token(request: Request) -> Response:
    reject_unknown(request.query_params, ())
    service = identity_of(request)
    username, password = await _credentials(request)
    address = request.client.host if request.client else "unknown"
    try:
        issued = await run_in_threadpool(service.login, username, password, address)
    except IdentityUnavailable as exc:
        raise ApiProblem(503, "身份服务不可用 / Identity service unavailable", exc.detail) from None
    except LoginRefused as exc:
        headers = {"Cache-Control": "no-store"}
        if exc.retry_after is not None:
            headers["Retry-After"] = str(exc.retry_after)
        if exc.status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="onemap"'
        raise ApiProblem(exc.status, TITLES.get(exc.status, TITLES[401]), exc.detail, headers=headers,
                         error="invalid_grant" if exc.status == 401 else "slow_down") from None
    return json_response(issued.as_json(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"})
