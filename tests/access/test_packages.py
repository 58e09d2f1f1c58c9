"""Offline packages hold what their requester sees: the rows of their region, masked as they read them."""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient

from tests.access.support import ADMIN, INSPECTOR_CC, PLATES, SUPERVISOR_JL, Caller, caller_headers
from tiles.packages.container import open_package
from tiles.packages.update import apply_patch

REQUEST = {"area": "124.5,43.2,127.5,44.8", "zooms": "7-8", "layers": ["acc_cases"], "format": "mbtiles"}


def _finished(client: TestClient, caller: Caller, asked: Any) -> dict[str, Any]:
    assert asked.status_code in (200, 202), asked.text
    deadline = time.monotonic() + 120
    while (job := client.get(asked.headers["location"], headers=caller_headers(caller)).json())["status"] != "done":
        assert job["status"] in ("queued", "running") and time.monotonic() < deadline, job
        time.sleep(0.2)
    return job


def _download(client: TestClient, caller: Caller, job: dict[str, Any], path: Path) -> Path:
    [enclosure] = [link for link in job["links"] if link["rel"] == "enclosure"]
    path.write_bytes(client.get(enclosure["href"], headers=caller_headers(caller)).content)
    return path


def _package(client: TestClient, caller: Caller, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """The `acc_cases` features in the caller's package, by adcode (every tile read)."""
    job = _finished(client, caller, client.post("/packages", json=REQUEST, headers=caller_headers(caller)))
    return _features(_download(client, caller, job, tmp_path / f"{caller.key}.mbtiles"))


def _features(path: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    with open_package(path) as reader:
        for _, _, _, data in reader.tiles():
            body = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
            for feature in mapbox_vector_tile.decode(body).get("acc_cases", {}).get("features", []):
                found[feature["properties"]["adcode"]] = feature["properties"]
    return found


@pytest.fixture
def packaging(make_client: Callable[[str], TestClient], tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("ONEMAP_PACKAGE_DIR", str(tmp_path / "packages"))
    return make_client("all")


def test_each_callers_package_holds_their_view(packaging: TestClient, tmp_path: Path) -> None:
    everything = _package(packaging, ADMIN, tmp_path)
    assert set(everything) == {"220100", "220200"} and everything["220200"]["plate"] == PLATES["220200"]
    inspector = _package(packaging, INSPECTOR_CC, tmp_path)
    assert set(inspector) == {"220100"}
    assert inspector["220100"]["plate"] == PLATES["220100"] and "internal_note" not in inspector["220100"]
    supervisor = _package(packaging, SUPERVISOR_JL, tmp_path)
    assert set(supervisor) == {"220200"}
    assert supervisor["220200"]["plate"] == "吉B***90" and supervisor["220200"]["internal_note"] == "内部-220200"


def test_a_package_update_holds_what_the_package_holds(packaging: TestClient, tmp_path: Path) -> None:
    """A patch is rendered with its requester's view; nobody else may make one of their package."""
    headers = caller_headers(SUPERVISOR_JL)
    job = _finished(packaging, SUPERVISOR_JL, packaging.post("/packages", json=REQUEST, headers=headers))
    base = _download(packaging, SUPERVISOR_JL, job, tmp_path / "base.mbtiles")
    for code, x in (("220100", 125.35), ("220200", 126.60)):
        body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, 43.95]},
                "properties": {"title": f"新案件-{code}", "adcode": code, "plate": "吉C24680"}}
        added = packaging.post("/collections/acc_cases/items", json=body,
                               headers={**caller_headers(ADMIN), "Content-Type": "application/geo+json"})
        assert added.status_code == 201
    refused = packaging.post(f"/packages/{job['id']}/update", headers=caller_headers(ADMIN))
    assert refused.status_code == 403
    patch_job = _finished(packaging, SUPERVISOR_JL, packaging.post(f"/packages/{job['id']}/update", headers=headers))
    patch = _download(packaging, SUPERVISOR_JL, patch_job, tmp_path / "patch.mbtiles")
    updated = apply_patch(base, patch, tmp_path / "updated.mbtiles")
    assert updated.tile_count > 0
    titles = set()
    with open_package(tmp_path / "updated.mbtiles") as reader:
        for _, _, _, data in reader.tiles():
            body = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
            for feature in mapbox_vector_tile.decode(body).get("acc_cases", {}).get("features", []):
                titles.add((feature["properties"]["adcode"], feature["properties"]["plate"]))
    assert ("220200", "吉C***80") in titles  # the new Jilin case, masked as the supervisor reads it
    assert all(code == "220200" for code, _ in titles)  # and nothing of Changchun
