"""The one authentication/authorization dependency every request passes through.

Embedded default policy: anyone reads layers whose `read_roles` include "public"; a bearer
token equal to ONEMAP_ADMIN_TOKEN grants the "admin" role, which may write; the tokens of the
users file (ONEMAP_USERS_FILE, `users.py`) name callers with their roles, organisation and region
(what workflows check and record). Tokens are compared in constant time. A later security issue
replaces `authenticate` (unified identity, per-region policy) here and nowhere else.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import Request

from gis_server.problems import ApiProblem
from gis_server.settings import Settings
from gis_server.users import UsersFileError, load_users
from layers.model import LayerDefinition


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: roles, and for named users their organisation (单位) and region (行政区划代码)."""

    name: str
    roles: frozenset[str]
    display_name: str | None = None
    organisation: str | None = None
    region: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.name == "anonymous"


ANONYMOUS = Principal("anonymous", frozenset({"public"}))
ADMIN = Principal("admin", frozenset({"public", "admin"}))


def authenticate(authorization: str | None, settings: Settings) -> Principal:
    """Map the Authorization header to a principal; a wrong token is refused, not downgraded."""
    if not authorization:
        return ANONYMOUS
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiProblem(401, "未认证 / Unauthorized", "Authorization 头必须为 Bearer 令牌 / expected a Bearer token",
                         headers={"WWW-Authenticate": 'Bearer realm="onemap"'})
    token = token.strip()
    if settings.admin_token and hmac.compare_digest(token.encode(), settings.admin_token.encode()):
        return ADMIN
    user = None
    if settings.users_file is not None:
        try:
            user = load_users(settings.users_file).find(token)
        except UsersFileError as exc:
            raise ApiProblem(503, "服务配置错误 / Server misconfigured", exc.args[0]) from None
    if user is not None:
        return Principal(user.name, user.roles, user.display_name, user.organisation, user.region)
    raise ApiProblem(401, "未认证 / Unauthorized", "令牌无效 / invalid token",
                     headers={"WWW-Authenticate": 'Bearer realm="onemap", error="invalid_token"'})


async def current_principal(request: Request) -> Principal:
    """App-wide dependency: resolves the caller once per request and keeps it on request.state."""
    principal = authenticate(request.headers.get("authorization"), request.app.state.settings)
    request.state.principal = principal
    return principal


def principal_of(request: Request) -> Principal:
    return getattr(request.state, "principal", ANONYMOUS)


def authorize_read(request: Request, layer: LayerDefinition) -> None:
    principal = principal_of(request)
    if not layer.may_read(principal.roles):
        raise _denied(principal, f"无权读取图层 {layer.id} / not allowed to read this collection")


def authorize_write(request: Request, layer: LayerDefinition) -> None:
    principal = principal_of(request)
    if not layer.may_write(principal.roles):
        raise _denied(principal, f"无权修改图层 {layer.id} / not allowed to write this collection")


def authorize_admin(request: Request) -> None:
    principal = principal_of(request)
    if "admin" not in principal.roles:
        raise _denied(principal, "需要管理员权限 / administrator role required")


def _denied(principal: Principal, detail: str) -> ApiProblem:
    if principal.is_anonymous:
        return ApiProblem(401, "未认证 / Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="onemap"'})
    return ApiProblem(403, "禁止访问 / Forbidden", detail)
