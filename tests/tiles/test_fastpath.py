"""Tiles answered by the raw ASGI fast path — cached ones from memory, misses rendered on the event
loop (PostGIS) or in a worker thread once the app's tile service exists: the same bytes and headers
as the route, the same access rules, and nothing else taken over (errors go to the app, which
reports them)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from gis_server.routers import tiles as tile_routes
from layers.errors import StoreUnavailable
from tests.tiles.conftest import AUTH, CHANGCHUN
from tests.tiles.mvt import address_at, decode
from tiles.renderers.postgis_async import AsyncTilePool
from tiles.service import TileService, compress

TILE = address_at(*CHANGCHUN, 12)
URL = f"/collections/toll_points/tiles/WebMercatorQuad/{TILE.z}/{TILE.row}/{TILE.col}"
SECRET_URL = f"/collections/secret_sites/tiles/WebMercatorQuad/{TILE.z}/{TILE.row}/{TILE.col}"


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the route's path (TileService.tile) and the fast path's (TileService.cached) ran;
    "tile" also counts the misses `TileService.tile_async` answered on the event loop ("on_loop")."""
    counts = {"tile": 0, "cached": 0, "route": 0, "on_loop": 0}
    tile, cached, route, tile_async = TileService.tile, TileService.cached, tile_routes._tile, TileService.tile_async

    def counting_route(*args: Any, **kwargs: Any) -> Any:
        counts["route"] += 1
        return route(*args, **kwargs)

    def counting_tile(self: TileService, *args: Any) -> Any:
        counts["tile"] += 1
        return tile(self, *args)

    def counting_cached(self: TileService, *args: Any) -> Any:
        counts["cached"] += 1
        return cached(self, *args)

    async def counting_tile_async(self: TileService, *args: Any) -> Any:
        answer = await tile_async(self, *args)
        if answer is not None:
            counts["tile"] += 1
            counts["on_loop"] += 1
        return answer

    monkeypatch.setattr(TileService, "tile", counting_tile)
    monkeypatch.setattr(TileService, "tile_async", counting_tile_async)
    monkeypatch.setattr(TileService, "cached", counting_cached)
    monkeypatch.setattr(tile_routes, "_tile", counting_route)
    return counts


