"""Repeated item pages come from memory until the layer changes — on both stores, whoever writes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import LineString, MultiLineString

from layers.stores import open_store
from layers.stores.base import FeatureRecord
from tests.api.conftest import AUTH
from tests.sample_layers import ROADS

URL = "/collections/roads/items"
BOX = {"bbox": "125.1,43.7,125.5,44.0", "limit": "3"}


@pytest.fixture
def reads(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per store.query the app makes."""
    store = client.app.state.services.store
    calls: list[int] = []
    real = store.query

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "query", counting)
    return calls


def _new_road(name: str) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[125.21, 43.75], [125.31, 43.76]]},
            "properties": {"name": name, "route_code": "G12", "road_class": "expressway", "lanes": 4}}


def test_a_repeated_page_is_served_from_memory(client: TestClient, reads: list[int]) -> None:
    first = client.get(URL, params=BOX)
    second = client.get(URL, params=BOX)
    assert first.status_code == second.status_code == 200
    assert len(reads) == 1
    assert second.json()["features"] == first.json()["features"]
    assert second.json()["numberMatched"] == first.json()["numberMatched"]
    # the links are built for each request: another host gets its own absolute links
    other = client.get(URL, params=BOX, headers={"Host": "maps.example.org"})
    assert all(link["href"].startswith("http://maps.example.org/") for link in other.json()["links"])
    assert len(reads) == 1


def test_other_parameters_are_other_pages(client: TestClient, reads: list[int]) -> None:
    client.get(URL, params=BOX)
    client.get(URL, params={**BOX, "offset": "3"})
    client.get(URL, params={**BOX, "crs": "http://www.opengis.net/def/crs/EPSG/0/3857"})
    assert len(reads) == 3
    client.get(URL, params={**BOX, "f": "html"})  # the same page in another format
    assert len(reads) == 3


def test_a_write_through_the_api_shows_at_once(client: TestClient, reads: list[int]) -> None:
    before = client.get(URL, params=BOX).json()["numberMatched"]
    created = client.post(URL, json=_new_road("新建路"), headers=AUTH)
    assert created.status_code == 201
    after = client.get(URL, params=BOX).json()
    assert after["numberMatched"] == before + 1
    assert len(reads) == 2


def test_a_write_by_another_process_shows_on_the_next_request(client: TestClient, store_url: str,
                                                              reads: list[int]) -> None:
    before = client.get(URL, params=BOX).json()["numberMatched"]
    other = open_store(store_url)  # another connection, as the CLI or another worker would hold
    try:
        line = MultiLineString([LineString([(125.22, 43.85), (125.32, 43.86)])])
        other.insert(ROADS, [FeatureRecord(line, {"name": "外部写入", "route_code": "G1", "road_class": "expressway",
                                                  "lanes": 4})])
    finally:
        other.close()
    assert client.get(URL, params=BOX).json()["numberMatched"] == before + 1
    assert len(reads) == 2


def test_the_cache_can_be_turned_off(client: TestClient, reads: list[int]) -> None:
    client.app.state.services.pages.max_bytes = 0
    client.get(URL, params=BOX)
    client.get(URL, params=BOX)
    assert len(reads) == 2
