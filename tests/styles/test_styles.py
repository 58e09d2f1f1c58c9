"""Styles, sprites and glyphs as a MapLibre client fetches them: through the app, with absolute URLs."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.styles.conftest import AUTH, BASE, EXTRA_LAYERS, HAZARDS, RESTRICTED, ROAD_WORKS, base_layers
from tests.styles.pbf import decode_glyphs

MAPBOX_STYLE = "application/vnd.mapbox.style+json"
STYLE_OF = {layer.id: layer.style_id or layer.id for layer in [*base_layers(), *EXTRA_LAYERS]}
PUBLIC = [layer for layer in [*base_layers(), *EXTRA_LAYERS] if "public" in layer.read_roles]


def fetch_style(client: TestClient, style_id: str, **headers: str) -> dict:
    response = client.get(f"/styles/{style_id}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MAPBOX_STYLE
    return response.json()


def by_id(style: dict) -> dict[str, dict]:
    return {layer["id"]: layer for layer in style["layers"]}


def test_style_list_names_every_readable_style_in_chinese_with_absolute_links(client: TestClient):
    response = client.get("/styles")
    assert response.status_code == 200
    doc = response.json()
    ids = [entry["id"] for entry in doc["styles"]]
    assert doc["default"] == "onemap" and ids[0] == "onemap"
    assert set(ids) == {"onemap", *(STYLE_OF[layer.id] for layer in PUBLIC)}
    assert STYLE_OF[RESTRICTED.id] not in ids  # staff only
    roads = next(entry for entry in doc["styles"] if entry["id"] == "base-roads")
    assert roads["title_zh"] == "高速公路与国道" and roads["layers"] == ["roads"]
    sheet = next(link for link in roads["links"] if link["rel"] == "stylesheet")
    assert sheet["href"] == f"{BASE}/styles/base-roads?f=mapbox" and sheet["type"] == MAPBOX_STYLE
    assert client.get(sheet["href"]).status_code == 200

    admin_ids = [entry["id"] for entry in client.get("/styles", headers=AUTH).json()["styles"]]
    assert STYLE_OF[RESTRICTED.id] in admin_ids


@pytest.mark.parametrize("layer", PUBLIC, ids=lambda layer: layer.id)
def test_each_layer_style_reads_its_own_tiles_with_its_zooms(client: TestClient, layer):
    style = fetch_style(client, STYLE_OF[layer.id])
    assert style["version"] == 8
    assert style["metadata"]["onemap:title_zh"] == layer.title_zh
    source = style["sources"][layer.id]
    assert source["type"] == "vector"
    assert source["tiles"] == [f"{BASE}/collections/{layer.id}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"]
    assert (source["minzoom"], source["maxzoom"]) == (layer.min_zoom, layer.max_zoom)
    assert source["bounds"] == list(layer.valid_extent)
    assert style["sprite"] == f"{BASE}/styles/{STYLE_OF[layer.id]}/sprite"
    assert style["glyphs"] == f"{BASE}/fonts/{{fontstack}}/{{range}}.pbf"
    assert style["layers"], "a style must draw something"
    for style_layer in style["layers"]:
        assert style_layer["source"] == layer.id and style_layer["source-layer"] == layer.id
        assert style_layer.get("minzoom", 0) >= layer.min_zoom


def test_geometry_types_get_their_recipes(client: TestClient):
    prefectures = by_id(fetch_style(client, "base-prefectures"))
    assert prefectures["prefectures-fill"]["type"] == "fill"
    assert prefectures["prefectures-outline"]["paint"]["line-dasharray"]  # administrative boundary
    assert prefectures["prefectures-label"]["layout"]["text-field"] == ["get", "name_zh"]

    river = by_id(fetch_style(client, "base-river-centerline"))
    assert river["river_centerline-line"]["type"] == "line"
    assert river["river_centerline-label"]["layout"]["symbol-placement"] == "line"

    toll = by_id(fetch_style(client, "base-toll-stations"))["toll_stations-icon"]
    assert toll["type"] == "symbol" and toll["layout"]["icon-image"] == "toll-station"
    cities = by_id(fetch_style(client, "base-cities"))["cities-icon"]
    assert cities["layout"]["icon-image"] == ["case", ["==", ["get", "is_capital"], True], "capital", "city"]


def test_roads_are_coloured_like_chinese_road_maps(client: TestClient):
    line = by_id(fetch_style(client, "base-roads"))["roads-line"]
    colour = line["paint"]["line-color"]
    assert colour[:2] == ["match", ["get", "road_class"]]
    pairs = dict(zip(colour[2:-1:2], colour[3:-1:2], strict=True))
    green, red = pairs["expressway"], pairs["national"]
    assert int(green[3:5], 16) > int(green[1:3], 16)  # green dominates
    assert int(red[1:3], 16) > int(red[3:5], 16)  # red dominates
    assert line["layout"]["line-cap"] == "round"


def test_bridges_are_coloured_by_condition_grade_with_integer_codes(client: TestClient):
    style = fetch_style(client, "base-bridges")
    colour = by_id(style)["bridges-icon"]["paint"]["icon-color"]
    assert colour[:2] == ["match", ["get", "tech_grade"]] and colour[2:-1:2] == [1, 2, 3, 4, 5]
    legend = style["metadata"]["onemap:legend"][0]["colours"]
    assert legend["title_zh"] == "技术状况等级"
    assert [item["label_zh"] for item in legend["items"]] == [
        "1类（完好、良好）", "2类（较好）", "3类（较差）", "4类（差）", "5类（危险）"]


def test_workflow_layers_colour_by_state_and_ring_overdue_items(client: TestClient):
    hazards = fetch_style(client, "safety-hazards")
    layers = by_id(hazards)
    ring = layers["hazards-overdue"]
    assert ring["filter"] == ["==", ["get", "overdue"], True]
    order = [layer["id"] for layer in hazards["layers"]]
    assert order.index("hazards-overdue") < order.index("hazards-icon")  # the ring sits under the icon
    colour = layers["hazards-icon"]["paint"]["icon-color"]
    assert colour[:2] == ["match", ["get", "workflow_state"]]
    states = dict(zip(colour[2:-1:2], colour[3:-1:2], strict=True))
    assert set(states) == {"reported", "rectifying", "verified", "closed", "escalated"}
    assert len({states["reported"], states["rectifying"], states["verified"], states["closed"]}) == 4
    legend = hazards["metadata"]["onemap:legend"][0]
    assert [item["label_zh"] for item in legend["colours"]["items"]][:2] == ["已上报", "整改中"]
    assert legend["overdue"]["items"][0]["value"] is True

    works = by_id(fetch_style(client, ROAD_WORKS.id))
    assert works["road_works-overdue"]["filter"] == ["==", ["get", "overdue"], True]
    assert works["road_works-line"]["paint"]["line-color"][:2] == ["match", ["get", "workflow_state"]]

    zones = by_id(fetch_style(client, "transport-restricted", **AUTH))
    assert zones["restricted_zones-overdue"]["type"] == "line"


def test_composite_draws_polygons_then_lines_then_points_base_first_labels_on_top(client: TestClient):
    style = fetch_style(client, "onemap")
    layers = style["layers"]
    assert layers[0]["type"] == "background"
    drawn = [layer["metadata"]["onemap:layer"] for layer in layers[1:]]
    assert set(drawn) == {layer.id for layer in PUBLIC}
    kind = {layer.id: layer.geometry_type.value.removeprefix("Multi") for layer in PUBLIC}
    rank = {"Polygon": 0, "LineString": 1, "Point": 2}
    first_index = {layer_id: drawn.index(layer_id) for layer_id in set(drawn)}
    geometry_order = sorted(first_index, key=first_index.get)
    assert [rank[kind[i]] for i in geometry_order] == sorted(rank[kind[i]] for i in geometry_order)
    lines = [i for i in geometry_order if kind[i] == "LineString"]
    assert lines.index("roads") < lines.index(ROAD_WORKS.id)  # base geography below the other domains
    symbol_at = [n for n, layer in enumerate(layers) if layer["type"] == "symbol"]
    other_at = [n for n, layer in enumerate(layers) if layer["type"] != "symbol"]
    assert max(other_at) < min(symbol_at)
    names = [layer["metadata"]["onemap:layer"] for layer in layers if layer["type"] == "symbol"]
    assert names.index("cities") > names.index("stakes")  # prefecture seats win collisions

    served: list[str] = []
    for source in style["sources"].values():
        (template,) = source["tiles"]
        prefix = f"{BASE}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}?collections="
        assert template.startswith(prefix)
        served += template.removeprefix(prefix).split(",")
    assert sorted(served) == sorted(layer.id for layer in PUBLIC)
    for layer in layers[1:]:
        template = style["sources"][layer["source"]]["tiles"][0]
        assert layer["source-layer"] in template.split("collections=")[1].split(",")


def test_composite_for_staff_includes_the_restricted_layer(client: TestClient):
    drawn = {layer.get("source-layer") for layer in fetch_style(client, "onemap", **AUTH)["layers"]}
    assert RESTRICTED.id in drawn
    assert RESTRICTED.id not in {layer.get("source-layer") for layer in fetch_style(client, "onemap")["layers"]}


def test_unknown_styles_files_and_bad_parameters_are_problems(client: TestClient):
    for path in ("/styles/no-such-style", f"/styles/{STYLE_OF[RESTRICTED.id]}", "/styles/nope/sprite.json",
                 "/styles/onemap/sprite.svg", "/fonts/Comic Sans/0-255.pbf", "/fonts/DejaVu Sans Book/0-300.pbf",
                 "/fonts/DejaVu Sans Book/7-262.pbf", "/fonts/DejaVu Sans Book/65536-65791.pbf"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json", path
        assert response.json()["status"] == 404
    for path in ("/styles/onemap?f=xml", "/styles/onemap?colour=red", "/styles?f=html"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert response.headers["content-type"] == "application/problem+json"


def test_style_has_etag_and_json_alternate(client: TestClient):
    response = client.get("/styles/base-roads")
    etag = response.headers["etag"]
    again = client.get("/styles/base-roads", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.content
    as_json = client.get("/styles/base-roads?f=json")
    assert as_json.headers["content-type"] == "application/json" and as_json.json() == response.json()
    assert client.get("/styles/base-roads", headers={"Origin": "http://map.example"}).headers[
        "access-control-allow-origin"] == "*"


def sprite(client: TestClient, suffix: str) -> tuple[dict, Image.Image]:
    index = client.get(f"/styles/onemap/sprite{suffix}.json")
    png = client.get(f"/styles/onemap/sprite{suffix}.png")
    assert index.status_code == png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    image.load()
    return index.json(), image


def test_sprites_decode_and_match_their_index_at_both_pixel_ratios(client: TestClient):
    one, image1 = sprite(client, "")
    two, image2 = sprite(client, "@2x")
    assert set(one) == set(two)
    for index, image, ratio in ((one, image1, 1), (two, image2, 2)):
        assert image.mode == "RGBA"
        assert image.width == max(e["x"] + e["width"] for e in index.values())
        assert image.height == max(e["y"] + e["height"] for e in index.values())
        alpha = image.getchannel("A")
        for name, entry in index.items():
            assert entry["pixelRatio"] == ratio and entry["sdf"] is True
            cell = alpha.crop((entry["x"], entry["y"], entry["x"] + entry["width"], entry["y"] + entry["height"]))
            low, high = cell.getextrema()
            assert high >= 191 and low == 0, f"{name}: an SDF icon has ink (>= 191) and empty padding (0)"
    for name in one:
        assert (two[name]["width"], two[name]["height"]) == (one[name]["width"] * 2, one[name]["height"] * 2)


def test_every_icon_a_style_names_is_in_the_sprite(client: TestClient):
    icons = set(client.get("/styles/onemap/sprite.json").json())
    named: set[str] = set()
    for layer in fetch_style(client, "onemap", **AUTH)["layers"]:
        image = layer.get("layout", {}).get("icon-image")
        if isinstance(image, str):
            named.add(image)
        elif isinstance(image, list):
            named.update(part for part in image[2:] if isinstance(part, str))
    assert named and named <= icons


def glyph_range(client: TestClient, fontstack: str, name: str) -> dict:
    response = client.get(f"/fonts/{fontstack}/{name}.pbf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-protobuf"
    return decode_glyphs(response.content)


def test_the_styles_fontstack_serves_latin_glyphs(client: TestClient):
    fonts = {font for layer in fetch_style(client, "onemap")["layers"]
             for font in layer.get("layout", {}).get("text-font", [])}
    assert fonts == {"DejaVu Sans Book"}
    stack = glyph_range(client, "DejaVu Sans Book", "0-255")
    assert (stack["name"], stack["range"]) == ("DejaVu Sans Book", "0-255")
    glyphs = stack["glyphs"]
    wanted = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    for char in wanted:
        glyph = glyphs[ord(char)]
        assert glyph["advance"] > 0 and glyph["width"] > 0 and glyph["height"] > 0, char
        assert len(glyph["bitmap"]) == (glyph["width"] + 6) * (glyph["height"] + 6), char
        rows = [glyph["bitmap"][r * (glyph["width"] + 6):(r + 1) * (glyph["width"] + 6)]
                for r in range(glyph["height"] + 6)]
        border = [*rows[0], *rows[-1], *(row[0] for row in rows), *(row[-1] for row in rows)]
        # Ink reaches the outline value (191); the buffer's outer pixel centres lie >= 2 px outside the
        # outline (3 px of buffer around a box rounded to whole pixels), where the field is <= 127.
        assert max(glyph["bitmap"]) >= 191 and max(border) <= 255 - (2 * 32 + 64), char
    assert glyphs[ord(" ")]["advance"] > 0 and not glyphs[ord(" ")].get("bitmap")
    # `top` is measured down to a 26-px baseline: capitals stand on it, descenders go below it.
    bottom = {char: glyphs[ord(char)]["top"] - glyphs[ord(char)]["height"] for char in "AHxg"}
    assert bottom["A"] == bottom["H"] == bottom["x"] == -26 and bottom["g"] < -26
    dash = glyph_range(client, "DejaVu Sans Book", "8192-8447")["glyphs"][0x2014]  # — in reach names
    assert dash["width"] > 0


def test_glyph_requests_a_browser_may_send_all_succeed(client: TestClient):
    combined = glyph_range(client, "DejaVu Sans Book,Arial Unicode MS Regular", "0-255")
    assert len(combined["glyphs"]) > 150
    fullwidth = glyph_range(client, "DejaVu Sans Book", "65280-65535")["glyphs"]
    assert fullwidth[0xFF08]["advance"] == 24  # （ takes an ideographic advance
    ideographs = glyph_range(client, "DejaVu Sans Book", "19968-20223")  # drawn locally by MapLibre
    assert ideographs["range"] == "19968-20223" and ideographs["glyphs"] == {}
    cached = client.get("/fonts/DejaVu Sans Book/0-255.pbf")
    assert "max-age" in cached.headers["cache-control"]
    assert client.get("/fonts/DejaVu Sans Book/0-255.pbf",
                      headers={"If-None-Match": cached.headers["etag"]}).status_code == 304


def test_hazards_use_the_warning_icon_and_road_works_no_icon(client: TestClient):
    assert by_id(fetch_style(client, "safety-hazards"))["hazards-icon"]["layout"]["icon-image"] == "warning"
    assert not any(layer.get("layout", {}).get("icon-image") for layer in fetch_style(client, ROAD_WORKS.id)["layers"])
    assert HAZARDS.id in {layer["source-layer"] for layer in fetch_style(client, "onemap")["layers"][1:]}
