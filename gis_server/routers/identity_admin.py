"""Identity administration over HTTP, under `/admin/identity/`: local accounts (list, create, roles,
disable/enable, unlock, password reset), API keys (list, issue, revoke) and the roles the platform
knows. Callers need the role `admin` or `security_admin`; every change is audited (`layers.identity`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from starlette.responses import Response

from gis_server.params import reject_unknown
from gis_server.problems import ApiProblem
from gis_server.responses import json_response
from gis_server.routers.auth import identity_of
from gis_server.security import principal_of
from gis_server.state import services
from layers.identity import Identity, IdentityError
from layers.identity.roles import known_roles

ADMIN_ROLES = frozenset({"admin", "security_admin"})
PREFIX = "/admin/identity"
TITLES = {400: "请求无效 / Invalid request", 404: "未找到 / Not found", 409: "冲突 / Conflict"}


class NewAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr
    password: StrictStr
    roles: list[StrictStr] = Field(default_factory=list)
    organisation: StrictStr | None = None
    region: StrictStr | None = None
    display_name: StrictStr | None = None


class RolesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: list[StrictStr]


class PasswordBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: StrictStr


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr
    scopes: list[StrictStr]
    roles: list[StrictStr] = Field(default_factory=list)
    region: StrictStr | None = None
    owner_account: StrictStr | None = None
    owner_organisation: StrictStr | None = None
    expires_days: StrictInt | None = None


def require_identity_admin(request: Request) -> None:
    """Router dependency: runs before the body is read, so callers without the role learn nothing more."""
    principal = principal_of(request)
    if principal.is_anonymous:
        raise ApiProblem(401, "未认证 / Unauthorized", "需要登录 / sign-in required",
                         headers={"WWW-Authenticate": 'Bearer realm="onemap"'})
    if not ADMIN_ROLES & principal.roles:
        raise ApiProblem(403, "禁止访问 / Forbidden",
                         "需要 admin 或 security_admin 角色 / the admin or security_admin role is required")
    reject_unknown(request.query_params, ())


router = APIRouter(dependencies=[Depends(require_identity_admin)])


def _admin(request: Request) -> tuple[Identity, str]:
    """The identity store and the acting caller's name."""
    return identity_of(request).identity, principal_of(request).name


@contextmanager
def _answering() -> Iterator[None]:
    try:
        yield
    except IdentityError as exc:
        raise ApiProblem(exc.status, TITLES.get(exc.status, TITLES[400]), exc.message,
                         **({"field": exc.field} if exc.field else {})) from None


# -- accounts ---------------------------------------------------------------------------------------
@router.get(f"{PREFIX}/users", include_in_schema=False)
def list_users(request: Request) -> Response:
    identity, _ = _admin(request)
    now = identity_of(request).now()
    return json_response({"users": [account.as_json(now) for account in identity.accounts.all()]})


@router.post(f"{PREFIX}/users", include_in_schema=False)
def create_user(request: Request, body: Annotated[NewAccount, Body()]) -> Response:
    identity, actor = _admin(request)
    with _answering():
        account = identity.accounts.create(actor, name=body.name, password=body.password, roles=body.roles,
                                           organisation=body.organisation, region=body.region,
                                           display_name=body.display_name)
    return json_response(account.as_json(identity_of(request).now()), status=201,
                         headers={"Location": f"{PREFIX}/users/{account.name}"})


@router.get(f"{PREFIX}/users/{{name}}", include_in_schema=False)
def get_user(request: Request, name: str) -> Response:
    identity, _ = _admin(request)
    with _answering():
        account = identity.accounts.require(name)
    return json_response(account.as_json(identity_of(request).now()))


@router.put(f"{PREFIX}/users/{{name}}/roles", include_in_schema=False)
def set_roles(request: Request, name: str, body: Annotated[RolesBody, Body()]) -> Response:
    identity, actor = _admin(request)
    with _answering():
        account = identity.accounts.set_roles(actor, name, body.roles)
    return json_response(account.as_json(identity_of(request).now()))


@router.put(f"{PREFIX}/users/{{name}}/password", include_in_schema=False)
def reset_password(request: Request, name: str, body: Annotated[PasswordBody, Body()]) -> Response:
    identity, actor = _admin(request)
    with _answering():
        account = identity.accounts.set_password(actor, name, body.password)
    return json_response(account.as_json(identity_of(request).now()))


@router.post(f"{PREFIX}/users/{{name}}/disable", include_in_schema=False)
def disable_user(request: Request, name: str) -> Response:
    identity, actor = _admin(request)
    with _answering():
        account = identity.accounts.set_disabled(actor, name, True)
    return json_response(account.as_json(identity_of(request).now()))


@router.post(f"{PREFIX}/users/{{name}}/enable", include_in_schema=False)
def enable_user(request: Request, name: str) -> Response:
    identity, actor = _admin(request)
    with _answering():
        account = identity.accounts.set_disabled(actor, name, False)
    return json_response(account.as_json(identity_of(request).now()))


@router.post(f"{PREFIX}/users/{{name}}/unlock", include_in_schema=False)
def unlock_user(request: Request, name: str) -> Response:
    identity, actor = _admin(request)
    with _answering():
        account = identity.accounts.unlock(actor, name)
    return json_response(account.as_json(identity_of(request).now()))


# -- keys -------------------------------------------------------------------------------------------
@router.get(f"{PREFIX}/keys", include_in_schema=False)
def list_keys(request: Request) -> Response:
    identity, _ = _admin(request)
    now = identity_of(request).now()
    return json_response({"keys": [key.as_json(now) for key in identity.keys.all()]})


@router.post(f"{PREFIX}/keys", include_in_schema=False)
def create_key(request: Request, body: Annotated[NewKey, Body()]) -> Response:
    identity, actor = _admin(request)
    with _answering():
        key, text = identity.keys.create(actor, name=body.name, scopes=body.scopes, roles=body.roles,
                                         region=body.region, owner_account=body.owner_account,
                                         owner_organisation=body.owner_organisation, expires_days=body.expires_days)
    return json_response({**key.as_json(identity_of(request).now()), "key": text}, status=201,
                         headers={"Location": f"{PREFIX}/keys/{key.id}", "Cache-Control": "no-store"})


@router.delete(f"{PREFIX}/keys/{{key_id}}", include_in_schema=False)
def revoke_key(request: Request, key_id: str) -> Response:
    identity, actor = _admin(request)
    with _answering():
        key = identity.keys.revoke(actor, key_id)
    return json_response(key.as_json(identity_of(request).now()))


# -- roles ------------------------------------------------------------------------------------------
@router.get(f"{PREFIX}/roles", include_in_schema=False)
def list_roles(request: Request) -> Response:
    identity, _ = _admin(request)
    return json_response({"roles": known_roles(services(request).registry.all(), identity.accounts.role_counts())})
