"""Field work through the package API: a person's package carries their open items as an editable
GeoPackage; what they record offline comes back through `POST /packages/sync` — applied once,
a concurrently changed item kept as a conflict, a damaged upload refused with the data untouched."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from domains.workflow.engine import STORAGE
from gis_server.app import create_app
from gis_server.settings import Settings
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.workflow import STATE_FIELD
from tests.fieldwork.support import LAYER, Items, append_edit, change_on_server, make_items

LI_SI = "li-si-field-token-0001"
WANG_WU = "wang-wu-field-token-0002"
ADMIN = "fieldwork-admin-token"
HEADERS = {"Authorization": f"Bearer {LI_SI}"}
REQUEST = {"area": "125.25,43.80,125.95,43.95", "zooms": "8-10", "layers": [LAYER.id], "format": "mbtiles",
           "fieldwork": True}


@pytest.fixture
def site(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, Items]]:
    monkeypatch.setenv("ONEMAP_PACKAGE_DIR", str(tmp_path / "packages"))
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "tiles"))
    store = open_store(store_url)
    LayerRegistry(store).register(LAYER)
    items = make_items(store)
    users = tmp_path / "users.yaml"
    users.write_text(yaml.safe_dump({"users": {
        LI_SI: {"name": "li.si", "display_name": "李四", "roles": ["safety_officer"],
                "organisation": "长春市交通运输局", "region": "220100"},
        WANG_WU: {"name": "wang.wu", "display_name": "王五", "roles": ["hazard_reporter"]},
    }}, allow_unicode=True), encoding="utf-8")
    settings = Settings(database_url=store_url, admin_token=ADMIN, users_file=users, sweep_seconds=0)
    with TestClient(create_app(settings, store=store), base_url="http://testserver") as client:
        yield client, items
    store.close()


def _done(client: TestClient, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body = client.get(url, headers=HEADERS).json()
        if body["status"] == "done":
            return body
        assert body["status"] in ("queued", "running"), body
        time.sleep(0.2)
    raise AssertionError("the package job did not finish")


def test_field_work_goes_out_in_the_package_and_comes_back_once(site: tuple[TestClient, Items],
                                                                 tmp_path: Path) -> None:
    client, items = site
    store = client.app.state.services.store
    job = _done(client, client.post("/packages", json=REQUEST, headers=HEADERS).headers["location"])
    fieldwork = job["manifest"]["fieldwork"]
    assert fieldwork["user"] == "li.si" and fieldwork["items"] >= 4
    # the same request again is a new, personal package (its items move on their own)
    assert client.post("/packages", json=REQUEST, headers=HEADERS).json()["id"] != job["id"]
    reply = client.get(f"/packages/{job['id']}/items", headers=HEADERS)
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/geopackage+sqlite3"
    gpkg = tmp_path / "items.gpkg"
    gpkg.write_bytes(reply.content)
    # offline: li.si assesses one item and the contested one, which the server changes meanwhile
    assessed = append_edit(gpkg, LAYER.id, items.reported, "transition", transition="assess",
                           values={"grade": "major"}, comment="现场评估为重大")
    contested = append_edit(gpkg, LAYER.id, items.contested, "transition", transition="assess",
                            values={"grade": "general"})
    server_version = change_on_server(store, items.contested, "涵洞堵塞（已由中心更新）")
    # someone else cannot send li.si's work
    other = client.post("/packages/sync", content=gpkg.read_bytes(), headers={"Authorization": f"Bearer {WANG_WU}"})
    assert 400 <= other.status_code < 500
    assert other.headers["content-type"].startswith("application/problem+json")
    first = client.post("/packages/sync", content=gpkg.read_bytes(), headers=HEADERS)
    assert first.status_code == 200, first.text
    report = first.json()
    assert [o["edit_id"] for o in report["applied"]] == [assessed]
    assert [o["edit_id"] for o in report["conflicts"]] == [contested]
    assert store.get(LAYER, items.reported, STORAGE).properties[STATE_FIELD] == "assessed"
    kept = store.get(LAYER, items.contested, STORAGE)
    assert kept.version == server_version and kept.properties[STATE_FIELD] == "reported"
    # the same file again: nothing applied twice
    again = client.post("/packages/sync", content=gpkg.read_bytes(), headers=HEADERS).json()
    assert again["counts"]["applied"] == 0 and again["counts"]["skipped"] == 2


def test_a_damaged_upload_is_refused_and_nothing_changes(site: tuple[TestClient, Items], tmp_path: Path) -> None:
    client, items = site
    store = client.app.state.services.store
    job = _done(client, client.post("/packages", json=REQUEST, headers=HEADERS).headers["location"])
    gpkg = tmp_path / "items.gpkg"
    gpkg.write_bytes(client.get(f"/packages/{job['id']}/items", headers=HEADERS).content)
    append_edit(gpkg, LAYER.id, items.reported, "transition", transition="assess", values={"grade": "major"})
    before = store.layer_versions()
    data = gpkg.read_bytes()
    for body in (data[: len(data) // 2], b"not a package at all", b""):
        reply = client.post("/packages/sync", content=body, headers=HEADERS)
        assert reply.status_code == 400, reply.text
        assert reply.headers["content-type"].startswith("application/problem+json")
    assert store.layer_versions() == before
    assert store.get(LAYER, items.reported, STORAGE).properties[STATE_FIELD] == "reported"
