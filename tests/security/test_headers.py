"""Security headers on every kind of response — JSON, problem+json, HTML pages, tiles answered by the
fast path (from the cache and rendered), static files — and the Content-Security-Policy on HTML
pages, which hold no inline code it would have to allow."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from gis_server.hardening.headers import TIANDITU_HOSTS
from gis_server.routers import tiles as tile_routes
from tests.security.conftest import MakeClient
from tests.security.pages import CSP, assert_secured, csp_directives, inline_code
from tests.tiles.conftest import CHANGCHUN
from tests.tiles.mvt import address_at

TILE = address_at(*CHANGCHUN, 12)
TILE_URL = f"/collections/toll_points/tiles/WebMercatorQuad/{TILE.z}/{TILE.row}/{TILE.col}"


def _pages(client: TestClient) -> list[str]:
    fid = client.get("/collections/roads/items").json()["features"][0]["id"]
    return ["/?f=html", "/conformance?f=html", "/api?f=html", "/collections?f=html", "/collections/roads?f=html",
            "/collections/roads/queryables?f=html", "/collections/roads/items?f=html",
            f"/collections/roads/items/{fid}?f=html", "/map", "/dashboard", "/map/offline"]


def test_json_and_problem_answers_carry_the_headers_but_no_csp(client: TestClient) -> None:
    for response in (client.get("/collections"), client.get("/collections/nope"),
                     client.get("/collections/roads/items"), client.get("/collections/roads/items?limit=0")):
        assert_secured(response)
        assert "content-security-policy" not in response.headers
    assert client.get("/collections/nope").status_code == 404


def test_every_html_page_has_the_csp_and_nothing_inline(client: TestClient) -> None:
    for path in _pages(client):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["content-type"].startswith("text/html"), path
        assert_secured(response)
        assert response.headers["content-security-policy"] == CSP, path
        assert inline_code(response.text) == [], path


def test_a_tianditu_key_allows_its_hosts_for_images_and_fetches(client: TestClient,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEMAP_TIANDITU_KEY", "test-key")
    directives = csp_directives(client.get("/map"))
    for directive in ("img-src", "connect-src"):
        assert set(TIANDITU_HOSTS) <= set(directives[directive]), directive
    assert directives["script-src"] == ["'self'"]
    monkeypatch.delenv("ONEMAP_TIANDITU_KEY")
    assert client.get("/map").headers["content-security-policy"] == CSP


def test_tiles_from_the_fast_path_carry_the_headers(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    routed: list[Any] = []
    route = tile_routes._tile

    def counting(*args: Any, **kwargs: Any) -> Any:
        routed.append(args)
        return route(*args, **kwargs)

    monkeypatch.setattr(tile_routes, "_tile", counting)
    first = client.get(TILE_URL)  # the route creates the app's tile service
    assert first.status_code == 200 and len(routed) == 1
    cached = client.get(TILE_URL)
    zoomed = address_at(*CHANGCHUN, 14)
    rendered = client.get(f"/collections/toll_points/tiles/WebMercatorQuad/{zoomed.z}/{zoomed.row}/{zoomed.col}")
    dataset = client.get(f"/tiles/WebMercatorQuad/{TILE.z}/{TILE.row}/{TILE.col}?collections=toll_points,roads")
    assert len(routed) == 1  # all three answered by the fast path
    for response in (first, cached, rendered, dataset):
        assert response.status_code == 200
        assert_secured(response)
        assert "content-security-policy" not in response.headers
    not_modified = client.get(TILE_URL, headers={"If-None-Match": cached.headers["etag"]})
    assert not_modified.status_code == 304
    assert_secured(not_modified)


def test_static_files_carry_the_headers(client: TestClient) -> None:
    for path in ("/static/pages.css", "/static/map/early.js", "/static/map/main.js", "/favicon.ico"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secured(response)
    assert_secured(client.get("/static/no-such-file.js"))


def test_limit_and_error_answers_carry_the_headers(make_client: MakeClient) -> None:
    with make_client(max_body_bytes=10) as client:
        too_large = client.post("/collections/roads/items", content=b"x" * 100)
        assert too_large.status_code == 413
        assert_secured(too_large)
