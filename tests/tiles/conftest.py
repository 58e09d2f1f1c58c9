"""Fixtures shared by the tile API tests: a store with a road, a toll point and a private layer, and
a TestClient over the app with the disk cache in the test's own directory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import MultiLineString, Point

from gis_server.app import create_app
from gis_server.settings import Settings
from layers.model import FieldSpec, FieldType, GeometryType, LayerDefinition, TilePropertyRule, TileSettings
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from tests.sample_layers import ROADS

TOKEN = "tiles-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CHANGCHUN = (125.3245, 43.8868)

POINTS = LayerDefinition(
    id="toll_points", title_zh="测试收费站", title_en="Test toll stations", domain="base",
    catalogue_code="JL-JT-TEST-0101", geometry_type=GeometryType.POINT,
    fields=(FieldSpec(name="name", type=FieldType.STRING, title_zh="名称", required=True),
            FieldSpec(name="fee", type=FieldType.NUMBER, title_zh="收费标准", unit="元"),
            FieldSpec(name="opened", type=FieldType.DATE, title_zh="开通日期")),
    min_zoom=5, max_zoom=18, valid_extent=(120.0, 40.0, 132.0, 47.0),
    tiles=TileSettings(properties=(TilePropertyRule(from_zoom=5, fields=("name",)),
                                   TilePropertyRule(from_zoom=10, fields=("fee", "opened")))),
)
SECRET = LayerDefinition(
    id="secret_sites", title_zh="内部点位", title_en="Internal sites", domain="base",
    catalogue_code="JL-JT-TEST-0102", geometry_type=GeometryType.POINT,
    fields=(FieldSpec(name="name", type=FieldType.STRING, title_zh="名称"),),
    read_roles=("inspector",), valid_extent=(120.0, 40.0, 132.0, 47.0),
)
ROAD_LINE = MultiLineString([[(125.20, 43.80), (125.30, 43.85), (125.45, 43.90)]])


@pytest.fixture
def tile_store(store_url: str) -> Iterator[Any]:
    store = open_store(store_url)
    registry = LayerRegistry(store)
    registry.register_many([ROADS, POINTS, SECRET])
    road = {"name": "长春绕城", "route_code": "G1201", "road_class": "expressway", "lanes": 4, "length_km": 21.5,
            "tolled": True}
    store.insert(ROADS, [FeatureRecord(ROAD_LINE, road)])
    store.insert(POINTS, [FeatureRecord(Point(*CHANGCHUN), {"name": "长春站", "fee": 15.5,
                                                            "opened": date(2010, 9, 1)})])
    store.insert(SECRET, [FeatureRecord(Point(125.33, 43.88), {"name": "机房"})])
    yield store
    store.close()


@pytest.fixture
def client(tile_store: Any, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "tile-cache"))  # the disk tier, in this test's dir
    settings = Settings(database_url=store_url, admin_token=TOKEN)
    with TestClient(create_app(settings, store=tile_store), base_url="http://testserver") as test_client:
        yield test_client
