"""Writes over HTTP are audited under the caller's name, with how they signed in, their address and the
gateway's request id; refused writes (400, 412) leave nothing; a package built as a job is recorded
for whoever asked; and `onemap audit verify` stays clean after all of it. Both stores."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from gis_server.app import create_app
from gis_server.cli.main import app as onemap_app
from gis_server.settings import Settings, get_settings
from layers.registry import LayerRegistry
from layers.stores import open_store
from tests.audit_wiring.support import POINTS, Trail
from tests.workflow.support import ADMIN_TOKEN, GEOJSON, HAZARDS, OFFICER, REPORTER, auth, write_users_file

ITEMS = f"/collections/{POINTS.id}/items"
FEATURE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [125.32, 43.88]},
           "properties": {"name": "收费站", "lanes": 4}}
NEW_HAZARD = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [125.32, 43.88]},
              "properties": {"name": "边坡落石"}}


@pytest.fixture
def store(store_url: str) -> Iterator[Any]:
    store = open_store(store_url)
    LayerRegistry(store).register_many([POINTS, HAZARDS])
    yield store
    store.close()


@pytest.fixture
def client(store: Any, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "tile-cache"))
    monkeypatch.setenv("ONEMAP_PACKAGE_DIR", str(tmp_path / "packages"))
    settings = Settings(database_url=store_url, admin_token=ADMIN_TOKEN,
                        users_file=write_users_file(tmp_path / "users.yaml"), sweep_seconds=0)
    with TestClient(create_app(settings, store=store), base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def onemap(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    monkeypatch.setenv("ONEMAP_DATABASE_URL", store_url)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(onemap_app, [str(a) for a in args])
    get_settings.cache_clear()


def test_post_put_patch_delete_are_recorded_under_the_callers_name(client: TestClient, store: Any,
                                                                   onemap: Callable[..., Result]) -> None:
    trail = Trail(store)
    officer = {**auth(OFFICER), **GEOJSON}
    created = client.post(ITEMS, json=FEATURE, headers={**officer, "X-Request-ID": "gw-7f3a"})
    assert created.status_code == 201, created.text
    fid = int(created.headers["location"].rsplit("/", 1)[1])
    record = trail.one()
    assert (record.actor, record.action, record.target) == ("li.si", "write", "layer:aw_points")
    assert record.detail["operation"] == "insert" and record.detail["fids"] == [fid]
    assert record.detail["via"] == {"method": "users_file", "address": "testclient", "request_id": "gw-7f3a"}

    put = client.put(f"{ITEMS}/{fid}", json={**FEATURE, "properties": {"name": "新名", "lanes": 6}},
                     headers={**officer, "If-Match": created.headers["etag"]})
    assert put.status_code == 204, put.text
    assert (trail.one().detail["operation"], put.status_code) == ("replace", 204)
    patched = client.patch(f"{ITEMS}/{fid}", json={"properties": {"lanes": 2}},
                           headers={**auth(OFFICER), "Content-Type": "application/merge-patch+json"})
    assert patched.status_code == 204, patched.text
    assert trail.one().detail["operation"] == "replace"
    deleted = client.delete(f"{ITEMS}/{fid}", headers=auth(OFFICER))
    assert deleted.status_code == 204, deleted.text
    gone = trail.one()
    assert (gone.actor, gone.detail["operation"], gone.detail["fids"]) == ("li.si", "delete", [fid])

    verified = onemap("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "完好 / intact" in verified.output


def test_refused_writes_leave_no_record(client: TestClient, store: Any) -> None:
    officer = {**auth(OFFICER), **GEOJSON}
    created = client.post(ITEMS, json=FEATURE, headers=officer)
    fid = created.headers["location"].rsplit("/", 1)[1]
    trail = Trail(store)
    too_long = client.post(ITEMS, json={**FEATURE, "properties": {"name": "名" * 40}}, headers=officer)
    assert too_long.status_code == 400
    stale = client.put(f"{ITEMS}/{fid}", json=FEATURE, headers={**officer, "If-Match": '"stale-tag"'})
    assert stale.status_code == 412
    stale_patch = client.patch(f"{ITEMS}/{fid}", json={"properties": {"lanes": 1}},
                               headers={**auth(OFFICER), "Content-Type": "application/merge-patch+json",
                                        "If-Match": '"stale-tag"'})
    assert stale_patch.status_code == 412
    assert client.post(ITEMS, json=FEATURE, headers=GEOJSON).status_code == 401
    assert client.delete(f"{ITEMS}/{fid}", headers=auth(REPORTER)).status_code == 403
    assert trail.new() == []


def test_a_workflow_transition_is_recorded_for_the_caller(client: TestClient, store: Any) -> None:
    trail = Trail(store)
    created = client.post(f"/collections/{HAZARDS.id}/items", json=NEW_HAZARD, headers={**auth(REPORTER), **GEOJSON})
    assert created.status_code == 201, created.text
    item = created.headers["location"]
    assert trail.one().actor == "wang.wu"
    step = client.post(f"{item}/workflow", json={"transition": "assess", "values": {"grade": "major"}},
                       headers=auth(OFFICER))
    assert step.status_code == 200, step.text
    record = trail.one()
    assert (record.actor, record.action) == ("li.si", "transition")
    assert (record.detail["transition"], record.detail["to_state"]) == ("assess", "assessed")
    refused = client.post(f"{item}/workflow", json={"transition": "assess", "values": {"grade": "major"}},
                          headers=auth(OFFICER))
    assert refused.status_code == 409
    assert trail.new() == []


def test_a_package_job_is_recorded_for_whoever_asked(client: TestClient, store: Any) -> None:
    client.post(ITEMS, json=FEATURE, headers={**auth(OFFICER), **GEOJSON})
    trail = Trail(store)
    asked = client.post("/packages", json={"area": "125.20,43.80,125.45,43.95", "zooms": "8-9",
                                           "layers": [POINTS.id], "format": "mbtiles"},
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert asked.status_code in (200, 202), asked.text
    deadline = time.monotonic() + 120
    while (job := client.get(asked.headers["location"], headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
           .json())["status"] != "done":
        assert job["status"] in ("queued", "running") and time.monotonic() < deadline, job
        time.sleep(0.2)
    record = trail.one()
    assert (record.actor, record.action) == ("admin", "package_build")
    assert record.detail["via"]["method"] == "admin_token"
    assert record.detail["package_id"] == job["manifest"]["package_id"]
    assert list(record.detail["layers"]) == [POINTS.id] and record.detail["zooms"] == [8, 9]
    assert record.detail["tiles"] == job["manifest"]["tile_count"]
    assert record.detail["sha256"] == hashlib.sha256(Path(record.detail["path"]).read_bytes()).hexdigest()
