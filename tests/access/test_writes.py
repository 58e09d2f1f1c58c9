"""Writes through a caller's view: their region, their hidden fields, the masked values they were shown."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.access.conftest import features_of
from tests.access.support import ADMIN, INSPECTOR_CC, PLATES, SUPERVISOR_JL, Caller, caller_headers

URL = "/collections/acc_cases/items"
GEOJSON = {"Content-Type": "application/geo+json"}


def _items(client: TestClient, caller: Caller) -> dict[str, dict[str, Any]]:
    return features_of(client.get(f"{URL}?f=json", headers=caller_headers(caller)).json())


def _feature(x: float, y: float, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]}, "properties": properties}


def test_a_regional_caller_creates_items_in_their_region_only(client: TestClient) -> None:
    headers = {**caller_headers(INSPECTOR_CC), **GEOJSON}
    outside = client.post(URL, json=_feature(126.5, 43.8, title="外地", adcode="220200"), headers=headers)
    assert outside.status_code == 403 and "region" in outside.json()["detail"]
    inside = client.post(URL, json=_feature(125.3, 43.8, title="本地", adcode="220100"), headers=headers)
    assert inside.status_code == 201
    titles = {f["properties"]["title"] for f in client.get(f"{URL}?f=json", headers=caller_headers(ADMIN)).json()
              ["features"]}
    assert "本地" in titles and "外地" not in titles


def test_items_outside_the_region_cannot_be_changed_or_deleted(client: TestClient) -> None:
    other = _items(client, ADMIN)["220200"]
    headers = {**caller_headers(INSPECTOR_CC), **GEOJSON}
    body = _feature(126.55, 43.85, title="改", adcode="220200", plate="吉B00000")
    assert client.put(f"{URL}/{other['id']}", json=body, headers=headers).status_code == 404
    patch = client.patch(f"{URL}/{other['id']}", json={"properties": {"title": "改"}},
                         headers={**caller_headers(INSPECTOR_CC), "Content-Type": "application/merge-patch+json"})
    assert patch.status_code == 404
    assert client.delete(f"{URL}/{other['id']}", headers=caller_headers(INSPECTOR_CC)).status_code == 404
    assert _items(client, ADMIN)["220200"]["properties"] == other["properties"]  # nothing changed


def test_an_item_cannot_be_moved_out_of_the_region(client: TestClient) -> None:
    own = _items(client, INSPECTOR_CC)["220100"]
    headers = {**caller_headers(INSPECTOR_CC), "Content-Type": "application/merge-patch+json"}
    response = client.patch(f"{URL}/{own['id']}", json={"properties": {"adcode": "220200"}}, headers=headers)
    assert response.status_code == 403
    assert _items(client, ADMIN)["220100"]["properties"]["adcode"] == "220100"


def test_hidden_fields_cannot_be_named_and_survive_a_replacement(client: TestClient) -> None:
    own = _items(client, INSPECTOR_CC)["220100"]
    assert "internal_note" not in own["properties"]  # supervisors only
    headers = {**caller_headers(INSPECTOR_CC), **GEOJSON}
    named = client.put(f"{URL}/{own['id']}", json=_feature(125.3, 43.9, **own["properties"], internal_note="x"),
                       headers=headers)
    assert named.status_code == 400 and named.headers["content-type"].startswith("application/problem+json")
    replaced = client.put(f"{URL}/{own['id']}", json=_feature(125.3, 43.9, **{**own["properties"], "title": "新"}),
                          headers=headers)
    assert replaced.status_code == 204
    stored = _items(client, ADMIN)["220100"]["properties"]
    assert stored["title"] == "新" and stored["internal_note"] == "内部-220100"


def test_a_masked_value_written_back_keeps_the_stored_value(client: TestClient) -> None:
    """A supervisor reads plates masked; writing the record back as read must not store the stars."""
    own = _items(client, SUPERVISOR_JL)["220200"]
    assert own["properties"]["plate"] == "吉B***90"
    headers = {**caller_headers(SUPERVISOR_JL), **GEOJSON}
    body = _feature(126.55, 43.85, **{**own["properties"], "title": "复核"})
    assert client.put(f"{URL}/{own['id']}", json=body, headers=headers).status_code == 204
    stored = _items(client, ADMIN)["220200"]["properties"]
    assert stored["title"] == "复核" and stored["plate"] == PLATES["220200"]
    patch = client.patch(f"{URL}/{own['id']}", json={"properties": {"plate": "吉B11111"}},
                         headers={**caller_headers(SUPERVISOR_JL), "Content-Type": "application/merge-patch+json"})
    assert patch.status_code == 204  # a new value is a change they may make
    assert _items(client, ADMIN)["220200"]["properties"]["plate"] == "吉B11111"
