"""`HardeningMiddleware`: the outermost layer of the app (in front of the raw fast paths), so every
request and every response passes it.

In order, per HTTP request: the caller's token bucket (`rate_limit`; 429 with `Retry-After`), a
path with a NUL character (400), the declared body size (`body_limit`; 413), then the app with a
`receive` that counts the body (413 when it goes over while streaming). On the way out every
response gets the security headers and, on HTML, the CSP (`headers`), and the CORS allow-list is
applied (`gis_server.cors.CorsPolicy`). An exception that escapes the app before it answered becomes
a 500 problem+json carrying an error id that the log records with the traceback
(`problems.internal_error`); nothing else of it reaches the caller.
"""

from __future__ import annotations

import math
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gis_server import problems
from gis_server.cors import CorsPolicy
from gis_server.hardening.body_limit import CountingReceive, body_limit, declared_length, megabytes
from gis_server.hardening.headers import secured
from gis_server.hardening.rate_limit import RateLimiter, identity_of, refused_of
from gis_server.settings import Settings

TOO_LARGE = "请求体过大 / Payload too large"
TOO_MANY = "请求过于频繁 / Too many requests"
BAD_PATH = "请求路径无效 / Invalid path"


class HardeningMiddleware:
    """Limits, security headers, CORS allow-list and no stack traces, for one app."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.cors = CorsPolicy(settings.cors_origins)
        self.limiter = RateLimiter(settings.rate_limit) if settings.rate_limit is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authorization = origin = length = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"content-length":
                length = value
        exchange = _Exchange(send, self.cors, origin)
        if self.limiter is not None:
            wait = self.limiter.take(identity_of(scope, authorization))
            if authorization:  # refused tokens are charged to their address: a new token does not escape
                exchange.refused_wait = self.limiter.waiting(refused_of(scope))
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                await self._problem(scope, receive, exchange, 429, TOO_MANY,
                                    f"请在 {seconds} 秒后重试 / retry in {seconds} s", {"Retry-After": str(seconds)})
                return
        if "\x00" in scope["path"]:  # no file or id has one; the OS refuses it deep inside a route
            await self._problem(scope, receive, exchange, 400, BAD_PATH,
                                "请求路径含有空字符 / the path contains a NUL character", {})
            return
        limit = body_limit(self.settings, scope["path"])
        declared = declared_length(length)
        if declared is not None and declared > limit:
            await self._too_large(scope, receive, exchange, limit)
            return
        counting = CountingReceive(receive, limit)
        exchange.body = counting
        try:
            await self.app(scope, counting, exchange.send)
            if authorization and exchange.status == 401 and self.limiter is not None:
                self.limiter.take(refused_of(scope))
            if exchange.replaced:  # one more refused token from an address over its refusals: 429
                seconds = max(1, math.ceil(exchange.refused_wait))
                await self._problem(scope, receive, exchange, 429, TOO_MANY,
                                    f"请在 {seconds} 秒后重试 / retry in {seconds} s", {"Retry-After": str(seconds)})
                return
        except Exception as exc:
            if exchange.started:
                raise
            if not counting.exceeded:
                response = problems.internal_error(scope["method"], scope["path"], exc,
                                                   headers=self.cors.problem_headers(origin))
                await response(scope, receive, exchange.send)
                return
        if counting.exceeded and not exchange.started:
            await self._too_large(scope, receive, exchange, limit)

    async def _too_large(self, scope: Scope, receive: Receive, exchange: _Exchange, limit: int) -> None:
        await self._problem(scope, receive, exchange, 413, TOO_LARGE,
                            f"请求体不得超过 {megabytes(limit)} / the body may be at most {megabytes(limit)}",
                            {}, limit_bytes=limit)

    async def _problem(self, scope: Scope, receive: Receive, exchange: _Exchange, status: int, title: str,
                       detail: str, headers: dict[str, str], **extra: Any) -> None:
        exchange.body = None  # this answer goes out even after the app's was dropped
        exchange.replaced, exchange.refused_wait = False, 0.0
        response = problems.problem_response(status, title, detail, instance=scope["path"],
                                             headers={**headers, **self.cors.problem_headers(exchange.origin)},
                                             **extra)
        await response(scope, receive, exchange.send)


class _Exchange:
    """One request's way out: secures each response start, and drops what the app sends once its
    body went over the limit (the middleware answers 413 instead)."""

    __slots__ = ("body", "cors", "origin", "raw_send", "refused_wait", "replaced", "started", "status")

    def __init__(self, send: Send, cors: CorsPolicy, origin: str | None) -> None:
        self.raw_send = send
        self.cors = cors
        self.origin = origin
        self.started = False
        self.status = 0
        #: Seconds until the client's address may send a refused token again (0: it may now); a 401
        #: answered while it is over is replaced by a 429.
        self.refused_wait = 0.0
        self.replaced = False
        self.body: CountingReceive | None = None

    async def send(self, message: Message) -> None:
        if self.replaced:
            return
        if message["type"] == "http.response.start":
            if self.body is not None and self.body.exceeded:
                return
            if message["status"] == 401 and self.refused_wait > 0:
                self.status, self.replaced = 401, True
                return
            self.started = True
            self.status = message["status"]
            headers = self.cors.enforce(secured(list(message.get("headers", ()))), self.origin)
            message = {**message, "headers": headers}
        elif not self.started and self.body is not None and self.body.exceeded:
            return
        await self.raw_send(message)
