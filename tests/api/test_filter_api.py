"""Part 3 through HTTP: CQL2 text and JSON filters, filter-crs, errors that say where."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient


def _names(client: TestClient, **params: str) -> list[str]:
    response = client.get("/collections/roads/items", params={"limit": "100", **params})
    assert response.status_code == 200, response.text
    return sorted(f["properties"]["name"] for f in response.json()["features"])


def test_cql2_text_comparisons_and_logic(client: TestClient) -> None:
    assert _names(client, filter="lanes = 4 AND length_km < 15") == ["测试路02", "测试路05"]
    assert _names(client, filter="name LIKE '测试路1%' AND NOT tolled") == [
        "测试路11", "测试路13", "测试路15", "测试路17", "测试路19"]
    assert _names(client, filter="length_km BETWEEN 30 AND 31") == ["测试路22", "测试路23"]
    assert _names(client, filter="road_class IN ('national') AND lanes > 3") == [
        "测试路05", "测试路11", "测试路17", "测试路23"]


def test_cql2_json(client: TestClient) -> None:
    expr = {"op": "and", "args": [{"op": "=", "args": [{"property": "route_code"}, "G12"]},
                                  {"op": ">=", "args": [{"property": "length_km"}, 28]}]}
    assert _names(client, filter=json.dumps(expr), **{"filter-lang": "cql2-json"}) == [
        "测试路20", "测试路22", "测试路24"]


def test_spatial_and_temporal_filters(client: TestClient) -> None:
    box = "POLYGON((125.25 43.79, 125.35 43.79, 125.35 43.85, 125.25 43.85, 125.25 43.79))"
    assert _names(client, filter=f"S_INTERSECTS(geometry, {box})") == ["测试路00", "测试路01", "测试路02"]
    lat_first = "POLYGON((43.79 125.25, 43.79 125.35, 43.85 125.35, 43.85 125.25, 43.79 125.25))"
    assert _names(client, filter=f"S_INTERSECTS(geometry, {lat_first})",
                  **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/4490"}) == [
        "测试路00", "测试路01", "测试路02"]
    assert _names(client, filter="T_BEFORE(inspected_at, TIMESTAMP('2024-05-03T00:00:00Z'))") == [
        "测试路00", "测试路01"]


def test_malformed_filter_says_where(client: TestClient) -> None:
    response = client.get("/collections/roads/items", params={"filter": "lanes = = 3"})
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == "filter"
    assert "1:" in body["detail"]  # line:column of the error
    unknown = client.get("/collections/roads/items", params={"filter": "colour = 'red'"})
    assert unknown.status_code == 400 and "colour" in unknown.json()["detail"]


def test_injection_is_only_a_value(client: TestClient) -> None:
    assert _names(client, filter="name = 'x''; DROP TABLE roads; --'") == []
    assert client.get("/collections/roads/items").json()["numberMatched"] == 25
