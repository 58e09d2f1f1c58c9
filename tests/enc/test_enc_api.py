"""The chart services over HTTP on both stores: gauges and readings, safety (GeoJSON and tiles), route checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point, shape

from gis_server.app import create_app
from gis_server.settings import Settings
from layers.stores import open_store
from tests.enc.route_chart import build_reach, lonlat, route
from tests.tiles.mvt import address_at, decode, expected_units

TOKEN = "enc-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
T0, T1 = "2026-06-01T00:00:00Z", "2026-06-01T02:00:00Z"
SMALL = {"draft": 2.2, "air_draft": 10.5, "beam": 8.0, "length": 60.0, "ukc": 0.5}
NORTH = route((100, 50), (4900, 50))


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    store = open_store(store_url)
    build_reach(store)
    settings = Settings(database_url=store_url, admin_token=TOKEN)
    with TestClient(create_app(settings, store=store), base_url="http://testserver") as test_client:
        yield test_client
    store.close()


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def test_gauges_with_their_latest_reading(client: TestClient) -> None:
    response = client.get("/enc/gauges")
    assert response.headers["content-type"].startswith("application/geo+json")
    gauges = {f["id"]: f["properties"] for f in response.json()["features"]}
    assert list(gauges) == ["UP", "DN"]
    assert gauges["UP"]["latest"] == {"observed_at": T1, "level_m": 103.0, "above_chart_datum_m": 3.0}
    assert gauges["DN"]["distance_km"] == pytest.approx(4.5, abs=0.01)


def test_posting_readings_needs_the_admin_token_and_updates_the_level(client: TestClient) -> None:
    reading = {"observed_at": "2026-06-01T11:00:00+08:00", "level": 102.5}
    assert problem(client.post("/enc/gauges/UP/readings", json=reading), 401)
    created = client.post("/enc/gauges/UP/readings", json=reading, headers=AUTH)
    assert created.status_code == 201
    assert created.json()["stored"] == 1 and created.json()["readings"][0]["observed_at"] == "2026-06-01T03:00:00Z"
    latest = {f["id"]: f["properties"]["latest"] for f in client.get("/enc/gauges").json()["features"]}
    assert latest["UP"]["level_m"] == 102.5
    batch = [{"observed_at": "2026-06-01T04:00:00Z", "level": 102.0}, {"observed_at": "2026-06-01T05:00:00Z",
                                                                       "level_m": 101.8}]
    assert client.post("/enc/gauges/UP/readings", json=batch, headers=AUTH).json()["stored"] == 2
    items = client.get("/collections/enc_gauge_readings/items", params={"gauge_id": "UP"}).json()
    assert items["numberMatched"] == 5  # two from the fixture, three posted: an ordinary collection


def test_bad_readings_are_refused_whole(client: TestClient) -> None:
    def count() -> int:
        return client.get("/collections/enc_gauge_readings/items").json()["numberMatched"]

    before = count()
    batch = [{"observed_at": "2026-06-01T06:00:00Z", "level": 101.0}, {"observed_at": "2026-06-01T07:00:00Z"}]
    body = problem(client.post("/enc/gauges/UP/readings", json=batch, headers=AUTH), 400)
    assert body["field"] == "[1].level" and "level" in body["detail"]
    assert problem(client.post("/enc/gauges/UP/readings", json={"observed_at": "soon", "level": 1},
                               headers=AUTH), 400)["field"] == "observed_at"
    # a time that exists in its own offset but lies before year 1 in UTC
    early = {"observed_at": "0001-01-01T00:00:01+00:01", "level": 1}
    assert problem(client.post("/enc/gauges/UP/readings", json=early, headers=AUTH), 400)["field"] == "observed_at"
    assert problem(client.post("/enc/gauges/UP/readings", content=b"{", headers={**AUTH, "Content-Type":
                                                                                 "application/json"}), 400)
    missing = problem(client.post("/enc/gauges/NOPE/readings", json={"observed_at": T0, "level": 1}, headers=AUTH), 404)
    assert "NOPE" in missing["detail"] and "UP" in missing["detail"]
    duplicate = problem(client.post("/enc/gauges/UP/readings", json={"observed_at": T1, "level": 1}, headers=AUTH), 409)
    assert "already has a reading" in duplicate["detail"]
    assert count() == before


def test_safety_lists_unsafe_areas_and_bridge_clearances_at_a_time(client: TestClient) -> None:
    params = {"draft": "2.2", "ukc": "0.5", "air_draft": "10.5"}
    low = client.get("/enc/safety", params={**params, "time": T0})
    assert low.status_code == 200 and low.headers["content-type"].startswith("application/geo+json")
    body = low.json()
    assert {f["properties"]["foid"] for f in body["features"]} == {"shoal", "north-bank", "south-bank"}
    assert body["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert body["bridges"][0]["vertical_clearance_m"] == pytest.approx(12.0, abs=0.01)
    assert body["bridges"][0]["safe"] is True
    high = client.get("/enc/safety", params={**params, "time": T1}).json()
    assert {f["properties"]["foid"] for f in high["features"]} == {"north-bank", "south-bank"}
    assert high["bridges"][0]["safe"] is False
    assert problem(client.get("/enc/safety", params={"draft": "-1"}), 400)["parameter"] == "draft"
    assert problem(client.get("/enc/safety", params={"draft": "2", "speed": "3"}), 400)["parameter"] == "speed"
    early = client.get("/enc/safety", params={"draft": "2", "time": "2020-01-01T00:00:00Z"})
    assert "no gauge has a reading" in problem(early, 409)["detail"]


def test_safety_tiles_carry_the_unsafe_areas_of_the_time(client: TestClient) -> None:
    shoal = address_at(*lonlat(2150, 50), 15)
    url = f"/enc/safety/tiles/WebMercatorQuad/{shoal.z}/{shoal.row}/{shoal.col}"
    low = client.get(url, params={"time": T0, "draft": "2.2", "ukc": "0.5"})
    assert low.status_code == 200 and low.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    features = decode(low.content)["enc_unsafe_areas"]["features"]
    shoal_feature = next(f for f in features if f["properties"].get("drval1") == 1.5)
    assert shape(shoal_feature["geometry"]).contains(Point(expected_units(*lonlat(2150, 50), shoal)))
    high = decode(client.get(url, params={"time": T1, "draft": "2.2", "ukc": "0.5"}).content)
    assert 1.5 not in [f["properties"].get("drval1") for f in high.get("enc_unsafe_areas", {}).get("features", [])]
    again = client.get(url, params={"time": T0, "draft": "2.2", "ukc": "0.5"},
                       headers={"If-None-Match": low.headers["etag"]})
    assert again.status_code == 304
    far = client.get("/enc/safety/tiles/WebMercatorQuad/15/0/0", params={"time": T0, "draft": "2.2"})
    assert far.status_code == 200 and not any(layer["features"] for layer in decode(far.content).values())
    assert problem(client.get("/enc/safety/tiles/WebMercatorQuad/40/0/0", params={"draft": "2"}), 404)
    assert problem(client.get("/enc/safety/tiles/NoSuchQuad/1/0/0", params={"draft": "2"}), 404)
    assert problem(client.get(url, params={"time": T0, "draft": "-2"}), 400)["parameter"] == "draft"
    for tms in ("WorldCRS84Quad", "CGCS2000Quad"):  # the same area in the geographic grids
        address = address_at(*lonlat(2150, 50), 15, tms)
        tile = client.get(f"/enc/safety/tiles/{tms}/{address.z}/{address.row}/{address.col}",
                          params={"time": T0, "draft": "2.2", "ukc": "0.5"})
        assert 1.5 in [f["properties"].get("drval1") for f in decode(tile.content)["enc_unsafe_areas"]["features"]]


def test_route_check_returns_every_violation_with_place_and_distance(client: TestClient) -> None:
    response = client.post("/enc/route-check", json={"route": NORTH, "vessel": SMALL, "time": T0})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["safe"] is False
    kinds = [(f["properties"]["kind"], round(f["properties"]["distance_km"], 1)) for f in body["features"]]
    assert kinds == [("restricted_area", 1.0), ("depth", 2.0)]
    assert all(f["geometry"]["type"] == "Point" for f in body["features"])
    later = client.post("/enc/route-check", json={"route": NORTH, "vessel": SMALL, "time": T1}).json()
    assert [f["properties"]["kind"] for f in later["features"]] == ["restricted_area", "bridge_air_draft"]


def test_route_check_bad_input_is_400_naming_the_field(client: TestClient) -> None:
    negative = problem(client.post("/enc/route-check", json={"route": NORTH, "vessel": {**SMALL, "draft": -2}}), 400)
    assert negative["field"] == "vessel.draft"
    assert "吃水" in negative["detail"] and "must be positive" in negative["detail"]
    assert problem(client.post("/enc/route-check", json={"route": NORTH}), 400)["field"] == "vessel"
    ashore = problem(client.post("/enc/route-check", json={"route": route((100, 0), (100, 600)), "vessel": SMALL,
                                                            "time": T0}), 400)
    assert ashore["title"].startswith("航线超出航段") and "leaves the charted water" in ashore["detail"]
    assert problem(client.post("/enc/route-check", content=b"route", headers={"Content-Type": "text/plain"}), 415)
    assert problem(client.post("/enc/route-check", json={"route": NORTH, "vessel": SMALL,
                                                         "time": "2020-01-01T00:00:00Z"}), 409)


def test_the_services_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/api").json()["paths"]
    for path in ("/enc/gauges", "/enc/gauges/{gaugeId}/readings", "/enc/safety", "/enc/route-check",
                 "/enc/safety/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"):
        assert path in paths
    names = {p["name"] for p in paths["/enc/safety"]["get"]["parameters"]}
    assert names == {"time", "draft", "ukc", "air_draft"}
    assert "vessel" in paths["/enc/route-check"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "properties"]


def test_without_a_chart_the_services_say_so(gpkg_url: str) -> None:
    store = open_store(gpkg_url)
    try:
        with TestClient(create_app(Settings(database_url=gpkg_url, admin_token=TOKEN), store=store)) as client:
            body = problem(client.get("/enc/gauges"), 409)
            assert "wtwaxs" in body["detail"]
            assert problem(client.post("/enc/route-check", json={"route": NORTH, "vessel": SMALL}), 409)
    finally:
        store.close()
