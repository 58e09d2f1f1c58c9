"""The warm-up a server runs before taking requests: the map's first view is in the tile cache, so a
planner's first visit after a start renders nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gis_server.app import create_app
from gis_server.settings import Settings
from gis_server.warmup import WARM_ZOOMS, first_view_tiles
from tests.tiles.conftest import AUTH, TOKEN


def test_first_view_tiles_fill_every_vector_source_template_over_the_bounds() -> None:
    style = {"sources": {
        "a": {"type": "vector", "tiles": ["http://h/tiles/WebMercatorQuad/{z}/{y}/{x}?collections=roads,toll_points"]},
        "b": {"type": "vector", "tiles": ["http://h/collections/x/tiles/WebMercatorQuad/{z}/{y}/{x}"]},
        "basemap": {"type": "raster", "tiles": ["http://t/{z}/{x}/{y}.png"]},
    }}
    urls = first_view_tiles(style, (125.0, 43.5, 125.5, 44.0), zooms=(5, 6))
    # zoom 5: x = 27, y = 11; zoom 6: x = 54, y = 23 — one tile each holds this small box
    assert urls == ["/tiles/WebMercatorQuad/5/11/27?collections=roads,toll_points",
                    "/tiles/WebMercatorQuad/6/23/54?collections=roads,toll_points",
                    "/collections/x/tiles/WebMercatorQuad/5/11/27",
                    "/collections/x/tiles/WebMercatorQuad/6/23/54"]


def test_a_warmed_up_server_answers_the_first_view_from_its_tile_cache(
        tile_store: Any, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "tile-cache"))
    settings = Settings(database_url=store_url, admin_token=TOKEN, warm_up=True)
    with TestClient(create_app(settings, store=tile_store), base_url="http://testserver") as client:
        service = client.app.state.tile_service  # made by the warm-up's first tile request
        assert service is not None and service.rendered > 0
        rendered = service.rendered
        for headers in ({}, AUTH):  # anonymous, and the administrator's view with every layer
            bounds = tuple(client.get("/map/config", headers=headers).json()["view"]["bounds"])
            urls = first_view_tiles(client.get("/styles/onemap", headers=headers).json(), bounds, WARM_ZOOMS)
            assert len(urls) >= len(WARM_ZOOMS)
            for url in urls:
                reply = client.get(url, headers={**headers, "Accept-Encoding": "gzip"})
                assert reply.status_code in (200, 204)
        assert any("secret_sites" in url for url in urls)  # a layer only the signed-in view has
        assert service.rendered == rendered  # every one came from the cache


def test_without_the_setting_an_app_starts_without_rendering_anything(tile_store: Any, store_url: str) -> None:
    with TestClient(create_app(Settings(database_url=store_url, admin_token=TOKEN), store=tile_store)) as client:
        assert getattr(client.app.state, "tile_service", None) is None
