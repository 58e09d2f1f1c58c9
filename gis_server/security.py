"""The one authentication/authorization dependency every request passes through.

`authenticate` maps the Authorization header to a `Principal`: none → anonymous; the
ONEMAP_ADMIN_TOKEN → the administrator; a users-file token (`users.py`); an API key (`omk_…`), a
platform token from `/auth/token` or an OIDC token of the provincial identity platform
(`gis_server.identity`). A wrong token is refused (401), never downgraded to anonymous.

What the caller may do with a layer is their view of it (`layers.access.view`, through the app's
`AccessPolicy`): `authorize_read` returns the definition to read through (their rows, fields and
masks), `authorize_write` the view whose rules writes follow, `readable` the views of the layers they
may read. Every refusal goes through `denied`, which logs who, what and why.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable

import orjson
from fastapi import Request

from gis_server.identity import IdentityUnavailable, TokenRejected
from gis_server.identity import service_for as identity_service
from gis_server.problems import ApiProblem
from gis_server.settings import Settings
from gis_server.state import services
from gis_server.users import UsersFileError, load_users
from layers.access.principal import ADMIN, ANONYMOUS, Principal
from layers.access.view import LayerView, region_prefix
from layers.errors import OneMapError
from layers.model import LayerDefinition

__all__ = ["ADMIN", "ANONYMOUS", "Principal", "authenticate", "authorize_admin", "authorize_read",
           "authorize_write", "current_principal", "denied", "log_denied", "principal_of", "readable", "view_of"]

DENIED_LOG = logging.getLogger("onemap.security.denied")


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
        return Principal(user.name, user.roles, user.display_name, user.organisation, user.region,
                         method="users_file")
    # API keys (omk_…), then the platform's own tokens (iss=onemap), then OIDC tokens (gis_server.identity).
    service = identity_service(settings)
    detail = "令牌无效 / invalid token"
    if service is not None:
        try:
            principal = service.principal(token)
        except TokenRejected as exc:
            principal, detail = None, exc.detail
        except (IdentityUnavailable, OneMapError) as exc:
            raise ApiProblem(503, "身份服务不可用 / Identity service unavailable",
                             getattr(exc, "detail", None) or getattr(exc, "message", str(exc))) from None
        if principal is not None:
            return principal
    raise ApiProblem(401, "未认证 / Unauthorized", detail,
                     headers={"WWW-Authenticate": 'Bearer realm="onemap", error="invalid_token"'})


async def current_principal(request: Request) -> Principal:
    """App-wide dependency: resolves the caller once per request and keeps it on request.state."""
    principal = authenticate(request.headers.get("authorization"), request.app.state.settings)
    request.state.principal = principal
    from gis_server.audit_actor import act_for_request  # the audit trail's actor for this request
    act_for_request(request, principal)
    return principal


def principal_of(request: Request) -> Principal:
    return getattr(request.state, "principal", ANONYMOUS)


def view_of(request: Request, layer: LayerDefinition) -> LayerView:
    """The caller's view of `layer` (`layers.access.view`): what they may read, write and see of it."""
    return services(request).access.view(layer, principal_of(request))


def readable(request: Request, layers: Iterable[LayerDefinition]) -> list[LayerDefinition]:
    """The caller's views of those of `layers` they may read, in order (the others left out)."""
    policy, principal = services(request).access, principal_of(request)
    return [view.layer for view in (policy.view(layer, principal) for layer in layers) if view.layer is not None]


def authorize_read(request: Request, layer: LayerDefinition) -> LayerDefinition:
    """The caller's view of `layer` — read through it, never the declaration — or 401/403."""
    view = view_of(request, layer)
    if view.layer is None:
        raise denied(request, f"无权读取图层 {layer.id} / not allowed to read this collection",
                     target=f"layer:{layer.id}")
    return view.layer


def authorize_write(request: Request, layer: LayerDefinition) -> LayerView:
    """The caller's view of `layer` if they may write it (writes go to `view.source`), else 401/403."""
    view = view_of(request, layer)
    if not view.may_write:
        raise denied(request, f"无权修改图层 {layer.id} / not allowed to write this collection",
                     target=f"layer:{layer.id}")
    return view


def caller_region(request: Request, asked: str | None, layers: Iterable[LayerDefinition]) -> str | None:
    """The region an aggregate (statistics, dashboards) over the caller's views `layers` is computed
    over: when any of them is limited to the caller's region, the caller's region when they ask none,
    the one asked when it lies within theirs, else 403 (the aggregate then covers only that region on
    every layer, the safe side); otherwise the region asked."""
    principal = principal_of(request)
    prefix = region_prefix(principal.region)
    if principal.is_admin or prefix is None or not any(layer.row_filter is not None for layer in layers):
        return asked
    if asked is None:
        return principal.region
    if not asked.startswith(prefix):
        raise denied(request, f"无权查看地区 {asked} 的数据 / not allowed to see region {asked}; yours is "
                              f"{principal.region}", target=f"region:{asked}")
    return asked


def authorize_admin(request: Request) -> None:
    principal = principal_of(request)
    if "admin" not in principal.roles:
        raise denied(request, "需要管理员权限 / administrator role required", target="admin")


def denied(request: Request, detail: str, *, target: str = "") -> ApiProblem:
    """The 401 (anonymous) or 403 answer to a refused request, logged with who, what and why."""
    principal = principal_of(request)
    log_denied(principal, f"{request.method} {request.url.path}", target, detail,
               request.client.host if request.client else None)
    if principal.is_anonymous:
        return ApiProblem(401, "未认证 / Unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="onemap"'})
    return ApiProblem(403, "禁止访问 / Forbidden", detail)


def log_denied(principal: Principal, what: str, target: str, why: str, address: str | None) -> None:
    """One line on the `onemap.security.denied` log per refused request (who, what, why, from where)."""
    DENIED_LOG.warning("denied %s", orjson.dumps({
        "who": principal.name, "method": principal.method, "roles": sorted(principal.roles),
        "region": principal.region, "what": what, "target": target, "why": why, "address": address,
    }).decode())
