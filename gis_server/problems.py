"""Every error leaves as RFC 9457 problem+json with a status from one table; never a bare 500."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from layers import errors
from layers.protect.errors import DecryptionError, KeyConfigError

log = logging.getLogger("onemap")
PROBLEM_JSON = "application/problem+json"

#: Domain exception → (HTTP status, problem type slug, Chinese title).
STATUS_OF: dict[type[errors.OneMapError], tuple[int, str, str]] = {
    errors.LayerNotFound: (404, "not-found", "未找到图层 / Collection not found"),
    errors.FeatureNotFound: (404, "not-found", "未找到要素 / Feature not found"),
    errors.LayerExists: (409, "conflict", "图层已存在 / Layer already exists"),
    errors.VersionConflict: (412, "precondition-failed", "版本已变化 / Precondition failed"),
    errors.InvalidFeature: (400, "invalid-feature", "要素无效 / Invalid feature"),
    errors.InvalidQuery: (400, "invalid-parameter", "请求参数无效 / Invalid parameter"),
    errors.StoreUnavailable: (503, "unavailable", "数据存储不可用 / Store unavailable"),
    errors.NotAWorkflowLayer: (404, "not-found", "图层没有办理流程 / Collection has no workflow"),
    errors.AttachmentNotFound: (404, "not-found", "未找到附件 / Attachment not found"),
    errors.TransitionNotAllowed: (409, "conflict", "当前状态不允许该操作 / Transition not allowed"),
    errors.TransitionForbidden: (403, "forbidden", "无权执行该操作 / Transition forbidden"),
    errors.MissingEvidence: (400, "missing-evidence", "缺少办理要件 / Required evidence missing"),
    errors.StateConflict: (409, "conflict", "办理状态已变化 / Workflow state changed"),
    errors.SupervisionFieldsLocked: (409, "conflict", "监管字段只能经办理流程修改 / Supervision fields locked"),
    # Secret (SM4-encrypted) fields on a server whose keys are missing, wrong or rotated away.
    KeyConfigError: (409, "conflict", "未配置 SM4 密钥，不能读写加密字段 / SM4 keys not configured"),
    DecryptionError: (409, "conflict", "加密字段无法解密 / Encrypted field cannot be decrypted"),
}


class ApiProblem(Exception):
    """An HTTP-level problem raised by the web layer itself (auth, content type, preconditions)."""

    def __init__(self, status: int, title: str, detail: str, *, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(status: int, title: str, detail: str, *, instance: str | None = None,
                     headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body: dict[str, Any] = {"type": f"about:blank#{status}", "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def internal_error(method: str, path: str, exc: BaseException, *, headers: dict[str, str] | None = None) -> Response:
    """The answer to an unexpected exception: a generic 500 with an error id, the traceback only in
    the log under that id (never in the response)."""
    error_id = uuid.uuid4().hex[:16]
    log.error("unhandled error %s on %s %s", error_id, method, path, exc_info=exc)
    return problem_response(500, "服务器内部错误 / Internal server error",
                            f"请求未能完成，已记录日志（错误编号 {error_id}） / the request failed; the error has "
                            f"been logged as {error_id}", instance=path, headers=headers, error_id=error_id)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into problem+json."""

    @app.exception_handler(errors.OneMapError)
    async def domain_error(request: Request, exc: errors.OneMapError) -> Response:
        status, _slug, title = next(
            (v for k, v in STATUS_OF.items() if isinstance(exc, k)), (400, "bad-request", "请求错误 / Bad request")
        )
        return problem_response(status, title, exc.message, instance=str(request.url.path),
                                parameter=exc.parameter, field=exc.field, **getattr(exc, "extensions", {}))

    @app.exception_handler(ApiProblem)
    async def api_problem(request: Request, exc: ApiProblem) -> Response:
        return problem_response(exc.status, exc.title, exc.detail, instance=str(request.url.path),
                                headers=exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body"))
            parts.append(f"{loc}: {err.get('msg')}")
        first = exc.errors()[0].get("loc", ("", ""))[-1] if exc.errors() else None
        return problem_response(400, "请求参数无效 / Invalid parameter", "; ".join(parts),
                                instance=str(request.url.path), parameter=str(first) if first else None)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "未找到 / Not found", 405: "方法不允许 / Method not allowed"}
        return problem_response(exc.status_code, titles.get(exc.status_code, "请求错误 / Request error"),
                                str(exc.detail), instance=str(request.url.path),
                                headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        return internal_error(request.method, str(request.url.path), exc)
