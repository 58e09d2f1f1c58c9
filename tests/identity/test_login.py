"""`POST /auth/token` through the app on both stores: tokens for good passwords, one answer for every
refusal, the per-account lock (15 min, doubling), the per-address throttle, and tokens that stop
working when the account changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
from fastapi.testclient import TestClient

from layers.identity import Identity
from layers.protect import AuditTrail
from tests.identity.conftest import PASSWORD, Clock, add_account, bearer, sign_in

WRONG = "用户名或密码错误 / wrong user name or password"


def login_records(store: Any) -> list[dict[str, Any]]:
    return [{"actor": r.actor, **r.detail} for r in AuditTrail(store).records() if r.action == "login"]


def test_form_login_gives_a_bearer_token_for_the_account(client: TestClient, identity: Identity) -> None:
    add_account(identity)
    response = sign_in(client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 8 * 3600
    assert response.headers["cache-control"] == "no-store"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["iss"] == "onemap" and claims["sub"] == "li.si"
    assert claims["roles"] == ["safety_officer"] and claims["region"] == "220100"
    assert claims["org"] == "长春市交通运输局" and claims["exp"] - claims["iat"] == 8 * 3600 and claims["jti"]
    me = client.get("/map/session", headers=bearer(body["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json() | {"roles": None} == {"name": "li.si", "display_name": "李四", "roles": None,
                                           "organisation": "长春市交通运输局", "region": "220100", "anonymous": False}
    assert me.json()["roles"] == ["public", "safety_officer"]


def test_json_login_and_token_lifetime_setting(make_client: Any, identity: Identity) -> None:
    add_account(identity)
    with make_client(token_hours=1.5) as client:
        response = client.post("/auth/token", json={"username": "li.si", "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert response.json()["expires_in"] == 5400


def test_the_token_names_the_caller_to_the_app(client: TestClient, identity: Identity) -> None:
    add_account(identity)
    token = sign_in(client).json()["access_token"]
    principal = client.app.state.identity.principal(token)  # type: ignore[attr-defined]
    assert (principal.name, principal.method, principal.region) == ("li.si", "account", "220100")
    assert principal.roles == {"public", "safety_officer"} and principal.scopes is None


def test_every_refusal_reads_the_same(client: TestClient, identity: Identity, clock: Clock) -> None:
    add_account(identity, "li.si")
    add_account(identity, "wang.wu")
    identity.accounts.set_disabled("test", "wang.wu", True)
    refusals = [sign_in(client, "li.si", "wrong password"), sign_in(client, "nobody", PASSWORD),
                sign_in(client, "wang.wu", PASSWORD)]
    for response in refusals:
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == WRONG and response.json()["error"] == "invalid_grant"
    reasons = [record["reason"] for record in login_records(identity.storage.store)]
    assert reasons == ["bad_password", "unknown_account", "disabled"]


def test_five_failures_lock_the_account_for_15_minutes(client: TestClient, identity: Identity, clock: Clock) -> None:
    add_account(identity)
    for _ in range(5):
        assert sign_in(client, password="wrong password").status_code == 401
    account = identity.accounts.require("li.si")
    assert account.failed_logins == 5 and account.locked(clock.now)
    assert account.locked_until == clock.now + timedelta(minutes=15)
    locked = sign_in(client)  # the right password, but locked: the same answer as a wrong one
    assert locked.status_code == 401 and locked.json()["detail"] == WRONG
    clock.advance(minutes=14, seconds=59)
    assert sign_in(client).status_code == 401
    clock.advance(seconds=2)
    assert sign_in(client).status_code == 200
    assert identity.accounts.require("li.si").failed_logins == 0
    reasons = [(r["outcome"], r.get("reason")) for r in login_records(identity.storage.store)]
    assert reasons[-3:] == [("failure", "locked"), ("failure", "locked"), ("success", None)]


def test_the_lock_doubles_with_further_failures_up_to_a_day(client: TestClient, identity: Identity,
                                                             clock: Clock) -> None:
    add_account(identity)
    for _ in range(5):
        sign_in(client, password="wrong password")
    minutes = []
    for _ in range(8):
        clock.now = identity.accounts.require("li.si").locked_until  # type: ignore[assignment]
        sign_in(client, password="wrong password")
        account = identity.accounts.require("li.si")
        minutes.append((account.locked_until - clock.now).total_seconds() / 60)  # type: ignore[operator]
    assert minutes == [30, 60, 120, 240, 480, 960, 1440, 1440]


def test_attempts_while_locked_do_not_lengthen_the_lock(client: TestClient, identity: Identity) -> None:
    add_account(identity)
    for _ in range(5):
        sign_in(client, password="wrong password")
    until = identity.accounts.require("li.si").locked_until
    for _ in range(3):
        sign_in(client, password="wrong password")
    assert identity.accounts.require("li.si").locked_until == until


def test_unlock_lifts_the_lock(client: TestClient, identity: Identity) -> None:
    add_account(identity)
    for _ in range(5):
        sign_in(client, password="wrong password")
    identity.accounts.unlock("test", "li.si")
    assert sign_in(client).status_code == 200


def test_many_failures_from_one_address_are_throttled(client: TestClient, identity: Identity, clock: Clock) -> None:
    add_account(identity)
    for i in range(20):  # guessing across many names: no single account gets locked
        assert sign_in(client, f"guess{i}", "wrong password").status_code == 401
    throttled = sign_in(client)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["retry-after"]) <= 15 * 60
    assert login_records(identity.storage.store)[-1]["reason"] == "address_throttled"
    clock.advance(minutes=15, seconds=1)
    assert sign_in(client).status_code == 200


def test_login_records_carry_the_callers_address(client: TestClient, identity: Identity) -> None:
    add_account(identity)
    sign_in(client, password="wrong password")
    sign_in(client)
    records = login_records(identity.storage.store)
    assert [(r["actor"], r["outcome"], r["address"]) for r in records] == [
        ("li.si", "failure", "testclient"), ("li.si", "success", "testclient")]
    assert all(PASSWORD not in str(r) for r in records)


def test_token_refused_after_password_change(client: TestClient, identity: Identity) -> None:
    add_account(identity)
    token = sign_in(client).json()["access_token"]
    assert client.get("/map/session", headers=bearer(token)).status_code == 200
    identity.accounts.set_password("test", "li.si", "a brand new password")
    refused = client.get("/map/session", headers=bearer(token))
    assert refused.status_code == 401
    assert "重新登录" in refused.json()["detail"]
    assert sign_in(client, password="a brand new password").status_code == 200


def test_token_refused_after_role_change_and_for_disabled_accounts(client: TestClient, identity: Identity) -> None:
    add_account(identity)
    token = sign_in(client).json()["access_token"]
    identity.accounts.change_roles("test", "li.si", add=["inspector"])
    assert client.get("/map/session", headers=bearer(token)).status_code == 401
    token = sign_in(client).json()["access_token"]
    identity.accounts.set_disabled("test", "li.si", True)
    assert client.get("/map/session", headers=bearer(token)).status_code == 401
    identity.accounts.set_disabled("test", "li.si", False)
    assert client.get("/map/session", headers=bearer(token)).status_code == 401  # disabling ended it for good


def test_token_expires(client: TestClient, identity: Identity, clock: Clock) -> None:
    add_account(identity)
    token = sign_in(client).json()["access_token"]
    clock.advance(hours=7, minutes=59)
    assert client.get("/map/session", headers=bearer(token)).status_code == 200
    clock.advance(minutes=2)
    refused = client.get("/map/session", headers=bearer(token))
    assert refused.status_code == 401 and "过期" in refused.json()["detail"]


def test_a_token_signed_with_another_secret_is_refused(client: TestClient, identity: Identity) -> None:
    add_account(identity)
    claims = jwt.decode(sign_in(client).json()["access_token"], options={"verify_signature": False})
    forged = jwt.encode(claims, "someone else's secret of at least 32 chars", algorithm="HS256")
    refused = client.get("/map/session", headers=bearer(forged))
    assert refused.status_code == 401 and "签名" in refused.json()["detail"]
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert client.get("/map/session", headers=bearer(unsigned)).status_code == 401


def test_bad_login_requests_are_400_or_415(client: TestClient) -> None:
    assert client.post("/auth/token", data={"grant_type": "client_credentials", "username": "a",
                                            "password": "b"}).json()["error"] == "unsupported_grant_type"
    assert client.post("/auth/token", data={"username": "li.si"}).status_code == 400
    assert client.post("/auth/token", json=["li.si", PASSWORD]).status_code == 400
    assert client.post("/auth/token", json={"username": "li.si", "password": PASSWORD, "extra": 1}).status_code == 400
    assert client.post("/auth/token", content=b"{", headers={"content-type": "application/json"}).status_code == 400
    assert client.post("/auth/token", content=b"x", headers={"content-type": "text/plain"}).status_code == 415
    assert client.post("/auth/token?x=1", data={"username": "a", "password": "b"}).status_code == 400
