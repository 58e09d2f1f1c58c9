"""`/admin/identity/…` on both stores: who may use it, what each operation does, its 400/404/409
answers, and the audit records it leaves."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from layers.identity import Identity
from layers.protect import AuditTrail
from tests.identity.conftest import ADMIN, PASSWORD, add_account, bearer, sign_in

USERS = "/admin/identity/users"
KEYS = "/admin/identity/keys"
NEW = {"name": "zhou.jiu", "password": PASSWORD, "roles": ["inspector"], "organisation": "四平市交通运输局",
       "region": "220300", "display_name": "周九"}


def token_of(client: TestClient, identity: Identity, name: str, roles: tuple[str, ...]) -> dict[str, str]:
    add_account(identity, name, roles=roles)
    response = sign_in(client, name)
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


@pytest.mark.parametrize(("method", "path"), [("GET", USERS), ("POST", USERS), ("GET", f"{USERS}/li.si"),
                                              ("PUT", f"{USERS}/li.si/roles"), ("POST", f"{USERS}/li.si/disable"),
                                              ("POST", f"{USERS}/li.si/unlock"), ("PUT", f"{USERS}/li.si/password"),
                                              ("GET", KEYS), ("POST", KEYS), ("DELETE", f"{KEYS}/abc"),
                                              ("GET", "/admin/identity/roles")])
def test_only_identity_admins_may_call(client: TestClient, identity: Identity, method: str, path: str) -> None:
    anonymous = client.request(method, path, json={})
    assert anonymous.status_code == 401
    officer = token_of(client, identity, "li.si", ("safety_officer",))
    forbidden = client.request(method, path, json={}, headers=officer)
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"].startswith("需要 admin 或 security_admin 角色")


def test_a_security_admin_manages_accounts(client: TestClient, identity: Identity, identity_store: Any) -> None:
    admin = token_of(client, identity, "qian.admin", ("security_admin",))
    created = client.post(USERS, json=NEW, headers=admin)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"{USERS}/zhou.jiu"
    assert created.json()["roles"] == ["inspector"] and "password" not in str(created.json())
    assert [u["name"] for u in client.get(USERS, headers=admin).json()["users"]] == ["qian.admin", "zhou.jiu"]
    roles = client.put(f"{USERS}/zhou.jiu/roles", json={"roles": ["inspector", "safety_officer"]}, headers=admin)
    assert roles.json()["roles"] == ["inspector", "safety_officer"]
    assert client.post(f"{USERS}/zhou.jiu/disable", headers=admin).json()["disabled"] is True
    assert sign_in(client, "zhou.jiu").status_code == 401
    assert client.post(f"{USERS}/zhou.jiu/enable", headers=admin).json()["disabled"] is False
    reset = client.put(f"{USERS}/zhou.jiu/password", json={"password": "reset password 3"}, headers=admin)
    assert reset.status_code == 200
    assert sign_in(client, "zhou.jiu", "reset password 3").status_code == 200
    records = [(r.actor, r.action) for r in AuditTrail(identity_store).records() if r.target == "account:zhou.jiu"]
    assert records == [("qian.admin", "account_create"), ("qian.admin", "permission_change"),
                       ("qian.admin", "account_disable"), ("zhou.jiu", "login"), ("qian.admin", "account_enable"),
                       ("qian.admin", "password_change"), ("zhou.jiu", "login")]


def test_unlock_over_the_api(client: TestClient, identity: Identity) -> None:
    add_account(identity)
    for _ in range(5):
        sign_in(client, password="wrong password")
    shown = client.get(f"{USERS}/li.si", headers=ADMIN).json()
    assert shown["locked"] is True and shown["failed_logins"] == 5 and shown["locked_until"]
    unlocked = client.post(f"{USERS}/li.si/unlock", headers=ADMIN)
    assert unlocked.json()["locked"] is False
    assert sign_in(client).status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    ({**NEW, "name": "Zhou Jiu"}, "name"), ({**NEW, "region": "22030"}, "region"),
    ({**NEW, "password": "short"}, "password"), ({**NEW, "roles": ["system"]}, "roles"),
])
def test_invalid_accounts_are_400(client: TestClient, body: dict[str, Any], field: str) -> None:
    response = client.post(USERS, json=body, headers=ADMIN)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field


def test_malformed_bodies_are_400(client: TestClient) -> None:
    assert client.post(USERS, json={**NEW, "is_root": True}, headers=ADMIN).status_code == 400
    assert client.post(USERS, json={"name": "x"}, headers=ADMIN).status_code == 400
    assert client.post(USERS, content=b"{", headers={**ADMIN, "content-type": "application/json"}).status_code == 400
    assert client.put(f"{USERS}/li.si/roles", json={"roles": "inspector"}, headers=ADMIN).status_code == 400
    assert client.get(f"{USERS}?page=2", headers=ADMIN).status_code == 400


def test_unknown_and_duplicate_are_404_and_409(client: TestClient) -> None:
    assert client.post(USERS, json=NEW, headers=ADMIN).status_code == 201
    assert client.post(USERS, json=NEW, headers=ADMIN).status_code == 409
    assert client.get(f"{USERS}/nobody", headers=ADMIN).status_code == 404
    assert client.post(f"{USERS}/nobody/disable", headers=ADMIN).status_code == 404
    assert client.delete(f"{KEYS}/000000000000", headers=ADMIN).status_code == 404


def test_keys_over_the_api(client: TestClient, identity: Identity, identity_store: Any) -> None:
    created = client.post(KEYS, json={"name": "省应急平台", "scopes": ["roads:read"], "roles": ["emergency"],
                                      "expires_days": 365}, headers=ADMIN)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["key"].startswith(f"omk_{body['id']}_") and body["state"] == "active" and body["expires_at"]
    assert client.get("/map/session", headers=bearer(body["key"])).status_code == 200
    listed = client.get(KEYS, headers=ADMIN).json()["keys"]
    assert [k["id"] for k in listed] == [body["id"]] and "key" not in listed[0]
    assert body["key"].split("_", 2)[2] not in str(listed)
    revoked = client.delete(f"{KEYS}/{body['id']}", headers=ADMIN)
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert client.delete(f"{KEYS}/{body['id']}", headers=ADMIN).status_code == 409
    assert client.get("/map/session", headers=bearer(body["key"])).status_code == 401
    bad = client.post(KEYS, json={"name": "x", "scopes": ["roads:delete"]}, headers=ADMIN)
    assert bad.status_code == 400 and bad.json()["field"] == "scopes"
    assert client.post(KEYS, json={"name": "x", "scopes": ["roads:read"], "expires_days": 0},
                       headers=ADMIN).status_code == 400
    records = [(r.actor, r.action) for r in AuditTrail(identity_store).records() if r.target.startswith("key:")]
    assert records == [("admin", "key_create"), ("admin", "key_revoke")]


def test_roles_over_the_api(client: TestClient, identity: Identity) -> None:
    add_account(identity, "li.si", roles=("safety_officer",))
    roles = {entry["role"]: entry for entry in client.get("/admin/identity/roles", headers=ADMIN).json()["roles"]}
    assert roles["safety_officer"] == {"role": "safety_officer", "accounts": 1, "layers": {}}
    assert roles["admin"]["layers"] == {"bridges": ["write"], "roads": ["write"]}
