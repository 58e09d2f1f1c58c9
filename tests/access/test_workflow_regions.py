"""Workflow items, supervision and dashboards of a region-ruled layer: a prefecture's staff act on and
count their prefecture's items only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gis_server.app import create_app
from gis_server.settings import Settings
from layers.access.rules import AccessRules
from layers.registry import LayerRegistry
from layers.stores import open_store
from tests.workflow.support import ADMIN_TOKEN, GEOJSON, HAZARDS, LEAD, OFFICER, REPORTER, auth, write_users_file

REGIONAL = HAZARDS.model_copy(update={"access": AccessRules(region_field="adcode")})
ITEMS = f"/collections/{REGIONAL.id}/items"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def client(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "tile-cache"))
    store = open_store(store_url)
    LayerRegistry(store).register(REGIONAL)
    settings = Settings(database_url=store_url, admin_token=ADMIN_TOKEN,
                        users_file=write_users_file(tmp_path / "users.yaml"), sweep_seconds=0)
    with TestClient(create_app(settings, store=store), base_url="http://testserver") as test_client:
        yield test_client
    store.close()


def _report(client: TestClient, x: float, headers: dict[str, str], **properties: str) -> str:
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, 43.89]},
            "properties": {"name": "路面塌陷", **properties}}
    response = client.post(ITEMS, json=body, headers={**headers, **GEOJSON})
    assert response.status_code == 201, response.text
    return response.headers["location"].removeprefix("http://testserver")


def test_a_report_is_an_item_of_the_reporters_region(client: TestClient) -> None:
    item = _report(client, 125.33, auth(REPORTER))  # the reporter is in Changchun (220100)
    assert client.get(f"{item}?f=json", headers=ADMIN).json()["properties"]["adcode"] == "220100"


def test_transitions_on_items_of_another_region_are_not_found(client: TestClient) -> None:
    own = _report(client, 125.33, auth(REPORTER))
    other = _report(client, 126.55, ADMIN, adcode="220200")
    assess = {"transition": "assess", "values": {"grade": "general"}}
    assert client.get(f"{other}/workflow", headers=auth(OFFICER)).status_code == 404
    assert client.post(f"{other}/workflow", json=assess, headers=auth(OFFICER)).status_code == 404
    assert client.get(f"{other}/workflow/history", headers=auth(OFFICER)).status_code == 404
    assert client.get(f"{other}/workflow", headers=ADMIN).json()["state"]["id"] == "reported"  # untouched
    assert client.post(f"{own}/workflow", json=assess, headers=auth(OFFICER)).status_code == 200
    # the province's lead (220000) sees both
    assert client.get(f"{other}/workflow", headers=auth(LEAD)).status_code == 200


def test_supervision_and_dashboards_count_the_callers_region(client: TestClient) -> None:
    _report(client, 125.33, auth(REPORTER))
    _report(client, 126.55, ADMIN, adcode="220200")
    _report(client, 126.56, ADMIN, adcode="220200")
    listed = client.get("/supervision/items", headers=auth(OFFICER)).json()
    assert {item["region"] for item in listed["items"]} == {"220100"} and listed["numberMatched"] == 1
    assert client.get("/supervision/items", headers=auth(LEAD)).json()["numberMatched"] == 3
    summary = client.get("/dashboard/api/summary", headers=auth(OFFICER)).json()
    assert summary["totals"]["items"] == 1
    assert client.get("/dashboard/api/summary", headers=auth(LEAD)).json()["totals"]["items"] == 3
    other = client.get("/dashboard/api/summary?region=220200", headers=auth(OFFICER))
    assert other.status_code == 403 and other.headers["content-type"].startswith("application/problem+json")
    assert client.get("/supervision/statistics?region=220200", headers=auth(OFFICER)).status_code == 403
