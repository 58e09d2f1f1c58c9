"""Chart layers, once imported, are ordinary collections: listed, queried and tiled with no chart code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from enc_chart.exchange_set import find_cells
from enc_chart.importer import import_files
from gis_server.app import create_app
from gis_server.settings import Settings
from layers.stores import open_store
from tests.enc.ingest_support import N230, enc_path
from tests.tiles.mvt import address_at, decode


@pytest.fixture
def client(store_url: str) -> Iterator[TestClient]:
    store = open_store(store_url)
    (files,) = find_cells(enc_path(N230))
    import_files(store, files)
    with TestClient(create_app(Settings(database_url=store_url), store=store), base_url="http://testserver") as test:
        yield test
    store.close()


def test_chart_layers_are_listed_queried_and_tiled(client):
    listed = {c["id"]: c for c in client.get("/collections").json()["collections"]}
    assert listed["enc_i_boylat"]["title"].startswith("侧面浮标") and "enc_depare" in listed
    page = client.get("/collections/enc_i_boylat/items", params={"limit": 100}).json()
    assert page["numberMatched"] == len(page["features"]) == 38
    buoy = page["features"][0]
    assert buoy["geometry"]["type"] == "MultiPoint" and buoy["properties"]["cell_name"] == "5I7IN230"
    lon, lat = buoy["geometry"]["coordinates"][0]
    one = client.get("/collections/enc_i_boylat/items", params={"filter": f"lnam = '{buoy['properties']['lnam']}'"})
    assert [f["id"] for f in one.json()["features"]] == [buoy["id"]]
    address = address_at(lon, lat, 15)
    tile = client.get(f"/collections/enc_i_boylat/tiles/WebMercatorQuad/{address.z}/{address.row}/{address.col}")
    assert tile.status_code == 200
    assert any(f["properties"].get("lnam") == buoy["properties"]["lnam"]
               for f in decode(tile.content)["enc_i_boylat"]["features"])


def test_classes_without_geometry_are_stored_and_served_without_one(client):
    page = client.get("/collections/enc_c_aggr/items", params={"limit": 10}).json()
    assert page["numberMatched"] == 4
    for feature in page["features"]:
        geometry = feature["geometry"]
        assert geometry is None or geometry["coordinates"] == []
        assert feature["properties"]["lnam_refs"].count(",") >= 1  # the aggregated features' LNAMs


def test_a_chart_scale_tile_keeps_every_buoy_and_bridge(client):
    """From zoom 12 on chart layers are not thinned: at zoom 13 (≈ 1:70 000) each tile holds every buoy
    and bridge part whose position lies in it — none dropped to keep the tile light."""
    from shapely.geometry import shape

    for layer in ("enc_i_boylat", "enc_i_bridge"):
        features = client.get(f"/collections/{layer}/items", params={"limit": 1000}).json()["features"]
        assert features
        tiles: dict[tuple[int, int], set[str]] = {}
        for feature in features:
            point = shape(feature["geometry"]).representative_point()
            address = address_at(point.x, point.y, 13)
            tiles.setdefault((address.row, address.col), set()).add(feature["properties"]["lnam"])
        for (row, col), inside in tiles.items():
            reply = client.get(f"/collections/{layer}/tiles/WebMercatorQuad/13/{row}/{col}")
            drawn = {f["properties"].get("lnam") for f in decode(reply.content).get(layer, {}).get("features", [])}
            assert inside <= drawn, f"{layer} z13/{row}/{col}: {len(inside - drawn)} missing"
