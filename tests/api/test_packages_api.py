"""`/packages` over HTTP: a package asked for as a job, its progress, the file downloaded in pieces
(a broken download resumes with `Range`), the same request finding the same job, who may see what,
and bad requests answered 4xx with problem+json naming the parameter."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from shapely.geometry import MultiLineString

from gis_server.app import create_app
from gis_server.settings import Settings
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from tests.sample_layers import ROADS
from tiles.packages.container import open_package
from tiles.packages.inspect import verify_package
from tiles.packages.update import apply_patch

ADMIN = "packages-admin-token"
OTHER = "packages-other-token"
AUTH = {"Authorization": f"Bearer {ADMIN}"}
REQUEST = {"area": "125.20,43.80,125.45,43.95", "zooms": "8-11", "layers": ["roads"], "format": "pmtiles"}


@pytest.fixture
def client(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ONEMAP_PACKAGE_DIR", str(tmp_path / "packages"))
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "tiles"))
    store = open_store(store_url)
    LayerRegistry(store).register(ROADS)
    store.insert(ROADS, [FeatureRecord(MultiLineString([[(125.20, 43.80), (125.30, 43.85), (125.45, 43.90)]]),
                                       {"name": "长春绕城", "lanes": 4})])
    users = tmp_path / "users.yaml"
    users.write_text(yaml.safe_dump({"users": {OTHER: {"name": "wang.wu", "roles": ["inspector"]}}}),
                     encoding="utf-8")
    settings = Settings(database_url=store_url, admin_token=ADMIN, users_file=users, sweep_seconds=0)
    with TestClient(create_app(settings, store=store), base_url="http://testserver") as test_client:
        yield test_client
    store.close()


def _done(client: TestClient, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body = client.get(url, headers=AUTH).json()
        assert body["status"] in ("queued", "running", "done"), body
        if body["status"] == "done":
            return body
        time.sleep(0.2)
    raise AssertionError("the package job did not finish in two minutes")


def test_a_package_job_builds_and_downloads_with_resume(client: TestClient, tmp_path: Path) -> None:
    asked = client.post("/packages", json=REQUEST, headers=AUTH)
    assert asked.status_code in (200, 202), asked.text
    location = asked.headers["location"]
    assert location.startswith("http://testserver/packages/")
    job = _done(client, location)
    assert job["progress"]["done_tiles"] == job["progress"]["total_tiles"] > 0
    assert job["manifest"]["layers"][0]["id"] == "roads" and job["manifest"]["format"] == "pmtiles"
    [enclosure] = [link for link in job["links"] if link["rel"] == "enclosure"]
    assert enclosure["type"] == "application/vnd.pmtiles" and enclosure["href"].startswith("http://")
    whole = client.get(enclosure["href"], headers=AUTH)
    assert whole.status_code == 200 and whole.headers["accept-ranges"] == "bytes" and whole.headers["etag"]
    size = len(whole.content)
    # a download broken after 1,000 bytes continues from there
    first = client.get(enclosure["href"], headers={**AUTH, "Range": "bytes=0-999"})
    rest = client.get(enclosure["href"], headers={**AUTH, "Range": "bytes=1000-", "If-Range": whole.headers["etag"]})
    assert first.status_code == 206 and rest.status_code == 206
    assert rest.headers["content-range"] == f"bytes 1000-{size - 1}/{size}"
    assert first.content + rest.content == whole.content
    saved = tmp_path / "downloaded.pmtiles"
    saved.write_bytes(whole.content)
    assert verify_package(saved) == []
    with open_package(saved) as reader:
        assert reader.tile_count() == job["manifest"]["tile_count"]
    # the same package of the same data is the same job, already done
    again = client.post("/packages", json={**REQUEST, "layers": "roads"}, headers=AUTH)
    assert again.status_code == 200 and again.json()["id"] == job["id"]
    assert [p["id"] for p in client.get("/packages", headers=AUTH).json()["packages"]] == [job["id"]]


def test_packages_are_for_signed_in_callers_and_their_own_jobs(client: TestClient) -> None:
    anonymous = client.post("/packages", json=REQUEST)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    job = _done(client, client.post("/packages", json=REQUEST, headers=AUTH).headers["location"])
    other = {"Authorization": f"Bearer {OTHER}"}
    assert client.get(f"/packages/{job['id']}", headers=other).status_code == 404
    assert client.get(f"/packages/{job['id']}/file", headers=other).status_code == 404
    assert client.get("/packages", headers=other).json()["packages"] == []
    assert client.get("/packages/not-a-job", headers=AUTH).status_code == 404


@pytest.mark.parametrize(("change", "status", "parameter"), [
    ({"area": "110.0,20.0,111.0,21.0"}, 400, "area"),
    ({"layers": []}, 400, "layers"),
    ({"layers": ["roads", "nowhere"]}, 404, "layers"),
    ({"zooms": "3-30"}, 400, "zooms"),
    ({"zooms": "eight"}, 400, "zooms"),
    ({"format": "zip"}, 400, "format"),
    ({"extra": 1}, 400, "extra"),
])
def test_bad_package_requests_are_refused_naming_the_parameter(client: TestClient, change: dict[str, Any],
                                                                status: int, parameter: str) -> None:
    reply = client.post("/packages", json={**REQUEST, **change}, headers=AUTH)
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert reply.json().get("parameter") == parameter
    assert client.get("/packages", headers=AUTH).json()["packages"] == []


def test_a_body_that_is_not_json_is_a_400(client: TestClient) -> None:
    reply = client.post("/packages", content=b"{not json", headers={**AUTH, "Content-Type": "application/json"})
    assert reply.status_code == 400 and reply.json()["parameter"] == "body"


def test_a_new_point_makes_a_new_job(client: TestClient) -> None:
    first = _done(client, client.post("/packages", json=REQUEST, headers=AUTH).headers["location"])
    store = client.app.state.services.store
    store.insert(ROADS, [FeatureRecord(MultiLineString([[(125.25, 43.90), (125.26, 43.91)]]), {"name": "新路"})])
    second = client.post("/packages", json=REQUEST, headers=AUTH)
    assert second.status_code == 202 and second.json()["id"] != first["id"]
    _done(client, second.headers["location"])


def _download(client: TestClient, job: dict[str, Any], path: Path) -> Path:
    [enclosure] = [link for link in job["links"] if link["rel"] == "enclosure"]
    path.write_bytes(client.get(enclosure["href"], headers=AUTH).content)
    return path


def _tiles(path: Path) -> dict[tuple[int, int, int], bytes]:
    with open_package(path) as reader:
        return {(z, x, y): data for z, x, y, data in reader.tiles()}


def test_a_package_is_updated_over_http_with_a_patch_of_what_changed(client: TestClient, tmp_path: Path) -> None:
    base = _done(client, client.post("/packages", json=REQUEST, headers=AUTH).headers["location"])
    base_file = _download(client, base, tmp_path / "base.pmtiles")
    unchanged = _done(client, client.post(f"/packages/{base['id']}/update", headers=AUTH).headers["location"])
    assert unchanged["kind"] == "patch" and unchanged["base"] == base["id"] and unchanged["patch"]["changed"] == 0
    store = client.app.state.services.store
    store.insert(ROADS, [FeatureRecord(MultiLineString([[(125.25, 43.90), (125.26, 43.91)]]), {"name": "新路"})])
    patch = _done(client, client.post(f"/packages/{base['id']}/update", headers=AUTH).headers["location"])
    assert patch["id"] != unchanged["id"] and patch["patch"]["changed"] > 0
    patch_file = _download(client, patch, tmp_path / "patch.pmtiles")
    assert len(_tiles(patch_file)) == patch["patch"]["changed"] < len(_tiles(base_file)) + 1
    apply_patch(base_file, patch_file, tmp_path / "updated.pmtiles")
    fresh = _done(client, client.post("/packages", json=REQUEST, headers=AUTH).headers["location"])
    assert fresh["id"] != base["id"]
    assert _tiles(tmp_path / "updated.pmtiles") == _tiles(_download(client, fresh, tmp_path / "fresh.pmtiles"))
    assert client.post(f"/packages/{patch['id']}/update", headers=AUTH).status_code == 409  # a patch of a patch
