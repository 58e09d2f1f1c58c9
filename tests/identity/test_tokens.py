"""The platform token secret (setting or key file) and the order `authenticate` tries credentials in."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import jwt
import pytest
import yaml
from fastapi.testclient import TestClient

from gis_server.identity import IdentityService, TokenRejected
from gis_server.identity.tokens import key_file
from gis_server.problems import ApiProblem
from gis_server.security import ANONYMOUS, authenticate
from gis_server.settings import Settings
from layers.identity import Identity
from tests.identity.conftest import ADMIN_TOKEN, PASSWORD, MakeClient, add_account, bearer, sign_in


def test_a_key_file_is_made_once_with_mode_600(identity_store: Any, store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "keys" / "token.key"
    settings = Settings(database_url=store_url, token_key_file=path)
    first = IdentityService(settings, identity_store)
    assert not path.exists()  # made when a token is first issued or checked, not at start-up
    assert len(first.tokens.secret) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    second = IdentityService(settings, identity_store)
    assert first.tokens.secret == second.tokens.secret and len(first.tokens.secret) >= 32
    assert [p.name for p in path.parent.iterdir()] == ["token.key"]  # no drafts left behind
    first.close()
    second.close()


def test_the_default_key_file_sits_next_to_the_geopackage(gpkg_url: str) -> None:
    from layers.stores import open_store

    store = open_store(gpkg_url)
    settings = Settings(database_url=gpkg_url, token_key_file=None)
    assert key_file(settings, store) == Path(gpkg_url.removeprefix("geopackage://")).with_name("onemap.token-key")
    service = IdentityService(settings, store)
    assert service.tokens.secret and key_file(settings, store).is_file()
    service.close()
    store.close()


def test_the_secret_setting_signs_tokens(make_client: MakeClient, identity: Identity) -> None:
    add_account(identity)
    secret = "a-configured-secret-of-more-than-32-characters"
    with make_client(token_secret=secret) as client:
        token = sign_in(client).json()["access_token"]
    assert jwt.decode(token, secret, algorithms=["HS256"], issuer="onemap")["sub"] == "li.si"


def test_a_key_file_that_cannot_be_made_is_503(make_client: MakeClient, identity: Identity, tmp_path: Path) -> None:
    add_account(identity)
    (tmp_path / "not-a-directory").write_text("x", encoding="utf-8")
    with make_client(token_key_file=tmp_path / "not-a-directory" / "token.key") as client:
        response = sign_in(client)
    assert response.status_code == 503
    assert "令牌密钥" in response.json()["detail"]


def test_a_short_secret_is_a_configuration_error(identity_store: Any, store_url: str) -> None:
    with pytest.raises(ValueError, match="ONEMAP_TOKEN_SECRET"):
        IdentityService(Settings(database_url=store_url, token_secret="too short"), identity_store)


def test_tokens_of_one_app_are_valid_in_another_over_the_same_key(make_client: MakeClient,
                                                                  identity: Identity) -> None:
    add_account(identity)
    with make_client() as first:
        token = sign_in(first).json()["access_token"]
    with make_client() as second:  # another worker or a restart: same key file, same store
        assert second.get("/map/session", headers=bearer(token)).json()["name"] == "li.si"


def test_dispatch_order_and_anonymous(make_client: MakeClient, identity: Identity, tmp_path: Path) -> None:
    users_file = tmp_path / "users.yaml"
    users_file.write_text(yaml.safe_dump({"users": {"file-token-0123456789": {"name": "file.user"}}}),
                          encoding="utf-8")
    add_account(identity)
    with make_client(users_file=users_file) as client:
        settings = client.app.state.settings  # type: ignore[attr-defined]
        assert authenticate(None, settings) is ANONYMOUS
        assert authenticate(f"Bearer {ADMIN_TOKEN}", settings).method == "admin_token"
        assert authenticate("Bearer file-token-0123456789", settings).method == "users_file"
        token = sign_in(client).json()["access_token"]
        assert authenticate(f"Bearer {token}", settings).method == "account"
        for header in ("Bearer nonsense", "Bearer a.b.c", f"Basic {PASSWORD}"):
            with pytest.raises(ApiProblem) as caught:
                authenticate(header, settings)
            assert caught.value.status == 401


def test_verified_tokens_are_cached_until_an_identity_change(client: TestClient, identity: Identity,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    add_account(identity)
    token = sign_in(client).json()["access_token"]
    service = client.app.state.identity  # type: ignore[attr-defined]
    assert service.principal(token).name == "li.si"
    calls = []
    original = service.tokens.verify
    monkeypatch.setattr(service.tokens, "verify", lambda t: calls.append(t) or original(t))
    for _ in range(3):
        assert service.principal(token).name == "li.si"
    assert calls == []  # answered from the cache
    identity.accounts.change_roles("test", "li.si", add=["inspector"])
    with pytest.raises(TokenRejected, match="重新登录"):
        service.principal(token)
    assert calls == [token]
