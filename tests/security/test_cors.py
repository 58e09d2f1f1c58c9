"""The CORS allow-list (`ONEMAP_CORS_ORIGINS`): by default any origin may read; with a list, a listed
origin is named back and any other gets no CORS grant — on routes, on item pages and tiles answered
by the fast paths (cached or not), on preflights and on the hardening middleware's own refusals."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from gis_server.routers import tiles as tile_routes
from gis_server.settings import RateLimit
from tests.security.conftest import MakeClient
from tests.tiles.conftest import CHANGCHUN
from tests.tiles.mvt import address_at

LISTED = "https://dashboard.jl.example"
OTHER = "https://elsewhere.example"
TILE = address_at(*CHANGCHUN, 12)
TILE_URL = f"/collections/toll_points/tiles/WebMercatorQuad/{TILE.z}/{TILE.row}/{TILE.col}"
READS = ("/collections", "/collections/roads/items", TILE_URL, TILE_URL,  # the second from the tile cache
         f"/tiles/WebMercatorQuad/{TILE.z}/{TILE.row}/{TILE.col}?collections=toll_points,roads")


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Calls of the tile route (the fast path answers the others)."""
    calls: list[Any] = []
    route = tile_routes._tile

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return route(*args, **kwargs)

    monkeypatch.setattr(tile_routes, "_tile", counting)
    return calls


def test_any_origin_may_read_by_default(client: TestClient, routed: list[Any]) -> None:
    for path in READS:
        response = client.get(path, headers={"Origin": OTHER})
        assert response.status_code == 200, path
        assert response.headers["access-control-allow-origin"] == "*", path
    assert len(routed) == 1


def test_a_listed_origin_is_named_and_others_get_nothing(make_client: MakeClient, routed: list[Any]) -> None:
    with make_client(cors_origins=(LISTED,)) as client:
        for path in READS:
            listed = client.get(path, headers={"Origin": LISTED})
            assert listed.status_code == 200, path
            assert listed.headers["access-control-allow-origin"] == LISTED, path
            assert "Origin" in listed.headers["vary"], path
            other = client.get(path, headers={"Origin": OTHER})
            assert other.status_code == 200, path
            assert "access-control-allow-origin" not in other.headers, path
            assert "access-control-expose-headers" not in other.headers, path
            assert "access-control-allow-origin" not in client.get(path).headers, path
        assert len(routed) == 1  # the tile fast path answered all but the first tile


def test_preflights_follow_the_list(make_client: MakeClient) -> None:
    asked = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    with make_client(cors_origins=(LISTED,)) as client:
        listed = client.options("/collections/roads/items", headers={"Origin": LISTED, **asked})
        assert listed.status_code == 200
        assert listed.headers["access-control-allow-origin"] == LISTED
        other = client.options("/collections/roads/items", headers={"Origin": OTHER, **asked})
        assert other.status_code >= 400
        assert "access-control-allow-origin" not in other.headers


def test_refusals_of_the_middleware_follow_the_list(make_client: MakeClient) -> None:
    with make_client(cors_origins=(LISTED,), rate_limit=RateLimit(1, 60.0)) as client:
        assert client.get("/collections", headers={"Origin": LISTED}).status_code == 200
        listed = client.get("/collections", headers={"Origin": LISTED})
        assert listed.status_code == 429
        assert listed.headers["access-control-allow-origin"] == LISTED
        assert "retry-after" in listed.headers["access-control-expose-headers"].lower()
        other = client.get("/collections", headers={"Origin": OTHER})
        assert other.status_code == 429 and "access-control-allow-origin" not in other.headers
