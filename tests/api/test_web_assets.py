"""The pages' libraries and scripts come from the platform itself: vendored files, our static files,
and clear errors for anything else."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gis_server.routers import web_assets
from tests.conftest import missing


def test_every_vendored_library_is_served_with_its_media_type(client: TestClient) -> None:
    if not (web_assets.NODE_MODULES / "maplibre-gl").is_dir():
        missing("npm ci --prefix gis_server/web has not been run")
    for name, relative in web_assets.VENDOR.items():
        response = client.get(f"/static/vendor/{name}")
        assert response.status_code == 200, name
        assert response.content == (web_assets.NODE_MODULES / relative).read_bytes()
        expected = "text/css" if name.endswith(".css") else "text/javascript"
        assert response.headers["content-type"].startswith(expected)
        assert "max-age" in response.headers["cache-control"]


def test_unknown_vendored_file_is_404_naming_what_exists(client: TestClient) -> None:
    response = client.get("/static/vendor/jquery.js")
    assert response.status_code == 404
    assert "maplibre-gl.js" in response.json()["detail"]


def test_a_library_that_was_not_installed_says_how_to_install_it(client: TestClient,
                                                                  monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(web_assets, "NODE_MODULES", tmp_path)
    response = client.get("/static/vendor/echarts.min.js")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "npm ci" in response.json()["detail"]


@pytest.mark.parametrize("path", ["../routers/web_assets.py", "..%2F..%2Fapp.py", "nothing.js", "vendor"])
def test_static_files_stay_inside_their_folder(client: TestClient, path: str) -> None:
    assert client.get(f"/static/{path}").status_code == 404


def test_our_own_static_files_are_served(client: TestClient, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "map").mkdir()
    (tmp_path / "map" / "app.js").write_text("export const answer = 42;\n", encoding="utf-8")
    monkeypatch.setattr(web_assets, "STATIC", tmp_path)
    response = client.get("/static/map/app.js")
    assert response.status_code == 200 and "answer = 42" in response.text
    assert response.headers["content-type"].startswith("text/javascript")


def test_the_favicon_browsers_ask_for_exists(client: TestClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    assert client.get("/static/favicon.svg").content == response.content
