"""OWSLib's OGC API – Features client (`owslib.ogcapi.features.Features`) against a live server.

Reads: collections, bbox, output CRS (EPSG:3857 and CGCS2000 latitude-first), CQL2 filters and
datetime; expected answers come from the generator of the test data, not from the server.
Writes: create, replace and delete with the admin token, each effect checked over plain HTTP.

OWSLib 0.36 keeps its request headers in one module-level dict that every client updates (an
admin client's token would leak into later "anonymous" clients), so each client here starts
from a private copy of it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import owslib.ogcapi
import pytest
from owslib.ogcapi.features import Features
from pyproj import Transformer
from shapely.geometry import box, shape

from tests.clients.conftest import (
    ROAD_COUNT,
    STATION_COUNT,
    LiveServer,
    road_geometry,
    road_properties,
    station_geometry,
    station_properties,
)

EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"


@pytest.fixture
def owslib_client(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Features]:
    pristine = copy.deepcopy(owslib.ogcapi.REQUEST_HEADERS)

    def make(*, admin: bool = False) -> Features:
        monkeypatch.setattr(owslib.ogcapi, "REQUEST_HEADERS", copy.deepcopy(pristine))
        return Features(live_server.url, headers=live_server.auth if admin else None, timeout=30)

    return make


def _names(doc: dict) -> set[str]:
    return {f["properties"]["name"] for f in doc["features"]}


def _road_names(predicate: Callable[[int], bool]) -> set[str]:
    return {str(road_properties(i)["name"]) for i in range(ROAD_COUNT) if predicate(i)}


def test_lists_collections_and_their_queryables(owslib_client: Callable[..., Features]) -> None:
    api = owslib_client()
    assert set(api.feature_collections()) == {"roads", "stations"}
    roads = api.collection("roads")
    assert roads["title"] == "测试道路"
    assert "http://www.opengis.net/def/crs/EPSG/0/4490" in roads["crs"]
    queryables = api.collection_queryables("roads")["properties"]
    assert {"name", "route_code", "road_class", "lanes", "length_km", "tolled", "opened",
            "inspected_at"} <= set(queryables)
    assert queryables["lanes"]["type"] == "integer"
    assert any(c.endswith("/conf/core") for c in api.conformance()["conformsTo"])


def test_items_with_bbox(owslib_client: Callable[..., Features]) -> None:
    bbox = (125.1, 42.3, 126.3, 43.2)
    doc = owslib_client().collection_items("roads", bbox=list(bbox), limit=500)
    area = box(*bbox)
    expected = _road_names(lambda i: road_geometry(i).intersects(area))
    assert 0 < len(expected) < ROAD_COUNT
    assert doc["numberMatched"] == doc["numberReturned"] == len(expected)
    assert _names(doc) == expected


def test_items_page_by_limit_and_offset(owslib_client: Callable[..., Features]) -> None:
    api = owslib_client()
    seen: list[str] = []
    for offset in range(0, ROAD_COUNT, 60):
        doc = api.collection_items("roads", limit=60, offset=offset, sortby=("length_km", "asc"))
        assert doc["numberMatched"] == ROAD_COUNT
        seen += [f["properties"]["name"] for f in doc["features"]]
    assert seen == [road_properties(i)["name"] for i in range(ROAD_COUNT)]  # length_km grows with i


@pytest.mark.parametrize(("code", "lat_first"), [(3857, False), (4490, True)])
def test_items_in_another_crs(owslib_client: Callable[..., Features], code: int, lat_first: bool) -> None:
    api = owslib_client()
    doc = api.collection_items("stations", crs=EPSG.format(code), limit=100)
    assert api.response_headers["Content-Crs"] == f"<{EPSG.format(code)}>"
    assert doc["numberReturned"] == STATION_COUNT
    to_target = Transformer.from_crs(4490, code, always_xy=True)
    by_name = {station_properties(i)["name"]: station_geometry(i) for i in range(STATION_COUNT)}
    for feature in doc["features"]:
        point = by_name[feature["properties"]["name"]]
        x, y = to_target.transform(point.x, point.y)
        expected = [y, x] if lat_first else [x, y]
        tolerance = 0.006 if code == 3857 else 1e-9  # Web Mercator is served to the centimetre
        assert feature["geometry"]["coordinates"] == pytest.approx(expected, abs=tolerance)


@pytest.mark.parametrize(("cql", "predicate"), [
    ("road_class = 'national' AND lanes >= 3 AND length_km < 40",
     lambda i: i % 2 == 1 and road_properties(i)["lanes"] is not None and road_properties(i)["lanes"] >= 3
     and road_properties(i)["length_km"] < 40),
    ("route_code IS NULL OR name LIKE '测试路1_0'",
     lambda i: i % 10 == 9 or (100 <= i < 200 and i % 10 == 0)),
    ("S_INTERSECTS(geometry, POLYGON((126 43, 127.5 43, 127.5 44, 126 44, 126 43))) AND tolled = true",
     lambda i: road_geometry(i).intersects(box(126, 43, 127.5, 44)) and i % 3 == 0),
    ("opened < DATE('2005-01-01') AND tolled = false",
     lambda i: str(road_properties(i)["opened"]) < "2005-01-01" and i % 3 != 0),
])
def test_items_with_a_cql2_text_filter(owslib_client: Callable[..., Features], cql: str,
                                       predicate: Callable[[int], bool]) -> None:
    doc = owslib_client().collection_items("roads", filter=cql, limit=500, **{"filter-lang": "cql2-text"})
    expected = _road_names(predicate)
    assert expected, "the filter should select something"
    assert doc["numberMatched"] == len(expected)
    assert _names(doc) == expected


def test_items_with_a_cql2_json_filter(owslib_client: Callable[..., Features]) -> None:
    cql = '{"op":"and","args":[{"op":"=","args":[{"property":"road_class"},"expressway"]},' \
          '{"op":"<","args":[{"property":"lanes"},3]}]}'
    doc = owslib_client().collection_items("roads", filter=cql, limit=500, **{"filter-lang": "cql2-json"})
    expected = _road_names(lambda i: i % 2 == 0 and road_properties(i)["lanes"] is not None
                           and road_properties(i)["lanes"] < 3)
    assert _names(doc) == expected


def test_items_with_a_datetime_interval(owslib_client: Callable[..., Features]) -> None:
    start, end = datetime(2024, 5, 10, tzinfo=UTC), datetime(2024, 5, 20, tzinfo=UTC)
    doc = owslib_client().collection_items("roads", datetime_="2024-05-10T00:00:00Z/2024-05-20T00:00:00Z",
                                           limit=500)
    expected = _road_names(lambda i: start <= road_properties(i)["inspected_at"] <= end)
    assert expected
    assert _names(doc) == expected


NEW_ROAD: dict[str, Any] = {
    "type": "Feature",
    "geometry": {"type": "LineString", "coordinates": [[121.0, 41.0], [121.2, 41.1]]},
    "properties": {"name": "OWSLib新建道路", "route_code": "S101", "road_class": "expressway", "lanes": 2,
                   "length_km": 21.5, "tolled": False, "opened": "2023-10-01",
                   "inspected_at": "2024-06-01T12:00:00+08:00"},
}


def test_create_replace_delete_with_the_admin_token(owslib_client: Callable[..., Features],
                                                   live_server: LiveServer) -> None:
    api = owslib_client(admin=True)
    assert api.collection_item_create("roads", copy.deepcopy(NEW_ROAD)) is True
    location = api.response_headers["Location"]
    fid = location.rsplit("/", 1)[1]
    try:
        created = httpx.get(location, timeout=30)
        assert created.status_code == 200
        assert created.json()["properties"] == {**NEW_ROAD["properties"], "inspected_at": "2024-06-01T04:00:00Z"}
        assert created.json()["geometry"] == {"type": "MultiLineString",
                                              "coordinates": [[[121.0, 41.0], [121.2, 41.1]]]}
        assert live_server.items("roads", limit=1)["numberMatched"] == ROAD_COUNT + 1

        replacement = copy.deepcopy(NEW_ROAD)
        replacement["geometry"]["coordinates"] = [[121.5, 41.5], [121.6, 41.7]]
        replacement["properties"] = {"name": "OWSLib替换道路", "lanes": 4, "road_class": "national"}
        assert api.collection_item_update("roads", fid, replacement) is True
        replaced = httpx.get(location, timeout=30).json()
        assert replaced["properties"] == {"name": "OWSLib替换道路", "route_code": None, "road_class": "national",
                                          "lanes": 4, "length_km": None, "tolled": None, "opened": None,
                                          "inspected_at": None}
        assert replaced["geometry"]["coordinates"] == [[[121.5, 41.5], [121.6, 41.7]]]

        assert api.collection_item_delete("roads", fid) is True
        assert httpx.get(location, timeout=30).status_code == 404
        assert live_server.items("roads", limit=1)["numberMatched"] == ROAD_COUNT
    finally:
        httpx.delete(location, headers=live_server.auth, timeout=30)


def test_writes_without_the_token_are_refused(owslib_client: Callable[..., Features],
                                              live_server: LiveServer) -> None:
    anonymous = owslib_client()
    with pytest.raises(RuntimeError, match="未认证"):
        anonymous.collection_item_create("stations", {"type": "Feature", "properties": {"name": "匿名"},
                                                      "geometry": {"type": "Point", "coordinates": [125.0, 43.0]}})
    target = live_server.items("stations", limit=1)["features"][0]
    with pytest.raises(RuntimeError, match="未认证"):
        anonymous.collection_item_delete("stations", str(target["id"]))
    assert live_server.items("stations", limit=1)["numberMatched"] == STATION_COUNT
    assert httpx.get(f"{live_server.url}/collections/stations/items/{target['id']}", timeout=30).status_code == 200


def test_a_feature_read_by_owslib_round_trips_through_its_geometry(owslib_client: Callable[..., Features],
                                                                   live_server: LiveServer) -> None:
    api = owslib_client()
    first = live_server.items("roads", limit=1, sortby="length_km")["features"][0]
    feature = api.collection_item("roads", str(first["id"]))
    assert feature["properties"]["name"] == "测试路000"
    assert shape(feature["geometry"]).equals(road_geometry(0))
