"""An app over each store with a small test layer: TestClient in-process, real stores underneath."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import LineString, MultiLineString

from gis_server.app import create_app
from gis_server.settings import Settings
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from tests.sample_layers import ROADS

ADMIN_TOKEN = "test-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def sample_records() -> list[FeatureRecord]:
    """25 short east-west roads stepping north from Changchun, one every 0.02°."""
    records = []
    for i in range(25):
        y = 43.80 + i * 0.02
        records.append(FeatureRecord(
            geometry=LineString([(125.20, y), (125.30, y + 0.005), (125.40, y)]),
            properties={
                "name": f"测试路{i:02d}", "route_code": "G12" if i % 2 == 0 else "G102",
                "road_class": "expressway" if i % 2 == 0 else "national", "lanes": 2 + i % 3,
                "length_km": 8.0 + i, "tolled": i % 2 == 0, "opened": (T0 - timedelta(days=365 * i)).date(),
                "inspected_at": T0 + timedelta(days=i),
            },
        ))
    return records


@pytest.fixture
def api_store(store_url: str) -> Iterator[object]:
    store = open_store(store_url)
    registry = LayerRegistry(store)
    registry.register(ROADS)

    store.insert(ROADS, [FeatureRecord(MultiLineString([r.geometry]), r.properties) for r in sample_records()])
    yield store
    store.close()


@pytest.fixture
def client(api_store: object, store_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=store_url, admin_token=ADMIN_TOKEN)
    with TestClient(create_app(settings, store=api_store), base_url="http://testserver") as test_client:
        yield test_client


