"""API keys on both stores: the text shown once, only a SHA-256 stored, the principal a key names
(with its scopes), and keys that are revoked, expired, forged or owned by a disabled account → 401."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from gis_server.security import authenticate
from layers.access.principal import Access, KeyScope
from layers.identity import Identity, InvalidIdentityInput, KeyStateConflict
from layers.protect import AuditTrail
from tests.identity.conftest import Clock, add_account, bearer


def key_rows(store: Any) -> list[Any]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT * FROM onemap_api_keys")).mappings())


def test_only_the_hash_of_the_secret_is_stored(identity: Identity, identity_store: Any) -> None:
    key, text = identity.keys.create("test", name="省应急平台", scopes=["roads:read"])
    assert text.startswith(f"omk_{key.id}_")
    secret = text.split("_", 2)[2]
    assert len(secret) >= 43  # 32 random bytes, URL-safe base64
    rows = key_rows(identity_store)
    assert len(rows) == 1
    assert rows[0]["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in rows[0].values())
    assert "secret" not in str(key.as_json(key.created_at)).lower()


def test_a_key_names_a_principal_with_its_scopes(client: TestClient, identity: Identity) -> None:
    _, text = identity.keys.create("test", name="省应急平台", scopes=["roads:read", "bridges:write"],
                                   roles=["emergency"], region="220000", owner_organisation="吉林省应急厅")
    principal = authenticate(f"Bearer {text}", client.app.state.settings)  # type: ignore[attr-defined]
    assert principal.method == "api_key"
    assert principal.roles == {"public", "emergency"} and principal.region == "220000"
    assert principal.organisation == "吉林省应急厅" and principal.display_name == "省应急平台"
    assert principal.scopes == (KeyScope("roads", Access.READ), KeyScope("bridges", Access.WRITE))
    assert principal.key_allows("roads", Access.READ) and not principal.key_allows("roads", Access.WRITE)
    assert principal.key_allows("bridges", Access.READ) and not principal.key_allows("ferries", Access.READ)
    assert client.get("/map/session", headers=bearer(text)).json()["name"] == principal.name


def test_a_star_scope_covers_every_layer(client: TestClient, identity: Identity) -> None:
    _, text = identity.keys.create("test", name="全部只读", scopes=["*:read"])
    principal = authenticate(f"Bearer {text}", client.app.state.settings)  # type: ignore[attr-defined]
    assert principal.key_allows("roads", Access.READ) and principal.key_allows("anything", Access.READ)
    assert not principal.key_allows("roads", Access.WRITE)


def test_revoked_key_is_refused(client: TestClient, identity: Identity) -> None:
    key, text = identity.keys.create("test", name="bot", scopes=["roads:read"])
    assert client.get("/map/session", headers=bearer(text)).status_code == 200
    identity.keys.revoke("test", key.id)
    refused = client.get("/map/session", headers=bearer(text))
    assert refused.status_code == 401 and "吊销" in refused.json()["detail"]
    with pytest.raises(KeyStateConflict):
        identity.keys.revoke("test", key.id)


def test_expired_key_is_refused(client: TestClient, identity: Identity, clock: Clock) -> None:
    _, text = identity.keys.create("test", name="bot", scopes=["roads:read"], expires_days=30)
    clock.advance(days=29, hours=23)
    assert client.get("/map/session", headers=bearer(text)).status_code == 200
    clock.advance(hours=2)
    refused = client.get("/map/session", headers=bearer(text))
    assert refused.status_code == 401 and "过期" in refused.json()["detail"]


def test_forged_and_malformed_keys_are_refused(client: TestClient, identity: Identity) -> None:
    key, text = identity.keys.create("test", name="bot", scopes=["roads:read"])
    forged = f"omk_{key.id}_{'A' * 43}"
    for token in (forged, text[:-1], "omk_nothing", f"omk_{'0' * 12}_{text.split('_', 2)[2]}"):
        refused = client.get("/map/session", headers=bearer(token))
        assert refused.status_code == 401, token
        assert refused.json()["detail"] == "API 密钥无效 / invalid API key"


def test_a_key_of_a_disabled_account_stops_working(client: TestClient, identity: Identity) -> None:
    add_account(identity)
    _, text = identity.keys.create("test", name="li.si 的脚本", scopes=["roads:read"], owner_account="li.si")
    assert client.get("/map/session", headers=bearer(text)).status_code == 200
    identity.accounts.set_disabled("test", "li.si", True)
    assert client.get("/map/session", headers=bearer(text)).status_code == 401
    with pytest.raises(InvalidIdentityInput):
        identity.keys.create("test", name="x", scopes=["roads:read"], owner_account="nobody")


@pytest.mark.parametrize("scopes", [[], ["roads"], ["roads:delete"], ["Roads:read"], ["roads:read:x"]])
def test_invalid_scopes_are_refused(identity: Identity, scopes: list[str]) -> None:
    with pytest.raises(InvalidIdentityInput) as caught:
        identity.keys.create("test", name="bot", scopes=scopes)
    assert caught.value.field == "scopes"


def test_use_is_noted_and_changes_are_audited(client: TestClient, identity: Identity, identity_store: Any) -> None:
    key, text = identity.keys.create("boss", name="bot", scopes=["roads:read"])
    assert client.get("/map/session", headers=bearer(text)).status_code == 200
    client.app.state.identity.close()  # type: ignore[attr-defined]  # wait for the background note of use
    assert identity.keys.get(key.id).last_used_at is not None  # type: ignore[union-attr]
    identity.keys.revoke("boss", key.id)
    records = [(r.actor, r.action, r.target) for r in AuditTrail(identity_store).records()
               if r.target.startswith("key:")]
    assert records == [("boss", "key_create", f"key:{key.id}"), ("boss", "key_revoke", f"key:{key.id}")]
