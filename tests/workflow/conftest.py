"""Fixtures of the workflow tests: the test hazard layer registered on each store, and an app over it
with a users file naming the workflow's callers (see `support`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gis_server.app import create_app
from gis_server.settings import Settings
from layers.registry import LayerRegistry
from layers.stores import open_store
from tests.workflow.support import ADMIN_TOKEN, HAZARDS, write_users_file


@pytest.fixture
def registry(store_url: str) -> Iterator[LayerRegistry]:
    store = open_store(store_url)
    registry = LayerRegistry(store)
    registry.register(HAZARDS)
    yield registry
    registry.close()
    store.close()


@pytest.fixture
def store(registry: LayerRegistry) -> Any:
    return registry.store


@pytest.fixture
def client(registry: LayerRegistry, store_url: str, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "tile-cache"))
    settings = Settings(database_url=store_url, admin_token=ADMIN_TOKEN,
                        users_file=write_users_file(tmp_path / "users.yaml"), sweep_seconds=0)
    with TestClient(create_app(settings, store=registry.store), base_url="http://testserver") as test_client:
        yield test_client
