"""Part 2: crs and bbox-crs for CRS84, EPSG:4490/4326 (latitude first) and EPSG:3857."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def _first_vertex(client: TestClient, **params: str) -> tuple[list[float], str]:
    response = client.get("/collections/roads/items", params={"name": "测试路00", **params})
    assert response.status_code == 200, response.text
    return response.json()["features"][0]["geometry"]["coordinates"][0][0], response.headers["content-crs"]


def test_default_is_crs84_lon_lat(client: TestClient) -> None:
    vertex, header = _first_vertex(client)
    assert vertex == [125.2, 43.8]
    assert header == f"<{CRS84}>"


@pytest.mark.parametrize("code", ["4490", "4326"])
def test_geographic_epsg_is_latitude_first(client: TestClient, code: str) -> None:
    vertex, header = _first_vertex(client, crs=f"{EPSG}{code}")
    assert vertex == [43.8, 125.2]
    assert header == f"<{EPSG}{code}>"


def test_web_mercator(client: TestClient) -> None:
    vertex, header = _first_vertex(client, crs=f"{EPSG}3857")
    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(125.2, 43.8)
    assert vertex == pytest.approx([x, y], abs=0.01)
    assert header == f"<{EPSG}3857>"


def test_single_item_crs(client: TestClient) -> None:
    fid = client.get("/collections/roads/items", params={"name": "测试路00"}).json()["features"][0]["id"]
    response = client.get(f"/collections/roads/items/{fid}", params={"crs": f"{EPSG}4490"})
    assert response.json()["geometry"]["coordinates"][0][0] == [43.8, 125.2]
    assert response.headers["content-crs"] == f"<{EPSG}4490>"


def test_bbox_crs_latitude_first_and_mercator(client: TestClient) -> None:
    lonlat = client.get("/collections/roads/items", params={"bbox": "125.25,43.79,125.35,43.85"}).json()
    latlon = client.get("/collections/roads/items",
                        params={"bbox": "43.79,125.25,43.85,125.35", "bbox-crs": f"{EPSG}4490"}).json()
    to_merc = Transformer.from_crs(4326, 3857, always_xy=True)
    x0, y0 = to_merc.transform(125.25, 43.79)
    x1, y1 = to_merc.transform(125.35, 43.85)
    merc = client.get("/collections/roads/items",
                      params={"bbox": f"{x0},{y0},{x1},{y1}", "bbox-crs": f"{EPSG}3857"}).json()
    ids = sorted(f["id"] for f in lonlat["features"])
    assert len(ids) == 3
    assert sorted(f["id"] for f in latlon["features"]) == ids
    assert sorted(f["id"] for f in merc["features"]) == ids


def test_unknown_crs_is_400(client: TestClient) -> None:
    for params in ({"crs": f"{EPSG}9999"}, {"bbox-crs": "EPSG:2000", "bbox": "1,2,3,4"}):
        response = client.get("/collections/roads/items", params=params)
        assert response.status_code == 400
        body = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert body["parameter"] in ("crs", "bbox-crs")
