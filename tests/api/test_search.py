"""`GET /search?q=` on both stores: stakes where the kilometre posts stand, plates with or without the
middle dot (exact matches first), case numbers only for those who may read cases, LIKE wildcards
taken literally, coordinates, and the errors a person can cause."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domains.base import sample_dir
from gis_server.map_search import PER_LAYER
from layers.registry import LayerRegistry
from layers.stores.base import FeatureRecord
from tests.api.map_support import (
    CASE_ROWS,
    INSPECTOR,
    VEHICLE_ROWS,
    VEHICLES,
    auth,
    build_registry,
    point_of,
    serve,
    stake_post,
)


@pytest.fixture
def registry(store_url: str, tmp_path: Path) -> Iterator[LayerRegistry]:
    registry = build_registry(store_url, tmp_path)
    yield registry
    registry.close()
    registry.store.close()


@pytest.fixture
def client(registry: LayerRegistry, store_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from serve(registry, store_url, tmp_path)


def metres(a: list[float] | tuple[float, float], b: list[float] | tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def search(client: TestClient, q: str, token: str | None = None) -> dict:
    response = client.get("/search", params={"q": q}, headers=auth(token) if token else {})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("text", ["G12 K300+000", "g12k300+000", "G12 K300+000.0"])
def test_a_stake_is_found_where_its_kilometre_post_stands(client: TestClient, text: str) -> None:
    body = search(client, text)
    assert body["numberReturned"] == 1
    hit = body["results"][0]
    assert hit["kind"] == "stake" and hit["title"] == "G12 K300+000"
    assert metres(hit["center"], stake_post("G12 K300+000")) < 1.0
    minx, miny, maxx, maxy = hit["bbox"]
    assert minx < hit["center"][0] < maxx and miny < hit["center"][1] < maxy


def test_a_stake_off_its_route_says_why_instead_of_failing(client: TestClient) -> None:
    with (sample_dir() / "roads.geojson").open(encoding="utf-8") as handle:
        g12 = [f["properties"] for f in json.load(handle)["features"] if f["properties"]["route_code"] == "G12"]
    end_km = int(max(p["end_stake_m"] for p in g12) // 1000)
    body = search(client, f"G12 K{end_km + 5}+000")
    assert body["results"] == [] and f"K{end_km}+" in body["message"]
    body = search(client, "G9999 K1+000")
    assert body["results"] == [] and "G9999" in body["message"]


def test_plates_match_with_or_without_the_middle_dot_exact_ones_first(client: TestClient) -> None:
    body = search(client, "吉A12345")
    found = [(hit["collection"], hit["fid"], hit["value"]) for hit in body["results"]]
    # fid 1 is 吉A·12345 (the same plate), fid 2 吉A·123456 (starts with it); 吉B·12345 is another plate
    assert found == [("map_vehicles", 1, VEHICLE_ROWS[0][0]), ("map_vehicles", 2, VEHICLE_ROWS[1][0])]
    assert body["results"][0]["field_title"] == "车牌号码"
    lower = search(client, "a·1234")  # case-insensitive
    assert sorted(hit["fid"] for hit in lower["results"]) == [1, 2]


def test_case_numbers_are_found_only_by_those_who_may_read_cases(client: TestClient) -> None:
    case_no = CASE_ROWS[1][0]
    assert search(client, case_no)["results"] == []  # anonymous callers do not read cases
    body = search(client, case_no, INSPECTOR)
    assert [(hit["collection"], hit["fid"], hit["field"], hit["value"]) for hit in body["results"]] == [
        ("map_cases", 2, "case_no", case_no)]
    assert body["results"][0]["title"] == CASE_ROWS[1][1]  # titled by the party's name
    expected = point_of(11)
    minx, miny, maxx, maxy = body["results"][0]["bbox"]
    assert minx < expected.x < maxx and miny < expected.y < maxy
    assert metres(body["results"][0]["center"], (expected.x, expected.y)) < 0.5


def test_wildcards_in_the_text_are_taken_literally(client: TestClient) -> None:
    assert [hit["value"] for hit in search(client, "50%")["results"]] == [VEHICLE_ROWS[0][1]]
    assert [hit["value"] for hit in search(client, "a_b")["results"]] == [VEHICLE_ROWS[2][1]]


def test_one_layer_gives_at_most_a_handful_of_results(client: TestClient, registry: LayerRegistry) -> None:
    registry.store.insert(VEHICLES, [FeatureRecord(point_of(30 + i), {"plate": f"吉K·9{i:04d}", "name_zh": "测试车队"})
                                     for i in range(12)])
    body = search(client, "测试车队")
    assert body["numberReturned"] == PER_LAYER
    assert {hit["collection"] for hit in body["results"]} == {"map_vehicles"}


def test_coordinates_are_a_place_too(client: TestClient) -> None:
    body = search(client, "125.32, 43.82")
    assert [hit["kind"] for hit in body["results"]] == ["coordinate"]
    assert body["results"][0]["center"] == [125.32, 43.82]


@pytest.mark.parametrize("params", [{}, {"q": "a"}, {"q": "x" * 101}, {"q": "吉A12345", "limit": "3"}])
def test_bad_searches_are_400_problems(client: TestClient, params: dict) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]
