"""Supervision over HTTP on both stores: the overdue flag in filters and vector tiles after a sweep,
the map layer of overdue items, statistics and open-item listings, and the server's own sweeper."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point

from domains.workflow import insert_items, sweep
from domains.workflow.deadlines import utc_now
from domains.workflow.overdue_layer import OVERDUE_LAYER_ID
from gis_server.app import create_app
from gis_server.settings import Settings
from layers.stores.base import FeatureRecord
from layers.workflow import HistoryEntry
from tests.tiles.mvt import address_at, decode
from tests.workflow.support import HAZARDS, REPORTER, T0
from tests.workflow.test_statistics import BUREAU, ITEMS, KEEP, OFFICE

H = timedelta(hours=1)
ITEMS_URL = f"/collections/{HAZARDS.id}/items"


def _reported(x: float, created, name: str) -> tuple[FeatureRecord, list[HistoryEntry]]:
    """An item reported at `created`, due 24 h later (the reported state's limit), not yet flagged."""
    record = FeatureRecord(Point(x, 43.9), {
        "name": name, "adcode": "220100", "workflow_state": "reported", "holder": REPORTER.name,
        "holder_org": REPORTER.organisation, "state_since": created, "deadline": created + 24 * H, "overdue": False})
    return record, [HistoryEntry(at=created, actor=REPORTER.name, to_state="reported",
                                 actor_org=REPORTER.organisation)]


def _tile_features(client: TestClient, collection: str, lon: float, lat: float) -> list[dict]:
    address = address_at(lon, lat, 12)
    response = client.get(f"/collections/{collection}/tiles/WebMercatorQuad/{address.z}/{address.row}/{address.col}")
    assert response.status_code == 200
    return decode(response.content).get(collection, {"features": []})["features"]


def test_swept_items_are_found_by_filter_and_drawn_overdue_in_tiles(client: TestClient, registry, store) -> None:
    [late, fresh] = insert_items(store, HAZARDS, [_reported(125.30, T0, "桥头跳车"),
                                                  _reported(125.60, T0 + 20 * H, "护栏缺损")])
    [before] = _tile_features(client, HAZARDS.id, 125.30, 43.9)
    assert before["properties"]["overdue"] is False and before["properties"]["workflow_state"] == "reported"
    assert client.get(ITEMS_URL, params={"filter": "overdue = true"}).json()["numberMatched"] == 0

    sweep(registry, now=T0 + 30 * H)

    found = client.get(ITEMS_URL, params={"filter": "overdue = true"}).json()
    assert [feature["id"] for feature in found["features"]] == [late]
    assert [f["id"] for f in client.get(ITEMS_URL, params={"filter": "overdue = false"}).json()["features"]] == [fresh]
    [after] = _tile_features(client, HAZARDS.id, 125.30, 43.9)
    assert after["properties"]["overdue"] is True
    assert after["properties"]["holder"] == REPORTER.name
    [still] = _tile_features(client, HAZARDS.id, 125.60, 43.9)
    assert still["properties"]["overdue"] is False
    # the map of overdue items: one point, in features and in tiles
    [point] = client.get(f"/collections/{OVERDUE_LAYER_ID}/items").json()["features"]
    assert point["properties"]["source_fid"] == late and point["properties"]["hours_overdue"] == 6
    assert point["geometry"]["coordinates"] == [125.30, 43.9]
    [drawn] = _tile_features(client, OVERDUE_LAYER_ID, 125.30, 43.9)
    assert (drawn["properties"]["title"], drawn["properties"]["state_name"]) == ("桥头跳车", "已上报")
    assert (drawn["properties"]["source_layer"], drawn["properties"]["hours_overdue"]) == (HAZARDS.id, 6)


def test_statistics_over_http(client: TestClient, store) -> None:
    insert_items(store, HAZARDS, ITEMS)
    window = {"from": (T0).isoformat(), "to": (T0 + 240 * H).isoformat()}
    body = client.get("/supervision/statistics", params={**window, "group_by": "organisation"}).json()
    groups = {group["key"]: group for group in body["groups"]}
    # handled / on time / overdue-and-closed over the window; overdue now is asked at the real now, when
    # every open item of 2024 (B, C and D) is past its deadline
    assert {key: (g["handled"], g["on_time"], g["overdue_and_closed"], g["overdue_now"])
            for key, g in groups.items()} == {KEEP: (2, 1, 1, 1), BUREAU: (3, 1, 2, 1), OFFICE: (1, 1, 0, 1)}
    assert groups[BUREAU]["median_hours"]["assessed"]["hours"] == 79.0
    assert body["collections"] == [HAZARDS.id]
    by_layer = client.get("/supervision/statistics", params={**window, "group_by": "layer"}).json()["groups"]
    assert [(g["key"], g["handled"]) for g in by_layer] == [(HAZARDS.id, 6)]
    bad = client.get("/supervision/statistics", params={"group_by": "colour"})
    assert bad.status_code == 400 and bad.json()["parameter"] == "group_by"
    assert client.get("/supervision/statistics", params={"from": "yesterday"}).status_code == 400


def test_open_items_with_their_deadlines(client: TestClient, store) -> None:
    now = utc_now()
    [old, recent] = insert_items(store, HAZARDS, [_reported(125.30, T0, "旧"), _reported(125.40, now - H, "新")])
    listed = client.get("/supervision/items").json()
    assert [(i["id"], i["overdue"]) for i in listed["items"]] == [(old, True), (recent, False)]
    assert listed["items"][0]["title"] == "旧" and listed["items"][0]["state_name"] == "已上报"
    expected_hours = (now - (T0 + 24 * H)).total_seconds() / 3600  # due 24 h after its report
    assert abs(listed["items"][0]["hours_overdue"] - expected_hours) < 1
    assert [i["id"] for i in client.get("/supervision/items", params={"overdue": "true"}).json()["items"]] == [old]
    assert [i["id"] for i in client.get("/supervision/items", params={"overdue": "false"}).json()["items"]] == [recent]
    assert client.get("/supervision/items", params={"region": "220200"}).json()["items"] == []
    assert client.get("/supervision/items", params={"overdue": "maybe"}).status_code == 400


def test_the_server_sweeps_in_the_background(registry, store, store_url: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    [fid] = insert_items(store, HAZARDS, [_reported(125.30, T0, "旧")])
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "tiles"))
    settings = Settings(database_url=store_url, sweep_seconds=3600)  # the first sweep runs at start
    with TestClient(create_app(settings, store=store)) as client:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if client.get(f"{ITEMS_URL}/{fid}").json()["properties"]["overdue"]:
                break
            time.sleep(0.05)
        assert client.get(f"{ITEMS_URL}/{fid}").json()["properties"]["overdue"] is True
