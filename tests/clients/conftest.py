"""A real `onemap serve` process per test module and store kind, with deterministic test data.

Each module that uses `live_server` gets a fresh server (GeoPackage file in a tmp dir, or the
session's PostGIS database emptied before and after), started through the CLI on a free port
with ONEMAP_ADMIN_TOKEN set, holding two layers: `roads` (250 multi-line features, every field
type, a temporal field, some nulls) and `stations` (60 points). Real clients then talk HTTP to it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from shapely.geometry import LineString, MultiLineString, Point

from layers.model import FieldSpec, FieldType, GeometryType, LayerDefinition
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from tests.live_server import start_server, stop_server
from tests.sample_layers import ROADS

ADMIN_TOKEN = "clients-admin-token"
ROAD_COUNT = 250
STATION_COUNT = 60
START_TIMEOUT_S = 60

STATIONS = LayerDefinition(
    id="stations",
    title_zh="测试站点",
    title_en="Test stations",
    domain="base",
    catalogue_code="JL-JT-TEST-0102",
    geometry_type=GeometryType.POINT,
    fields=(
        FieldSpec(name="name", type=FieldType.STRING, title_zh="名称", required=True, max_length=40),
        FieldSpec(name="capacity", type=FieldType.INTEGER, title_zh="容量", minimum=0),
        FieldSpec(name="rating", type=FieldType.NUMBER, title_zh="评分"),
        FieldSpec(name="staffed", type=FieldType.BOOLEAN, title_zh="有人值守"),
    ),
    valid_extent=(120.0, 40.0, 132.0, 47.0),
)

T0 = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)


def road_geometry(i: int) -> MultiLineString:
    """Road i sits in cell (i % 25, i // 25) of a 25 × 10 grid over central Jilin; every 7th has two parts."""
    x = 124.0 + (i % 25) * 0.25
    y = 42.0 + (i // 25) * 0.35
    first = LineString([(x, y), (x + 0.1, y + 0.05), (x + 0.2, y)])
    if i % 7 == 0:
        return MultiLineString([first, LineString([(x, y + 0.1), (x + 0.2, y + 0.15)])])
    return MultiLineString([first])


def road_properties(i: int) -> dict[str, object]:
    return {
        "name": f"测试路{i:03d}",
        "route_code": None if i % 10 == 9 else ("G12" if i % 2 == 0 else "G102"),
        "road_class": "expressway" if i % 2 == 0 else "national",
        "lanes": None if i % 25 == 24 else 1 + i % 6,
        "length_km": round(1.5 + i * 0.25, 2),
        "tolled": i % 3 == 0,
        "opened": date(2000, 1, 1) + timedelta(days=37 * i),
        "inspected_at": T0 + timedelta(hours=13 * i),
    }


def station_geometry(i: int) -> Point:
    return Point(125.05 + (i % 10) * 0.3, 43.05 + (i // 10) * 0.3)


def station_properties(i: int) -> dict[str, object]:
    return {"name": f"站点{i:02d}", "capacity": 10 * i, "rating": round(i / 7, 3), "staffed": i % 2 == 1}


@dataclass(frozen=True)
class LiveServer:
    """A running server: its base URL (no trailing slash), store kind and admin token."""

    url: str
    store_kind: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def items(self, collection: str, **params: object) -> dict:
        """GET /collections/{collection}/items as JSON over plain HTTP; a non-200 fails the test."""
        response = httpx.get(f"{self.url}/collections/{collection}/items",
                             params={"f": "json", **{k: str(v) for k, v in params.items()}}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def all_items(self, collection: str, **params: object) -> list[dict]:
        """Every feature matching `params`, in one request (limit far above the test data size)."""
        doc = self.items(collection, limit=5000, **params)
        assert doc["numberMatched"] == doc["numberReturned"] == len(doc["features"])
        return doc["features"]


def _seed(store_url: str) -> None:
    store = open_store(store_url)
    try:
        registry = LayerRegistry(store)
        registry.register(ROADS)
        registry.register(STATIONS)
        store.insert(ROADS, [FeatureRecord(road_geometry(i), road_properties(i)) for i in range(ROAD_COUNT)])
        store.insert(STATIONS, [FeatureRecord(station_geometry(i), station_properties(i))
                                for i in range(STATION_COUNT)])
    finally:
        store.close()


def _empty_postgis(url: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        tables = conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'"
        )).scalars().all()
        for table in tables:
            conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()


def _server_env(store_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEMAP_")}
    env.update({"ONEMAP_DATABASE_URL": store_url, "ONEMAP_ADMIN_TOKEN": ADMIN_TOKEN,
                "ONEMAP_RATE_LIMIT": "0",  # one fuzzing caller makes thousands of requests
                # the clients read the sample layers anonymously on both stores (tests/access checks the
                # PostGIS default, where anonymous callers read only the layers declared public)
                "ONEMAP_ANONYMOUS_READ": "all",
                "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})
    return env


def _start(store_url: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`onemap serve` on a free port; returns once /collections answers 200."""
    return start_server(lambda port: [sys.executable, "-m", "gis_server.cli.main", "serve", "--port", str(port)],
                        _server_env(store_url), workdir)


@pytest.fixture(scope="module", params=["geopackage", pytest.param("postgis", marks=pytest.mark.postgis)])
def live_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A fresh seeded server for this module, once on GeoPackage and once on PostGIS."""
    workdir = tmp_path_factory.mktemp(f"clients-{request.param}")
    if request.param == "postgis":
        store_url = request.getfixturevalue("postgis_server_url")
        _empty_postgis(store_url)  # the session database is shared with other modules of this worker
    else:
        store_url = f"geopackage://{workdir / 'onemap.gpkg'}"
    _seed(store_url)
    proc, url = _start(store_url, workdir)
    try:
        yield LiveServer(url, request.param, ADMIN_TOKEN)
    finally:
        stop_server(proc)
        if request.param == "postgis":
            _empty_postgis(store_url)
