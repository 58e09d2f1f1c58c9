"""Fixtures of the hardening tests: a store with a road layer, a toll-point layer and a private
layer (the tile tests' layers), and a factory of TestClients over the app with chosen settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point

from gis_server.app import create_app
from gis_server.settings import Settings
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from tests.sample_layers import ROADS
from tests.tiles.conftest import CHANGCHUN, POINTS, ROAD_LINE, SECRET

TOKEN = "security-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
#: Settings that switch the rate limit off, for tests of everything else.
NO_RATE_LIMIT: dict[str, Any] = {"rate_limit": None}

MakeClient = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture
def security_store(store_url: str) -> Iterator[Any]:
    store = open_store(store_url)
    LayerRegistry(store).register_many([ROADS, POINTS, SECRET])
    store.insert(ROADS, [FeatureRecord(ROAD_LINE, {"name": "长春绕城", "route_code": "G1201",
                                                   "road_class": "expressway", "lanes": 4})])
    store.insert(POINTS, [FeatureRecord(Point(*CHANGCHUN), {"name": "长春站", "fee": 15.5,
                                                            "opened": date(2010, 9, 1)})])
    store.insert(SECRET, [FeatureRecord(Point(125.33, 43.88), {"name": "机房"})])
    yield store
    store.close()


@pytest.fixture
def make_client(security_store: Any, store_url: str, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> MakeClient:
    """`with make_client(**settings) as client:` — the app over the test store with those settings
    (defaults: the admin token, the rate limit off)."""
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "tile-cache"))

    @contextmanager
    def make(**overrides: Any) -> Iterator[TestClient]:
        settings = Settings(**{"database_url": store_url, "admin_token": TOKEN, **NO_RATE_LIMIT, **overrides})
        app = create_app(settings, store=security_store)
        with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
            yield client

    return make


@pytest.fixture
def client(make_client: MakeClient) -> Iterator[TestClient]:
    with make_client() as test_client:
        yield test_client
