"""OGC API – Tiles over HTTP (TestClient, both stores): metadata documents, MVT tiles, HTTP semantics."""

from __future__ import annotations

import gzip
from typing import Any

import morecantile
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point

from gis_server.routers.tiles import MAX_COLLECTIONS, accepts_gzip
from layers.stores.base import FeatureRecord
from tests.sample_layers import ROADS
from tests.tiles.conftest import AUTH, CHANGCHUN, POINTS
from tests.tiles.mvt import address_at, decode, expected_units
from tiles.documents import landing_links, tileset_links
from tiles.matrix_sets import get_tms, lonlat_bounds
from tiles.model import EXTENT, MVT_MEDIA_TYPE
from tiles.plan import thinned_zooms

MVT_REL = "http://www.opengis.net/def/rel/ogc/1.0/"



def rel(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [link for link in doc["links"] if link["rel"] == name]


# -- metadata ----------------------------------------------------------------------------------------
def test_tile_matrix_sets_list_links_each_definition(client: TestClient) -> None:
    doc = client.get("/tileMatrixSets").json()
    ids = [item["id"] for item in doc["tileMatrixSets"]]
    assert ids == ["WebMercatorQuad", "WorldCRS84Quad", "CGCS2000Quad"]
    for item in doc["tileMatrixSets"]:
        href = rel(item, "self")[0]["href"]
        definition = client.get(href.removeprefix("http://testserver"))
        assert definition.status_code == 200
        assert definition.json()["id"] == item["id"]
        assert definition.json()["crs"] == item["crs"]


def test_collection_lists_a_tileset_per_matrix_set(client: TestClient) -> None:
    doc = client.get("/collections/roads/tiles").json()
    assert len(doc["tilesets"]) == 3
    for tileset in doc["tilesets"]:
        assert tileset["dataType"] == "vector"
        assert rel(tileset, MVT_REL + "tiling-scheme")
        assert client.get(rel(tileset, "self")[0]["href"]).status_code == 200


@pytest.mark.parametrize(("tms_id", "min_matrix", "max_matrix"), [
    ("WebMercatorQuad", "5", "18"), ("WorldCRS84Quad", "4", "17"), ("CGCS2000Quad", "5", "18")])
def test_tileset_metadata(client: TestClient, tms_id: str, min_matrix: str, max_matrix: str) -> None:
    doc = client.get(f"/collections/toll_points/tiles/{tms_id}").json()
    assert doc["dataType"] == "vector"
    assert doc["crs"] == get_tms(tms_id).crs.root
    assert doc.get("tileMatrixSetURI") == get_tms(tms_id).uri
    scheme = rel(doc, MVT_REL + "tiling-scheme")[0]["href"]
    assert scheme == f"http://testserver/tileMatrixSets/{tms_id}"
    item = rel(doc, "item")[0]
    assert item["templated"] is True and item["type"] == MVT_MEDIA_TYPE
    assert item["href"].endswith(f"/collections/toll_points/tiles/{tms_id}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}")
    [layer] = doc["layers"]
    assert (layer["id"], layer["geometryDimension"]) == ("toll_points", 0)
    assert (layer["minTileMatrix"], layer["maxTileMatrix"]) == (min_matrix, max_matrix)
    props = layer["propertiesSchema"]["properties"]
    assert props["name"]["type"] == "string" and "x-onemap-fromZoom" not in props["name"]
    assert props["fee"]["x-onemap-fromZoom"] == 10 and props["opened"]["format"] == "date"
    assert props["domain"]["type"] == "string"
    lo, hi = thinned_zooms(POINTS)
    [thin] = doc["onemap:thinning"]
    assert (thin["layer"], thin["rule"], thin["minZoom"], thin["maxZoom"]) == ("toll_points", "drop-densest", lo, hi)
    assert thin["maxTileMatrix"] == str(int(max_matrix) - 1)


def test_dataset_tileset_carries_the_collections_choice(client: TestClient) -> None:
    doc = client.get("/tiles/WebMercatorQuad", params={"collections": "toll_points,roads"}).json()
    assert [layer["id"] for layer in doc["layers"]] == ["toll_points", "roads"]
    assert rel(doc, "item")[0]["href"].endswith("/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"
                                                  "?collections=toll_points,roads")
    everything = client.get("/tiles/WebMercatorQuad").json()
    assert {layer["id"] for layer in everything["layers"]} == {"roads", "toll_points"}  # secret_sites is not public
    admin = client.get("/tiles/WebMercatorQuad", headers=AUTH).json()
    assert {layer["id"] for layer in admin["layers"]} == {"roads", "toll_points", "secret_sites"}
    by_url = client.get("/tiles/WebMercatorQuad", params={"collections": "http://testserver/collections/roads/,cities"})
    assert by_url.status_code == 404  # the URL form names our collection; "cities" is not registered here
    by_url = client.get("/tiles/WebMercatorQuad", params={"collections": "http://testserver/collections/roads"}).json()
    assert [layer["id"] for layer in by_url["layers"]] == ["roads"]
    assert rel(by_url, "self")[0]["href"].endswith("/tiles/WebMercatorQuad?collections=roads")
    listing = client.get("/tiles", params={"collections": "roads"}).json()
    assert all(rel(t, "self")[0]["href"].endswith("?collections=roads") for t in listing["tilesets"])


def test_links_for_collections_and_the_landing_page_resolve(client: TestClient) -> None:
    [link] = tileset_links("http://testserver", ROADS)
    assert link["rel"] == MVT_REL + "tilesets-vector" and link["type"] == "application/json"
    assert client.get(link["href"]).json()["tilesets"]
    rels = {item["rel"]: item["href"] for item in landing_links("http://testserver")}
    assert client.get(rels[MVT_REL + "tilesets-vector"]).json()["tilesets"]
    assert client.get(rels[MVT_REL + "tiling-schemes"]).json()["tileMatrixSets"]


def test_tilejson_for_maplibre(client: TestClient) -> None:
    doc = client.get("/collections/toll_points/tiles/WebMercatorQuad/tilejson.json").json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"] == ["http://testserver/collections/toll_points/tiles/WebMercatorQuad/{z}/{y}/{x}"]
    assert (doc["minzoom"], doc["maxzoom"]) == (5, 18)
    [layer] = doc["vector_layers"]
    assert layer["id"] == "toll_points" and set(layer["fields"]) == {"name", "fee", "opened", "domain"}
    west, south, east, north = doc["bounds"]
    assert west <= CHANGCHUN[0] <= east and south <= CHANGCHUN[1] <= north
    composite = client.get("/tiles/WebMercatorQuad/tilejson.json", params={"collections": "roads,toll_points"}).json()
    assert composite["tiles"][0].endswith("/tiles/WebMercatorQuad/{z}/{y}/{x}?collections=roads,toll_points")
    assert (composite["minzoom"], composite["maxzoom"]) == (0, 22)
    assert [v["id"] for v in composite["vector_layers"]] == ["roads", "toll_points"]


def test_tilejson_only_for_web_mercator(client: TestClient) -> None:
    response = client.get("/collections/roads/tiles/CGCS2000Quad/tilejson.json")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


# -- tiles --------------------------------------------------------------------------------------------
def test_tilejson_template_fetches_the_tile_with_the_feature(client: TestClient) -> None:
    template = client.get("/collections/toll_points/tiles/WebMercatorQuad/tilejson.json").json()["tiles"][0]
    tile = morecantile.tms.get("WebMercatorQuad").tile(*CHANGCHUN, 12)
    url = template.format(z=12, x=tile.x, y=tile.y)
    response = client.get(url)
    assert response.status_code == 200
    [feature] = decode(response.content)["toll_points"]["features"]
    assert feature["properties"]["name"] == "长春站"


@pytest.mark.parametrize("tms_id", ["WebMercatorQuad", "WorldCRS84Quad", "CGCS2000Quad"])
def test_point_lands_where_it_belongs(client: TestClient, tms_id: str) -> None:
    address = address_at(*CHANGCHUN, 11, tms_id)
    response = client.get(f"/collections/toll_points/tiles/{tms_id}/{address.z}/{address.row}/{address.col}")
    assert response.status_code == 200
    assert response.headers["content-type"] == MVT_MEDIA_TYPE
    layer = decode(response.content)["toll_points"]
    assert layer["extent"] == EXTENT
    [feature] = layer["features"]
    assert feature["geometry"]["type"] == "Point"
    x, y = feature["geometry"]["coordinates"]
    ex, ey = expected_units(*CHANGCHUN, address)
    assert abs(x - ex) <= 1 and abs(y - ey) <= 1


def test_properties_follow_the_tile_plan(client: TestClient) -> None:
    near = address_at(*CHANGCHUN, 12, "WebMercatorQuad")
    far = address_at(*CHANGCHUN, 8, "WebMercatorQuad")
    [detailed] = decode(client.get(f"/collections/toll_points/tiles/WebMercatorQuad/12/{near.row}/{near.col}")
                        .content)["toll_points"]["features"]
    assert detailed["properties"] == {"name": "长春站", "fee": 15.5, "opened": "2010-09-01", "domain": "base"}
    [overview] = decode(client.get(f"/collections/toll_points/tiles/WebMercatorQuad/8/{far.row}/{far.col}")
                        .content)["toll_points"]["features"]
    assert overview["properties"] == {"name": "长春站", "domain": "base"}


def test_dataset_tile_has_one_layer_per_collection(client: TestClient) -> None:
    address = address_at(*CHANGCHUN, 10, "WebMercatorQuad")
    path = f"/tiles/WebMercatorQuad/10/{address.row}/{address.col}"
    both = decode(client.get(path, params={"collections": "roads,toll_points"}).content)
    assert set(both) == {"roads", "toll_points"}
    road = both["roads"]["features"][0]
    assert road["geometry"]["type"] in ("LineString", "MultiLineString")
    assert road["properties"]["route_code"] == "G1201" and road["properties"]["tolled"] is True
    anonymous = client.get(path)
    assert set(decode(anonymous.content)) == {"roads", "toll_points"}  # default: all layers the caller may read
    assert "Authorization" in anonymous.headers["vary"]  # ... so caches must not hand it to another caller
    assert set(decode(client.get(path, headers=AUTH).content)) == {"roads", "toll_points", "secret_sites"}


def test_layers_outside_their_zooms_are_left_out(client: TestClient) -> None:
    for z, shown in ((4, False), (5, True)):  # toll_points starts at zoom 5
        address = address_at(*CHANGCHUN, z, "WebMercatorQuad")
        body = client.get(f"/tiles/WebMercatorQuad/{z}/{address.row}/{address.col}",
                          params={"collections": "roads,toll_points"}).content
        assert ("toll_points" in decode(body)) is shown
        alone = client.get(f"/collections/toll_points/tiles/WebMercatorQuad/{z}/{address.row}/{address.col}")
        assert alone.status_code == 200 and bool(decode(alone.content)) is shown


def test_empty_tile_is_200_with_an_empty_mvt(client: TestClient) -> None:
    response = client.get("/collections/roads/tiles/WebMercatorQuad/10/0/0")
    assert response.status_code == 200
    assert not any(layer["features"] for layer in decode(response.content).values())
    assert response.headers["etag"]


def _raw(client: TestClient, url: str, headers: dict[str, str]) -> tuple[Any, bytes]:
    with client.stream("GET", url, headers=headers) as response:
        return response, b"".join(response.iter_raw())


def test_gzip_when_accepted_and_plain_otherwise(client: TestClient) -> None:
    address = address_at(*CHANGCHUN, 12, "WebMercatorQuad")
    url = f"/collections/toll_points/tiles/WebMercatorQuad/12/{address.row}/{address.col}"
    zipped, raw_zipped = _raw(client, url, {"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["vary"]
    tile = gzip.decompress(raw_zipped)  # compressed exactly once
    assert decode(tile)["toll_points"]["features"]
    plain, raw_plain = _raw(client, url, {"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert raw_plain == tile
    refused, raw_refused = _raw(client, url, {"Accept-Encoding": "gzip;q=0, br"})
    assert "content-encoding" not in refused.headers and raw_refused == tile
    assert zipped.headers["etag"] != plain.headers["etag"]


def test_accept_encoding_parsing() -> None:
    assert accepts_gzip("gzip") and accepts_gzip("br, gzip;q=0.5") and accepts_gzip("*")
    assert not accepts_gzip(None) and not accepts_gzip("identity") and not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("*;q=0") and not accepts_gzip("gzip;q=0, *")


def test_etag_revalidation_and_edits(client: TestClient, tile_store: Any) -> None:
    address = address_at(*CHANGCHUN, 12, "WebMercatorQuad")
    url = f"/collections/toll_points/tiles/WebMercatorQuad/12/{address.row}/{address.col}"
    first = client.get(url)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    west, south, east, north = lonlat_bounds(address)
    tile_store.insert(POINTS, [FeatureRecord(Point((west + east) / 2, (south + north) / 2), {"name": "新站"})])
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert {f["properties"]["name"] for f in decode(changed.content)["toll_points"]["features"]} == {"长春站", "新站"}


def test_private_layers_need_a_role_and_are_not_publicly_cacheable(client: TestClient) -> None:
    address = address_at(125.33, 43.88, 12, "WebMercatorQuad")
    url = f"/collections/secret_sites/tiles/WebMercatorQuad/12/{address.row}/{address.col}"
    denied = client.get(url)
    assert denied.status_code == 401 and denied.headers["content-type"] == "application/problem+json"
    assert denied.headers["cache-control"] == "no-store"
    assert client.get("/tiles/WebMercatorQuad/0/0/0", params={"collections": "roads,secret_sites"}).status_code == 401
    allowed = client.get(url, headers=AUTH)
    assert allowed.status_code == 200 and allowed.headers["cache-control"] == "private, no-cache"
    assert decode(allowed.content)["secret_sites"]["features"]


def test_head_gives_the_headers_without_a_body(client: TestClient) -> None:
    address = address_at(*CHANGCHUN, 12, "WebMercatorQuad")
    response = client.head(f"/collections/toll_points/tiles/WebMercatorQuad/12/{address.row}/{address.col}")
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"] == MVT_MEDIA_TYPE and response.headers["etag"]


def test_cors_on_tiles_metadata_and_errors(client: TestClient) -> None:
    origin = {"Origin": "http://map.example"}
    for url in ("/collections/roads/tiles/WebMercatorQuad/0/0/0", "/collections/roads/tiles/WebMercatorQuad",
                "/tileMatrixSets", "/collections/roads/tiles/WebMercatorQuad/tilejson.json",
                "/collections/roads/tiles/WebMercatorQuad/1/5/5"):
        response = client.get(url, headers=origin)
        assert response.headers["access-control-allow-origin"] == "*", url
    assert "etag" in client.get("/tiles/WebMercatorQuad/0/0/0", headers=origin).headers[
        "access-control-expose-headers"].lower()


# -- bad input -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("url", "status"), [
    ("/tileMatrixSets/NoSuchQuad", 404),
    ("/collections/roads/tiles/NoSuchQuad", 404),
    ("/collections/roads/tiles/NoSuchQuad/0/0/0", 404),
    ("/collections/roads/tiles/WebMercatorQuad/25/0/0", 404),
    ("/collections/roads/tiles/WebMercatorQuad/3/8/0", 404),
    ("/collections/roads/tiles/WebMercatorQuad/3/0/8", 404),
    ("/collections/roads/tiles/WebMercatorQuad/3/-1/0", 404),
    ("/collections/roads/tiles/WebMercatorQuad/abc/0/0", 404),
    ("/collections/roads/tiles/WebMercatorQuad/3/0/99999999999999999999999", 404),
    ("/collections/roads/tiles/WorldCRS84Quad/0/1/0", 404),
    ("/collections/roads/tiles/CGCS2000Quad/0/0/0", 404),
    ("/collections/nowhere/tiles", 404),
    ("/collections/nowhere/tiles/WebMercatorQuad", 404),
    ("/collections/nowhere/tiles/WebMercatorQuad/0/0/0", 404),
    ("/tiles/WebMercatorQuad/0/0/0?collections=roads,nowhere", 404),
    ("/tiles/WebMercatorQuad/0/0/0?collections=", 400),
    ("/tiles/WebMercatorQuad/0/0/0?collections=roads,,toll_points", 400),
    ("/tiles/WebMercatorQuad/0/0/0?collections=Roads;drop", 400),
    ("/tiles/WebMercatorQuad?collections=roads%20x", 400),
    ("/tiles/WebMercatorQuad?collections=http://elsewhere.example/collections/roads", 400),
    ("/tiles/WebMercatorQuad/0/0/0?collections=" + ",".join(f"l{i}" for i in range(MAX_COLLECTIONS + 1)), 400),
    ("/collections/roads/tiles/WebMercatorQuad/0/0/0?bbox=1,2,3,4", 400),
    ("/collections/roads/tiles/WebMercatorQuad/0/0/0?f=png", 400),
    ("/collections/roads/tiles/WebMercatorQuad?f=xml", 400),
])
def test_bad_requests_are_problems_never_cached(client: TestClient, url: str, status: int) -> None:
    for _ in range(2):  # the same answer twice: nothing was cached, nothing broke
        response = client.get(url)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["cache-control"] == "no-store"
        assert response.json()["status"] == status


def test_twenty_collections_are_allowed(client: TestClient) -> None:
    names = ",".join(["roads"] * MAX_COLLECTIONS + ["toll_points"] * 5)  # repeats count once
    response = client.get("/tiles/WebMercatorQuad/0/0/0", params={"collections": names})
    assert response.status_code == 200