def test_a_cached_tile_skips_the_route_and_answers_the_same(client: TestClient, calls: dict[str, int]) -> None:
    headers = {"Accept-Encoding": "gzip", "Origin": "http://dashboard.example"}
    first = client.get(URL, headers=headers)
    assert first.status_code == 200 and calls["tile"] == 1
    second = client.get(URL, headers=headers)
    assert calls["tile"] == 1 and calls["cached"] >= 1  # answered from memory, not by the route
    assert second.content == first.content
    for name in ("etag", "content-type", "content-encoding", "cache-control", "vary",
                 "access-control-allow-origin", "access-control-expose-headers"):
        assert second.headers.get(name) == first.headers.get(name), name
    assert client.get(URL, headers={**headers, "If-None-Match": first.headers["etag"]}).status_code == 304
    plain = client.get(URL, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.headers["etag"].endswith('-identity"')
    assert calls["tile"] == 1


def test_the_fast_path_keeps_the_access_rules(client: TestClient, calls: dict[str, int]) -> None:
    assert client.get(SECRET_URL, headers=AUTH).status_code == 200  # admin renders and caches it
    anonymous = client.get(SECRET_URL)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    wrong = client.get(SECRET_URL, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_anything_but_a_plain_cached_tile_goes_to_the_app(client: TestClient, calls: dict[str, int]) -> None:
    client.get(URL)
    bad = client.get(URL + "?f=png")
    assert bad.status_code == 400 and bad.json()["parameter"] == "f"
    extra = client.get(URL + "?f=mvt&x=1")
    assert extra.status_code == 400
    assert client.get(URL + "?f=mvt").status_code == 200
    outside = client.get("/collections/toll_points/tiles/WebMercatorQuad/3/99/99")
    assert outside.status_code == 404


def test_a_cached_dataset_tile_is_answered_the_same(client: TestClient, calls: dict[str, int]) -> None:
    url = f"/tiles/WebMercatorQuad/{TILE.z}/{TILE.row}/{TILE.col}?collections=toll_points,roads"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and calls["tile"] == 1
    second = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert calls["tile"] == 1
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert second.headers["vary"] == first.headers["vary"]
    # a private layer among them: the caller must be allowed, or the app answers
    secret = f"/tiles/WebMercatorQuad/{TILE.z}/{TILE.row}/{TILE.col}?collections=roads,secret_sites"
    assert client.get(secret, headers=AUTH).status_code == 200
    assert client.get(secret).status_code == 401
    assert client.get(secret.replace("secret_sites", "no_such_layer")).status_code == 404


def test_a_miss_is_rendered_by_the_fast_path_once_the_service_exists(client: TestClient,
                                                                     calls: dict[str, int]) -> None:
    headers = {"Accept-Encoding": "gzip", "Origin": "http://dashboard.example"}
    first = client.get(URL, headers=headers)  # the route creates the app's tile service
    assert first.status_code == 200 and calls["route"] == 1
    zoomed = address_at(*CHANGCHUN, 14)
    url = f"/collections/toll_points/tiles/WebMercatorQuad/{zoomed.z}/{zoomed.row}/{zoomed.col}"
    miss = client.get(url, headers=headers)
    assert miss.status_code == 200
    assert calls["route"] == 1 and calls["tile"] == 2  # rendered, but not through the route
    assert set(miss.headers) >= {"etag", "content-type", "content-encoding", "cache-control", "vary",
                                 "access-control-allow-origin"}
    assert miss.headers["content-type"] == first.headers["content-type"]
    names = [feature["properties"]["name"] for feature in decode(miss.content)["toll_points"]["features"]]
    assert names == ["长春站"]
    assert client.get(url, headers=headers).content == miss.content and calls["tile"] == 2
    if client.app.state.services.store.kind == "postgis":
        assert calls["on_loop"] == 1  # the PostGIS miss needed no worker thread


def test_a_miss_on_the_event_loop_gives_the_bytes_of_the_thread_path(client: TestClient,
                                                                     calls: dict[str, int]) -> None:
    if client.app.state.services.store.kind != "postgis":
        pytest.skip("only the PostGIS renderer renders on the event loop")
    assert client.get(URL).status_code == 200
    service = client.app.state.tile_service
    tiles = [address_at(*CHANGCHUN, z) for z in (13, 14, 15)]
    urls = [f"/tiles/WebMercatorQuad/{a.z}/{a.row}/{a.col}?collections=toll_points,roads" for a in tiles]
    on_loop = [client.get(url, headers={"Accept-Encoding": "gzip"}) for url in urls]
    assert calls["on_loop"] == 3 and all(reply.status_code == 200 for reply in on_loop)
    layers = [client.app.state.services.registry.get(name) for name in ("toll_points", "roads")]
    for address, reply in zip(tiles, on_loop, strict=True):
        rendered = service.renderer.render(layers, address)  # the thread path's renderer, in this thread
        assert reply.content == rendered.data and rendered.data
        assert reply.headers["etag"] == compress(rendered).etag


def test_a_render_error_in_the_fast_path_is_reported_by_the_app(client: TestClient, calls: dict[str, int],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert client.get(URL).status_code == 200
    service = client.app.state.tile_service

    def broken(*_args: Any) -> Any:
        raise StoreUnavailable("数据库连接中断 / connection lost")

    monkeypatch.setattr(service.renderer, "render", broken)

    async def lost(*_args: Any) -> Any:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(AsyncTilePool, "fetch_one", lost)  # PostGIS: the loop's attempt fails first
    zoomed = address_at(*CHANGCHUN, 13)
    reply = client.get(f"/collections/toll_points/tiles/WebMercatorQuad/{zoomed.z}/{zoomed.row}/{zoomed.col}")
    assert reply.status_code == 503
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert calls["route"] == 2  # the fast path gave up and the route answered
