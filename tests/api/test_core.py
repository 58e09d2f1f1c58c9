"""OGC API – Features Part 1 core behaviour, on both stores."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from fastapi.testclient import TestClient

from gis_server.conformance import conformance_classes

GEOJSON = "application/geo+json"


def _all_links(doc: dict) -> list[dict]:
    found = list(doc.get("links", []))
    for collection in doc.get("collections", []):
        found += collection["links"]
    return found


def test_landing_page_links_are_typed_and_absolute(client: TestClient) -> None:
    doc = client.get("/").json()
    rels = {link["rel"]: link for link in doc["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    for link in _all_links(doc):
        assert link["href"].startswith("http://testserver/"), link
        assert link["type"]


def test_conformance_declares_parts_1_to_4(client: TestClient) -> None:
    classes = client.get("/conformance").json()["conformsTo"]
    assert classes == conformance_classes()
    for part in ("features-1/1.0/conf/core", "features-2/1.0/conf/crs", "features-3/1.0/conf/filter",
                 "features-4/1.0/conf/create-replace-delete", "cql2/1.0/conf/cql2-text"):
        assert any(part in c for c in classes), part


def test_collection_description(client: TestClient) -> None:
    response = client.get("/collections/roads")
    assert response.status_code == 200
    doc = response.json()
    assert doc["title"] == "测试道路"
    assert doc["itemType"] == "feature"
    assert doc["storageCrs"] == "http://www.opengis.net/def/crs/EPSG/0/4490"
    assert "http://www.opengis.net/def/crs/OGC/1.3/CRS84" in doc["crs"]
    minx, miny, maxx, maxy = doc["extent"]["spatial"]["bbox"][0]
    assert (minx, maxx) == (125.2, 125.4)
    assert round(miny, 6) == 43.8 and round(maxy, 6) == round(43.80 + 24 * 0.02 + 0.005, 6)
    assert doc["extent"]["temporal"]["interval"][0][0].startswith("2024-05-01T00:00:00")
    assert all(link["href"].startswith("http://") and link["type"] for link in doc["links"])
    listing = client.get("/collections").json()
    assert [c["id"] for c in listing["collections"]] == ["roads"]


def test_items_paging_walks_every_feature_once(client: TestClient) -> None:
    seen: list[int] = []
    url = "/collections/roads/items?limit=7"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(GEOJSON)
        doc = response.json()
        assert doc["numberMatched"] == 25
        assert doc["numberReturned"] == len(doc["features"])
        seen += [f["id"] for f in doc["features"]]
        nxt = [link for link in doc["links"] if link["rel"] == "next"]
        assert all(link["type"] == GEOJSON for link in nxt)
        url = nxt[0]["href"] if nxt else None
        pages += 1
        assert pages < 10
    assert pages == 4
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 25


def test_prev_link_and_default_limit(client: TestClient) -> None:
    doc = client.get("/collections/roads/items").json()
    assert doc["numberReturned"] == 10
    assert not [link for link in doc["links"] if link["rel"] == "prev"]
    second = client.get(next(link["href"] for link in doc["links"] if link["rel"] == "next")).json()
    prev = next(link for link in second["links"] if link["rel"] == "prev")
    assert "offset" not in parse_qs(urlparse(prev["href"]).query)


def test_bbox_selects_intersecting_features(client: TestClient) -> None:
    doc = client.get("/collections/roads/items", params={"bbox": "125.25,43.79,125.35,43.85"}).json()
    names = sorted(f["properties"]["name"] for f in doc["features"])
    # roads 0, 1 and 2 lie at 43.80, 43.82, 43.84 (+0.005 at the middle vertex)
    assert names == ["测试路00", "测试路01", "测试路02"]
    assert doc["numberMatched"] == 3


def test_property_filter_and_sortby(client: TestClient) -> None:
    doc = client.get("/collections/roads/items",
                     params={"route_code": "G12", "sortby": "-length_km", "limit": 100}).json()
    lengths = [f["properties"]["length_km"] for f in doc["features"]]
    assert doc["numberMatched"] == 13
    assert lengths == sorted(lengths, reverse=True)
    assert {f["properties"]["route_code"] for f in doc["features"]} == {"G12"}


def test_datetime_interval(client: TestClient) -> None:
    doc = client.get("/collections/roads/items",
                     params={"datetime": "2024-05-03T00:00:00Z/2024-05-05T00:00:00Z"}).json()
    assert sorted(f["properties"]["name"] for f in doc["features"]) == ["测试路02", "测试路03", "测试路04"]
    open_end = client.get("/collections/roads/items", params={"datetime": "2024-05-20T00:00:00Z/.."}).json()
    assert open_end["numberMatched"] == 6  # 2024-05-20 .. 2024-05-25


def test_feature_types_and_values_roundtrip(client: TestClient) -> None:
    doc = client.get("/collections/roads/items", params={"name": "测试路03"}).json()
    feature = doc["features"][0]
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "MultiLineString"
    assert feature["properties"] == {
        "name": "测试路03", "route_code": "G102", "road_class": "national", "lanes": 2, "length_km": 11.0,
        "tolled": False, "opened": "2021-05-02", "inspected_at": "2024-05-04T00:00:00Z",
    }


def test_single_item_with_etag_and_304(client: TestClient) -> None:
    fid = client.get("/collections/roads/items?limit=1").json()["features"][0]["id"]
    response = client.get(f"/collections/roads/items/{fid}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GEOJSON)
    etag = response.headers["etag"]
    assert response.json()["id"] == fid
    assert {link["rel"] for link in response.json()["links"]} >= {"self", "collection"}
    again = client.get(f"/collections/roads/items/{fid}", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_queryables_list_every_field(client: TestClient) -> None:
    response = client.get("/collections/roads/queryables")
    assert response.headers["content-type"].startswith("application/schema+json")
    props = response.json()["properties"]
    assert set(props) == {"geometry", "name", "route_code", "road_class", "lanes", "length_km", "tolled",
                          "opened", "inspected_at"}
    assert props["road_class"]["enum"] == ["expressway", "national"]
    assert props["length_km"]["title"] == "长度"


def test_html_pages_show_chinese_titles(client: TestClient) -> None:
    for url in ("/", "/collections", "/collections/roads", "/collections/roads/items",
                "/collections/roads/queryables", "/conformance", "/api"):
        response = client.get(url, params={"f": "html"})
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("text/html")
    items = client.get("/collections/roads/items", params={"f": "html", "limit": 3}).text
    assert "测试道路" in items and "技术等级" in items and "高速公路" in items
    browser = client.get("/collections/roads", headers={"Accept": "text/html,application/xhtml+xml"})
    assert browser.headers["content-type"].startswith("text/html")


def test_openapi_is_self_contained_3_0(client: TestClient) -> None:
    response = client.get("/api")
    assert response.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    doc = response.json()
    assert doc["openapi"].startswith("3.0")
    assert "/collections/roads/items" in doc["paths"]

    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            return [v for k, v in node.items() if k == "$ref"] + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    assert all(ref.startswith("#/") for ref in refs(doc))


def test_cors_headers(client: TestClient) -> None:
    response = client.get("/collections", headers={"Origin": "http://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
