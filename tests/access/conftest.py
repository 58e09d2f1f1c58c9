"""The access-test world on each store (see `support`), and apps over it in either anonymous mode."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gis_server.app import create_app
from gis_server.settings import Settings
from layers.registry import LayerRegistry
from layers.stores import open_store
from tests.access.support import ADMIN_TOKEN, LAYERS, PREFECTURES, boundary_records, records, write_users


@pytest.fixture
def registry(store_url: str) -> Iterator[LayerRegistry]:
    store = open_store(store_url)
    registry = LayerRegistry(store)
    registry.register_many([PREFECTURES, *LAYERS])
    store.insert(PREFECTURES, boundary_records())
    for layer in LAYERS:
        store.insert(layer, records(layer))
    yield registry
    registry.close()
    store.close()


@pytest.fixture
def make_client(registry: LayerRegistry, store_url: str, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], TestClient]]:
    """`make_client(anonymous_read)`: an app over the world with that anonymous rule."""
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "tile-cache"))
    users = write_users(tmp_path / "users.yaml")
    with ExitStack() as stack:
        def make(anonymous_read: str = "all") -> TestClient:
            settings = Settings(database_url=store_url, admin_token=ADMIN_TOKEN, users_file=users,
                                sweep_seconds=0, anonymous_read=anonymous_read)
            app = create_app(settings, store=registry.store)
            return stack.enter_context(TestClient(app, base_url="http://testserver"))
        yield make


@pytest.fixture
def client(make_client: Callable[[str], TestClient]) -> TestClient:
    return make_client("all")


def features_of(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """An items page's features by their `adcode`."""
    return {feature["properties"]["adcode"]: feature for feature in body["features"]}
