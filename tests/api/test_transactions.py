"""Part 4: create, replace, merge-patch, delete; ETags and If-Match; authorization."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import AUTH

NEW = {
    "type": "Feature",
    "geometry": {"type": "LineString", "coordinates": [[126.50, 43.80], [126.60, 43.85]]},
    "properties": {"name": "新建道路", "road_class": "national", "lanes": 4, "length_km": 9.5,
                   "inspected_at": "2024-06-01T08:00:00+08:00"},
}
GEOJSON = {"Content-Type": "application/geo+json"}


def _create(client: TestClient, body: dict = NEW) -> str:
    response = client.post("/collections/roads/items", json=body, headers={**AUTH, **GEOJSON})
    assert response.status_code == 201, response.text
    assert response.headers["etag"]
    return response.headers["location"]


def test_create_then_read(client: TestClient) -> None:
    location = _create(client)
    assert location.startswith("http://testserver/collections/roads/items/")
    feature = client.get(location).json()
    assert feature["properties"]["name"] == "新建道路"
    assert feature["properties"]["inspected_at"] == "2024-06-01T00:00:00Z"
    assert feature["geometry"]["type"] == "MultiLineString"
    assert client.get("/collections/roads/items").json()["numberMatched"] == 26


def test_create_in_other_crs(client: TestClient) -> None:
    body = {**NEW, "geometry": {"type": "LineString", "coordinates": [[43.80, 126.50], [43.85, 126.60]]}}
    location = client.post("/collections/roads/items", json=body, headers={
        **AUTH, **GEOJSON, "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/4490>"}).headers["location"]
    assert client.get(location).json()["geometry"]["coordinates"][0][0] == [126.5, 43.8]


def test_replace_with_if_match(client: TestClient) -> None:
    location = _create(client)
    etag = client.get(location).headers["etag"]
    body = {**NEW, "properties": {**NEW["properties"], "name": "改名道路"}}
    response = client.put(location, json=body, headers={**AUTH, **GEOJSON, "If-Match": etag})
    assert response.status_code == 204
    assert response.headers["etag"] != etag
    assert client.get(location).json()["properties"]["name"] == "改名道路"
    stale = client.put(location, json=NEW, headers={**AUTH, **GEOJSON, "If-Match": etag})
    assert stale.status_code == 412
    assert client.get(location).json()["properties"]["name"] == "改名道路"


def test_merge_patch(client: TestClient) -> None:
    location = _create(client)
    etag = client.get(location).headers["etag"]
    patch = {"properties": {"lanes": 6, "route_code": None}}
    response = client.patch(location, json=patch,
                            headers={**AUTH, "Content-Type": "application/merge-patch+json", "If-Match": etag})
    assert response.status_code == 204, response.text
    feature = client.get(location).json()
    assert feature["properties"]["lanes"] == 6
    assert feature["properties"]["name"] == "新建道路"
    assert feature["properties"]["route_code"] is None
    stale = client.patch(location, json={"properties": {"lanes": 8}},
                         headers={**AUTH, "Content-Type": "application/merge-patch+json", "If-Match": etag})
    assert stale.status_code == 412
    assert client.get(location).json()["properties"]["lanes"] == 6
    removal = client.patch(location, json={"properties": {"name": None}},
                           headers={**AUTH, "Content-Type": "application/merge-patch+json"})
    assert removal.status_code == 400 and removal.json()["field"] == "name"


def test_delete_then_404(client: TestClient) -> None:
    location = _create(client)
    assert client.delete(location, headers=AUTH).status_code == 204
    assert client.get(location).status_code == 404
    assert client.delete(location, headers=AUTH).status_code == 404


def test_writes_need_the_admin_token(client: TestClient) -> None:
    anonymous = client.post("/collections/roads/items", json=NEW, headers=GEOJSON)
    assert anonymous.status_code == 401
    wrong = client.post("/collections/roads/items", json=NEW,
                        headers={**GEOJSON, "Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    assert client.get("/collections/roads/items").json()["numberMatched"] == 25
