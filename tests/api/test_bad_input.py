"""Bad input gets a clear 4xx problem+json naming what is wrong, and writes nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import AUTH

GOOD = {
    "type": "Feature",
    "geometry": {"type": "LineString", "coordinates": [[126.5, 43.8], [126.6, 43.85]]},
    "properties": {"name": "好路", "road_class": "national"},
}
GEOJSON = {"Content-Type": "application/geo+json"}


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.mark.parametrize(("params", "parameter"), [
    ({"bbox": "1,2,3"}, "bbox"),
    ({"bbox": "a,b,c,d"}, "bbox"),
    ({"bbox": "125,44,124,43"}, "bbox"),
    ({"limit": "0"}, "limit"),
    ({"limit": "10001"}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"offset": "-1"}, "offset"),
    ({"crs": "EPSG:9999"}, "crs"),
    ({"colour": "red"}, "colour"),
    ({"sortby": "colour"}, "sortby"),
    ({"filter": "lanes >"}, "filter"),
    ({"filter": "{not json", "filter-lang": "cql2-json"}, "filter"),
    ({"filter-lang": "sql", "filter": "lanes = 1"}, "filter-lang"),
    ({"datetime": "yesterday"}, "datetime"),
    ({"lanes": "many"}, "lanes"),
    ({"f": "xml"}, "f"),
])
def test_bad_query_parameters(client: TestClient, params: dict, parameter: str) -> None:
    body = _problem(client.get("/collections/roads/items", params=params), 400)
    assert body["parameter"] == parameter


def test_unknown_collection_and_feature(client: TestClient) -> None:
    _problem(client.get("/collections/nope"), 404)
    _problem(client.get("/collections/nope/items"), 404)
    _problem(client.get("/collections/roads/items/999999"), 404)
    _problem(client.get("/collections/roads/items/abc"), 404)


@pytest.mark.parametrize(("body", "field"), [
    ({**GOOD, "geometry": {"type": "Point", "coordinates": [126.5, 43.8]}}, "geometry"),
    ({**GOOD, "geometry": {"type": "Polygon", "coordinates": [[[126, 43], [127, 44], [127, 43], [126, 44],
                                                                [126, 43]]]}}, "geometry"),
    ({**GOOD, "geometry": {"type": "LineString", "coordinates": [[10.0, 50.0], [10.1, 50.1]]}}, "geometry"),
    ({**GOOD, "geometry": {"type": "LineString", "coordinates": [[126.5]]}}, "geometry"),
    ({**GOOD, "properties": {"road_class": "national"}}, "name"),
    ({**GOOD, "properties": {**GOOD["properties"], "road_class": "dirt"}}, "road_class"),
    ({**GOOD, "properties": {**GOOD["properties"], "lanes": "four"}}, "lanes"),
    ({**GOOD, "properties": {**GOOD["properties"], "lanes": 40}}, "lanes"),
    ({**GOOD, "properties": {**GOOD["properties"], "name": "长" * 51}}, "name"),
    ({**GOOD, "properties": {**GOOD["properties"], "colour": "red"}}, "colour"),
    ({"type": "FeatureCollection", "features": []}, "type"),
])
def test_bad_features_are_rejected_and_nothing_is_written(client: TestClient, body: dict, field: str) -> None:
    problem = _problem(client.post("/collections/roads/items", json=body, headers={**AUTH, **GEOJSON}), 400)
    assert problem["field"] == field
    assert client.get("/collections/roads/items").json()["numberMatched"] == 25


def test_invalid_json_and_media_type(client: TestClient) -> None:
    _problem(client.post("/collections/roads/items", content=b"{broken", headers={**AUTH, **GEOJSON}), 400)
    _problem(client.post("/collections/roads/items", content=b"<xml/>",
                         headers={**AUTH, "Content-Type": "application/xml"}), 415)
    assert client.get("/collections/roads/items").json()["numberMatched"] == 25


def test_bad_replace_leaves_feature_untouched(client: TestClient) -> None:
    feature = client.get("/collections/roads/items?limit=1").json()["features"][0]
    url = f"/collections/roads/items/{feature['id']}"
    bad = {**GOOD, "properties": {"name": None}}
    _problem(client.put(url, json=bad, headers={**AUTH, **GEOJSON}), 400)
    assert client.get(url).json()["properties"] == feature["properties"]
    _problem(client.put(url, json=GOOD, headers={**AUTH, **GEOJSON, "If-Match": '"1.999"'}), 412)
    assert client.get(url).json()["properties"] == feature["properties"]
