"""Linear referencing and network paths through the API and over both stores; the road index is
cached per data version of the stored roads."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer

from domains.base.linear_ref import road_index
from domains.base.network import road_network
from gis_server.app import create_app
from gis_server.settings import Settings
from layers.registry import LayerRegistry
from layers.stores import open_store
from tests.linear_referencing.conftest import sample_features
from tests.linear_referencing.constructed import GEOD, geodesic, insert, road

PROBLEM = "application/problem+json"


@pytest.fixture
def client(roads_registry: LayerRegistry, store_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=store_url, admin_token="token")
    with TestClient(create_app(settings, store=roads_registry.store), base_url="http://testserver") as test_client:
        yield test_client


def post(route: str, km: int) -> tuple[float, float]:
    """A kilometre post of the committed stakes layer."""
    found = next(f for f in sample_features("stakes")
                 if f["properties"]["route_code"] == route and f["properties"]["stake_m"] == km * 1000)
    return tuple(found["geometry"]["coordinates"])  # type: ignore[return-value]


def test_index_is_cached_until_the_roads_change(roads_registry: LayerRegistry) -> None:
    first = road_index(roads_registry)
    assert road_index(roads_registry) is first
    network = road_network(roads_registry)
    assert road_network(roads_registry) is network
    assert "G901" not in first.by_route
    insert(roads_registry, "roads", [road("G901", (0, 0), (3_000, 0))])
    second = road_index(roads_registry)
    assert second is not first and "G901" in second.by_route
    assert road_network(roads_registry) is not network
    assert second.route_range("G901") == (0, round(geodesic(
        second.by_route["G901"][0].coords)))


def test_locate_gives_the_kilometre_post(client: TestClient) -> None:
    response = client.get("/linear-referencing/locate", params={"route": "G12", "stake": "K450+000"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "Feature" and body["geometry"]["type"] == "Point"
    assert GEOD.inv(*body["geometry"]["coordinates"], *post("G12", 450))[2] < 1.0
    assert body["properties"]["route"] == "G12" and body["properties"]["stake"] == "K450+000"
    assert body["properties"]["stake_m"] == 450_000
    same = client.get("/linear-referencing/locate", params={"ref": "g12 k450+000"}).json()
    assert same["geometry"] == body["geometry"]
    metres = client.get("/linear-referencing/locate", params={"route": "G12", "stake": "450000"}).json()
    assert metres["geometry"] == body["geometry"]


def test_locate_answers_in_the_asked_crs(client: TestClient) -> None:
    lon, lat = post("G1", 850)
    response = client.get("/linear-referencing/locate", params={"ref": "G1 K850+000", "crs": "EPSG:4490"})
    assert response.status_code == 200
    assert response.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4490>"
    y, x = response.json()["geometry"]["coordinates"]  # latitude first, as EPSG:4490 says
    assert GEOD.inv(x, y, lon, lat)[2] < 1.0
    mercator = client.get("/linear-referencing/locate", params={"ref": "G1 K850+000", "crs": "EPSG:3857"}).json()
    mx, my = Transformer.from_crs(4490, 3857, always_xy=True).transform(lon, lat)
    assert abs(mercator["geometry"]["coordinates"][0] - mx) < 2 and abs(mercator["geometry"]["coordinates"][1] - my) < 2


def test_measure_gives_route_stake_and_offset(client: TestClient) -> None:
    lon, lat = post("G1", 850)
    response = client.get("/linear-referencing/measure", params={"lon": lon, "lat": lat, "route": "G1"})
    assert response.status_code == 200, response.text
    props = response.json()["properties"]
    assert props["route"] == "G1" and props["stake"] == "K850+000" and props["reference"] == "G1 K850+000"
    assert abs(props["stake_m"] - 850_000) < 1.0 and props["offset_m"] < 1.0
    off = client.get("/linear-referencing/measure", params={"lon": lon + 0.01, "lat": lat}).json()["properties"]
    assert off["offset_m"] > 100  # 0.01° of longitude is ~800 m; the nearest road may run diagonally


@pytest.mark.parametrize(("path", "params", "status", "parameter", "text"), [
    ("/linear-referencing/locate", {"route": "G999", "stake": "K1+000"}, 404, "route", "G999"),
    ("/linear-referencing/locate", {"route": "G12", "stake": "K9999+000"}, 400, "stake", "K0+000"),
    ("/linear-referencing/locate", {"route": "G12", "stake": "1023+500"}, 400, "stake", "K1023+500"),
    ("/linear-referencing/locate", {"ref": "G12-K1+000"}, 400, "ref", "G12 K1023+500"),
    ("/linear-referencing/locate", {"route": "G12"}, 400, "stake", "stake"),
    ("/linear-referencing/locate", {"route": "G12", "stake": "K1+000", "zoom": "3"}, 400, "zoom", "zoom"),
    ("/linear-referencing/locate", {"ref": "G12 K10+000", "crs": "EPSG:9999"}, 400, "crs", "crs"),
    ("/linear-referencing/measure", {"lat": "43.9"}, 400, "lon", "lon"),
    ("/linear-referencing/measure", {"lon": "east", "lat": "43.9"}, 400, "lon", "lon"),
    ("/linear-referencing/measure", {"lon": "200", "lat": "43.9"}, 400, "lon", "lon"),
    ("/linear-referencing/measure", {"lon": "125.9", "lat": "44.2", "max_distance": "10"}, 404, "max_distance", "10"),
    ("/linear-referencing/measure", {"lon": "125.3", "lat": "43.9", "route": "X1"}, 404, "route", "X1"),
    ("/network/route", {"from": "G12 K100+000", "to": "nowhere"}, 400, "to", "lon,lat"),
])
def test_bad_requests_are_problems(client: TestClient, path: str, params: dict, status: int, parameter: str,
                                   text: str) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body.get("parameter") == parameter
    assert text in body["detail"]


def test_without_a_roads_layer_the_services_say_so(store_url: str) -> None:
    store = open_store(store_url)
    try:
        with TestClient(create_app(Settings(database_url=store_url), store=store)) as bare:
            response = bare.get("/linear-referencing/locate", params={"ref": "G12 K1+000"})
            assert response.status_code == 409 and response.headers["content-type"] == PROBLEM
            assert "roads" in response.json()["detail"]
    finally:
        store.close()


def test_network_route_between_references(client: TestClient, roads_registry: LayerRegistry) -> None:
    response = client.get("/network/route", params={"from": "G12 K100+000", "to": "G1 K850+000"})
    assert response.status_code == 200, response.text
    body = response.json()
    index = road_index(roads_registry)
    expected = road_network(roads_registry).path(index.position("G12", 100_000), index.position("G1", 850_000))
    assert expected is not None
    assert body["properties"]["distance_m"] == pytest.approx(expected.distance_m, abs=0.1)
    assert geodesic(np.array(body["geometry"]["coordinates"])) == pytest.approx(expected.distance_m, rel=1e-4)
    assert body["properties"]["via_routes"][0] == "G12" and body["properties"]["via_routes"][-1] == "G1"
    lon, lat = post("G1", 850)
    by_point = client.get("/network/route", params={"from": "G12 K100+000", "to": f"{lon},{lat}"}).json()
    assert by_point["properties"]["distance_m"] == pytest.approx(expected.distance_m, abs=2.0)
