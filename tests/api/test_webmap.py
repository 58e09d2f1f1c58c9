"""The map page and its small APIs on both stores: the page itself, the configuration (layer tree by
domain for the caller, Tianditu only with a key), who a token names, the organisations holding
workflow items, a route drawn through clicked points along the roads, and geodesic measurement."""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domains.framework.discovery import discover_domains
from gis_server.map_config import JILIN_BOUNDS, TIANDITU_ENV
from layers.registry import LayerRegistry
from tests.api.map_support import INSPECTOR, INSPECTOR_USER, TASK_ORGS, auth, build_registry, serve, stake_post

#: GRS 80 (CGCS2000's ellipsoid): semi-major axis and flattening.
A = 6_378_137.0
F = 1 / 298.257222101


@pytest.fixture
def registry(store_url: str, tmp_path: Path) -> Iterator[LayerRegistry]:
    registry = build_registry(store_url, tmp_path)
    yield registry
    registry.close()
    registry.store.close()


@pytest.fixture
def client(registry: LayerRegistry, store_url: str, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv(TIANDITU_ENV, raising=False)
    yield from serve(registry, store_url, tmp_path)


def layer_ids(config: dict) -> dict[str, list[str]]:
    return {domain["id"]: [layer["id"] for layer in domain["layers"]] for domain in config["domains"]}


def test_the_map_page_is_served_with_its_own_scripts(client: TestClient) -> None:
    response = client.get("/map")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "交通一张图" in page
    assert 'src="http://testserver/static/vendor/maplibre-gl.js"' in page
    assert 'src="http://testserver/static/map/main.js"' in page
    assert "https://" not in page  # nothing from a CDN
    assert client.get("/map", params={"x": "1"}).status_code == 400
    assert client.get("/static/map/main.js").status_code == 200


def test_the_landing_page_leads_to_the_map_and_its_json_is_unchanged(client: TestClient) -> None:
    html = client.get("/", params={"f": "html"}).text
    assert 'href="http://testserver/map"' in html and "打开交通一张图" in html
    body = client.get("/", params={"f": "json"}).json()
    assert "map" not in {link["href"].rsplit("/", 1)[-1] for link in body["links"]}


def test_the_configuration_groups_the_callers_layers_by_domain(client: TestClient) -> None:
    anonymous = client.get("/map/config").json()
    assert anonymous["caller"]["anonymous"] is True
    assert layer_ids(anonymous) == {"base": ["roads"], "road_transport": ["map_vehicles"]}
    titles = {domain.id: domain.title_zh for domain in discover_domains()}
    assert [d["title_zh"] for d in anonymous["domains"]] == [titles["base"], titles["road_transport"]]
    assert anonymous["view"]["bounds"] == list(JILIN_BOUNDS)  # no prefectures layer here
    assert anonymous["tianditu"] is None and anonymous["chart"]["available"] is False

    signed_in = client.get("/map/config", headers=auth(INSPECTOR)).json()
    assert signed_in["caller"]["organisation"] == INSPECTOR_USER["organisation"]
    by_domain = layer_ids(signed_in)
    assert by_domain["enforcement"] == ["map_cases"] and by_domain["hazards"] == ["map_tasks"]
    order = [domain.id for domain in discover_domains()]
    assert [d["id"] for d in signed_in["domains"]] == [d for d in order if d in by_domain]
    tasks = next(layer for d in signed_in["domains"] for layer in d["layers"] if layer["id"] == "map_tasks")
    assert tasks["may_create"] is True and [s["id"] for s in tasks["workflow"]["states"]] == ["open", "closed"]
    vehicles = next(layer for d in signed_in["domains"] for layer in d["layers"] if layer["id"] == "map_vehicles")
    assert vehicles["may_create"] is False and vehicles["workflow"] is None and vehicles["visible"] is True


def test_tianditu_is_offered_only_when_a_key_is_configured(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    assert client.get("/map/config").json()["tianditu"] is None
    monkeypatch.setenv(TIANDITU_ENV, "0123456789abcdef")
    assert client.get("/map/config").json()["tianditu"] == {"key": "0123456789abcdef"}


def test_the_session_names_the_tokens_caller(client: TestClient) -> None:
    assert client.get("/map/session").json()["anonymous"] is True
    me = client.get("/map/session", headers=auth(INSPECTOR)).json()
    assert (me["name"], me["display_name"], me["region"]) == (INSPECTOR_USER["name"], INSPECTOR_USER["display_name"],
                                                              INSPECTOR_USER["region"])
    assert "inspector" in me["roles"]
    assert client.get("/map/session", headers=auth("not-a-known-token-000")).status_code == 401


def test_the_organisations_are_those_holding_readable_workflow_items(client: TestClient) -> None:
    assert client.get("/map/organisations").json()["organisations"] == []  # the tasks are not public
    body = client.get("/map/organisations", headers=auth(INSPECTOR)).json()
    assert body["organisations"] == sorted({org for org in TASK_ORGS if org})
    assert body["layers"] == ["map_tasks"]


def test_a_route_through_two_points_on_one_road_is_that_stretch(client: TestClient) -> None:
    start, end = stake_post("G12 K300+000"), stake_post("G12 K320+000")
    response = client.get("/map/route-plan", params={"points": f"{start[0]},{start[1]};{end[0]},{end[1]}"})
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["properties"]["route_codes"] == "G12:K300+000-K320+000"
    assert plan["properties"]["length_km"] == pytest.approx(20.0, abs=0.01)
    line = plan["geometry"]["coordinates"]
    assert math.dist(line[0], start) < 1e-4 and math.dist(line[-1], end) < 1e-4
    assert [p["reference"] for p in plan["properties"]["points"]] == ["G12 K300+000", "G12 K320+000"]


def test_a_route_drawn_backwards_along_a_road_runs_from_the_higher_stake(client: TestClient) -> None:
    start, end = stake_post("G12 K320+000"), stake_post("G12 K305+000")
    plan = client.get("/map/route-plan", params={"points": f"{start[0]},{start[1]};{end[0]},{end[1]}"}).json()
    assert plan["properties"]["route_codes"] == "G12:K320+000-K305+000"


def test_a_route_over_two_roads_lists_both_in_travel_order(client: TestClient) -> None:
    start, end = stake_post("G12 K300+000"), stake_post("G1 K900+000")
    plan = client.get("/map/route-plan", params={"points": f"{start[0]},{start[1]};{end[0]},{end[1]}"}).json()
    ranges = plan["properties"]["ranges"]
    assert len(ranges) >= 2
    assert (ranges[0]["route_code"], ranges[0]["from"]) == ("G12", "K300+000")
    assert (ranges[-1]["route_code"], ranges[-1]["to"]) == ("G1", "K900+000")
    assert all(a["route_code"] != b["route_code"] for a, b in pairwise(ranges))

    def km(stake: str) -> float:
        whole, metres = stake[1:].split("+")
        return int(whole) + float(metres) / 1000

    assert plan["properties"]["length_km"] == pytest.approx(sum(abs(km(r["to"]) - km(r["from"])) for r in ranges),
                                                            abs=0.01 * len(ranges))


@pytest.mark.parametrize(("points", "status", "text"), [
    ("125.3,43.8", 400, "2"),
    ("125.3,43.8;abc", 400, "abc"),
    ("125.3,43.8;200,43.8", 400, "200"),
    ("125.3,43.8;135.9,53.5", 404, "第 2 个点"),
])
def test_a_route_that_cannot_be_drawn_says_why(client: TestClient, points: str, status: int, text: str) -> None:
    start = stake_post("G12 K300+000")
    first = f"{start[0]},{start[1]}"
    response = client.get("/map/route-plan", params={"points": points.replace("125.3,43.8", first)})
    assert response.status_code == status
    assert text in response.json()["detail"]


def test_a_meridian_degree_from_the_equator_has_its_textbook_length(client: TestClient) -> None:
    body = client.get("/map/measure", params={"kind": "line", "points": "0,0;0,1"}).json()
    assert body["length_m"] == pytest.approx(110_574.389, abs=0.01)  # GRS 80 meridian arc, 0°–1°


def test_a_small_square_has_the_area_of_its_curvature_radii(client: TestClient) -> None:
    lat, side = 45.0, 0.01
    e2 = F * (2 - F)
    phi = math.radians(lat)
    meridional = A * (1 - e2) / (1 - e2 * math.sin(phi) ** 2) ** 1.5
    normal = A / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    expected = (meridional * math.radians(side)) * (normal * math.cos(phi) * math.radians(side))
    ring = [(125.0, lat - side / 2), (125.0 + side, lat - side / 2), (125.0 + side, lat + side / 2),
            (125.0, lat + side / 2)]
    points = ";".join(f"{x},{y}" for x, y in ring)
    body = client.get("/map/measure", params={"kind": "polygon", "points": points}).json()
    assert body["area_m2"] == pytest.approx(expected, rel=1e-4)
    reversed_ring = ";".join(f"{x},{y}" for x, y in reversed(ring))
    assert client.get("/map/measure", params={"kind": "polygon", "points": reversed_ring}).json()["area_m2"] == \
        pytest.approx(body["area_m2"])


@pytest.mark.parametrize("params", [{"kind": "volume", "points": "0,0;0,1"}, {"kind": "polygon", "points": "0,0;0,1"},
                                    {"points": "0,0"}])
def test_bad_measurements_are_400_problems(client: TestClient, params: dict) -> None:
    response = client.get("/map/measure", params=params)
    assert response.status_code == 400 and response.json()["parameter"] in ("kind", "points")
