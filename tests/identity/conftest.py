"""Fixtures of the identity tests: a store with two layers, the app over it with chosen settings, a
clock the tests move instead of sleeping, and argon2id with small cost parameters (same algorithm and
format, a fraction of the time; `test_accounts` checks the production parameters once)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from gis_server.app import create_app
from gis_server.settings import Settings
from layers.identity import Identity, open_identity
from layers.registry import LayerRegistry
from layers.stores import open_store
from tests.sample_layers import ROADS

ADMIN_TOKEN = "identity-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PASSWORD = "correct horse 1"
BRIDGES = ROADS.model_copy(update={"id": "bridges", "title_zh": "测试桥梁", "title_en": "Test bridges",
                                   "catalogue_code": "JL-JT-TEST-0199"})

MakeClient = Callable[..., AbstractContextManager[TestClient]]


class Clock:
    """A clock the test moves; starts at the real time (OIDC tokens are checked against real time)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("layers.identity.passwords.PasswordHasher",
                        functools.partial(PasswordHasher, time_cost=1, memory_cost=8192, parallelism=1))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def identity_store(store_url: str) -> Iterator[Any]:
    store = open_store(store_url)
    LayerRegistry(store).register_many([ROADS, BRIDGES])
    yield store
    store.close()


@pytest.fixture
def identity(identity_store: Any, clock: Clock) -> Identity:
    return open_identity(identity_store, clock=clock)


@pytest.fixture
def make_client(identity_store: Any, store_url: str, tmp_path: Path, clock: Clock,
                monkeypatch: pytest.MonkeyPatch) -> MakeClient:
    """`with make_client(**settings) as client:` — the app over the test store, its identity service on
    the test clock; the token key file in the test's directory."""
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "tile-cache"))

    @contextmanager
    def make(**overrides: Any) -> Iterator[TestClient]:
        settings = Settings(**{"database_url": store_url, "admin_token": ADMIN_TOKEN, "rate_limit": None,
                               "users_file": None, "token_key_file": tmp_path / "token.key", **overrides})
        app = create_app(settings, store=identity_store)
        with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
            app.state.identity.set_clock(clock)
            yield client

    return make


@pytest.fixture
def client(make_client: MakeClient) -> Iterator[TestClient]:
    with make_client() as test_client:
        yield test_client


def add_account(identity: Identity, name: str = "li.si", *, roles: tuple[str, ...] = ("safety_officer",),
                region: str | None = "220100", organisation: str | None = "长春市交通运输局") -> None:
    identity.accounts.create("test", name=name, password=PASSWORD, roles=roles, region=region,
                             organisation=organisation, display_name="李四")


def sign_in(client: TestClient, name: str = "li.si", password: str = PASSWORD) -> Any:
    return client.post("/auth/token", data={"grant_type": "password", "username": name, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
