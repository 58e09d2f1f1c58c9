"""The S-52 chart styles (`styles/enc/`, `/styles/enc-{palette}`): colours, mariner rules, files, route.

The mariner-dependent expressions are evaluated by a small Python interpreter of the MapLibre
expression operators the chart styles use (`evaluate`), with the semantics of the style
specification (`to-number` of null is 0, `to-string` of a whole number has no decimals, …), so
the tests check what a map would draw for given tile attributes, not how the JSON looks.
"""

from __future__ import annotations

import io
import json
import math
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from enc_chart.exchange_set import cell_files
from enc_chart.importer import import_files
from gis_server.app import create_app
from gis_server.settings import Settings
from layers.model import FieldSpec, FieldType, GeometryType, LayerDefinition
from layers.registry import LayerRegistry
from layers.stores import open_store
from styles.enc.build import style_path, style_text
from styles.enc.colours import PALETTES, palette
from styles.enc.document import chart_style
from styles.enc.mariner import BINDINGS, MarinerSettings, seabed_token
from styles.enc.sprites import SPRITE_DIR, build_sheets
from tests.conftest import SHARED_DATA, missing
from tests.tiles.mvt import address_at, decode

BASE = "http://testserver"
MAPBOX_STYLE = "application/vnd.mapbox.style+json"
VALIDATOR = Path(__file__).resolve().parents[2] / "tools" / "style-validator" / "node_modules" / ".bin" / \
    "gl-style-validate"
RIVER = MarinerSettings(safety_depth=2.5, shallow_contour=2, safety_contour=3, deep_contour=6)


# -- a MapLibre expression interpreter for the operators the chart styles use ------------------------
def _to_number(value: Any) -> float | None:
    if value is None or value is False:
        return 0.0
    if value is True:
        return 1.0
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value.strip() or 0)
    except ValueError:
        return None


def _to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def evaluate(expr: Any, props: dict[str, Any], scope: dict[str, Any] | None = None) -> Any:
    scope = scope or {}
    if not isinstance(expr, list):
        return expr
    op, args = expr[0], expr[1:]

    def ev(e: Any) -> Any:
        return evaluate(e, props, scope)

    if op == "let":
        inner = dict(scope)
        for name, value in zip(args[:-1:2], args[1:-1:2], strict=True):
            inner[name] = evaluate(value, props, scope)
        return evaluate(args[-1], props, inner)
    if op == "var":
        return scope[args[0]]
    if op == "get":
        return props.get(args[0])
    if op == "has":
        return args[0] in props
    if op == "coalesce":
        return next((v for v in map(ev, args) if v is not None), None)
    if op == "to-number":
        for arg in args:
            number = _to_number(ev(arg))
            if number is not None:
                return number
        raise ValueError(f"to-number failed: {expr}")
    if op == "to-string":
        return _to_string(ev(args[0]))
    if op == "case":
        for cond, out in zip(args[:-1:2], args[1:-1:2], strict=True):
            if ev(cond):
                return ev(out)
        return ev(args[-1])
    if op == "match":
        value = ev(args[0])
        for labels, out in zip(args[1:-1:2], args[2:-1:2], strict=True):
            if value in (labels if isinstance(labels, list) else [labels]):
                return ev(out)
        return ev(args[-1])
    if op == "all":
        return all(ev(a) for a in args)
    if op in (">=", ">", "<", "<=", "=="):
        a, b = ev(args[0]), ev(args[1])
        return {">=": a >= b, ">": a > b, "<": a < b, "<=": a <= b, "==": a == b}[op]
    if op in ("+", "*"):
        values = [ev(a) for a in args]
        return sum(values) if op == "+" else math.prod(values)
    if op in ("-", "/"):
        a, b = ev(args[0]), ev(args[1])
        return a - b if op == "-" else a / b
    if op in ("floor", "abs"):
        return float(math.floor(ev(args[0]))) if op == "floor" else abs(ev(args[0]))
    if op == "concat":
        return "".join(_to_string(ev(a)) for a in args)
    if op == "number-format":
        options = args[1]
        text = f"{ev(args[0]):.{options['max-fraction-digits']}f}"
        whole, _, fraction = text.partition(".")
        fraction = fraction.rstrip("0").ljust(options["min-fraction-digits"], "0")
        return f"{whole}.{fraction}" if fraction else whole
    if op == "format":
        return [(_to_string(ev(text)), options) for text, options in zip(args[::2], args[1::2], strict=True)]
    if op == "index-of":
        return ev(args[1]).find(ev(args[0]))
    if op == "slice":
        return ev(args[0])[int(ev(args[1])):int(ev(args[2]))]
    if op == "length":
        return len(ev(args[0]))
    raise NotImplementedError(op)


def by_id(style: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {layer["id"]: layer for layer in style["layers"]}


def paint(style: dict[str, Any], layer_id: str, prop: str) -> Any:
    return by_id(style)[layer_id]["paint"][prop]


# -- colours ---------------------------------------------------------------------------------------
#: sRGB values of OpenCPN's chartsymbols.xml colour tables (as shipped in openwatersio/enc-tiles,
#: packages/s52/chartsymbols.xml): an independent conversion of the same PresLib tables.
OPENCPN = {
    "day": {"DEPDW": (201, 237, 254), "DEPMD": (167, 217, 251), "DEPMS": (130, 202, 255), "DEPVS": (97, 183, 255),
            "DEPIT": (88, 175, 156), "LANDA": (191, 190, 143), "CHRED": (234, 84, 113), "CHGRN": (82, 232, 59),
            "SNDG1": (118, 140, 151), "NODTA": (147, 174, 187), "RESBL": (46, 123, 255)},
    "dusk": {"DEPVS": (30, 65, 101), "DEPIT": (35, 76, 68), "CHBLK": (107, 127, 137), "SNDG2": (140, 166, 178),
             "CHMGD": (130, 108, 161), "LANDA": (64, 64, 46)},
    "night": {"DEPVS": (7, 23, 39), "DEPMS": (5, 14, 22), "CHRED": (57, 14, 22), "SNDG2": (54, 65, 71),
              "UIAFF": (68, 46, 18), "NODTA": (23, 30, 33)},
}
CHART_TOKENS = ("DEPDW", "DEPMD", "DEPMS", "DEPVS", "DEPIT", "DEPSC", "DEPCN", "SNDG1", "SNDG2", "LANDA", "CSTLN",
                "CHBLK", "CHGRD", "CHGRF", "CHMGD", "CHMGF", "CHRED", "CHGRN", "CHYLW", "CHWHT", "CHBRN", "NODTA",
                "UINFD", "TRFCD", "RESBL", "ISDNG", "LANDF")


@pytest.mark.parametrize("name", PALETTES)
def test_palettes_convert_the_preslib_tables_as_opencpn_does(name: str):
    colours = palette(name)
    assert set(CHART_TOKENS) <= set(colours)
    for token, rgb in OPENCPN[name].items():
        assert colours[token] == "#" + "".join(f"{c:02x}" for c in rgb), token
    # the five depth shades stay distinguishable in every palette
    assert len({colours[t] for t in ("DEPIT", "DEPVS", "DEPMS", "DEPMD", "DEPDW")}) == 5


def test_night_is_darker_than_dusk_darker_than_day():
    def luma(hex_colour: str) -> int:
        return sum(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))

    for token in ("LANDA", "DEPVS", "CHRED", "NODTA"):
        assert luma(palette("day")[token]) > luma(palette("dusk")[token]) > luma(palette("night")[token])


# -- depth shading, safety contour, soundings -----------------------------------------------------
FOUR_SHADES = [((-2.0, 0.0), "DEPIT"), ((None, None), "DEPIT"), ((0.0, 2.0), "DEPVS"), ((2.0, 5.0), "DEPVS"),
               ((5.0, 10.0), "DEPMS"), ((9.9, 10.0), "DEPMS"), ((5.0, None), "DEPMS"), ((10.0, 20.0), "DEPMD"),
               ((20.0, 30.0), "DEPMD"), ((30.0, 50.0), "DEPDW"), ((10.0, 10.0), "DEPMS")]
TWO_SHADES = [((-2.0, 0.0), "DEPIT"), ((0.0, 2.0), "DEPVS"), ((5.0, 10.0), "DEPVS"), ((9.9, 10.0), "DEPVS"),
              ((10.0, 20.0), "DEPDW"), ((30.0, 50.0), "DEPDW")]
RIVER_FOUR = [((1.5, 2.0), "DEPVS"), ((2.0, 3.0), "DEPMS"), ((3.0, 5.0), "DEPMD"), ((6.0, 10.0), "DEPDW"),
              ((-0.5, 0.0), "DEPIT")]


def _props(pair: tuple[float | None, float | None]) -> dict[str, Any]:
    return {k: v for k, v in (("drval1", pair[0]), ("drval2", pair[1])) if v is not None}


@pytest.mark.parametrize(("settings", "cases"), [(MarinerSettings(), FOUR_SHADES),
                                                 (MarinerSettings(shades=2), TWO_SHADES), (RIVER, RIVER_FOUR)],
                         ids=["four-shades", "two-shades", "river-four-shades"])
@pytest.mark.parametrize("name", PALETTES)
def test_depth_areas_take_the_seabed01_colour(name: str, settings: MarinerSettings, cases):
    style = chart_style(name, settings)
    colours = palette(name)
    for collection in ("enc_depare", "enc_drgare"):
        fill = paint(style, f"{collection}-fill", "fill-color")
        for pair, token in cases:
            assert seabed_token(*pair, settings) == token, pair
            assert evaluate(fill, _props(pair)) == colours[token], (collection, pair, token)


def test_changing_a_let_binding_in_the_browser_reshades_without_new_tiles():
    style = chart_style("day")  # four shades, safety contour 10
    fill = json.loads(json.dumps(paint(style, "enc_depare-fill", "fill-color")))
    assert fill[1:11] == MarinerSettings().bindings()
    area = {"drval1": 5.0, "drval2": 10.0}
    assert evaluate(fill, area) == palette("day")["DEPMS"]
    # the documented recipe: the value of the k-th binding sits at index 2k + 2
    fill[2 * BINDINGS.index("shallow_contour") + 2] = 2.0
    fill[2 * BINDINGS.index("safety_contour") + 2] = 5.0
    assert evaluate(fill, area) == palette("day")["DEPMD"]
    fill[2 * BINDINGS.index("two_shades") + 2] = True
    assert evaluate(fill, area) == palette("day")["DEPDW"]
    # nothing about tiles changes: same sources as a style generated with those settings
    assert chart_style("day", MarinerSettings(shallow_contour=2, safety_contour=5, shades=2))["sources"] == \
        style["sources"]
    properties = {(p["layer"], p["property"]) for p in style["metadata"]["onemap:mariner"]["properties"]}
    assert ("enc_depare-fill", "paint.fill-color") in properties
    assert ("enc_soundg-label", "paint.text-color") in properties
    assert ("enc_depcnt-line", "paint.line-width") in properties


@pytest.mark.parametrize("settings", [MarinerSettings(), RIVER], ids=["chart-1", "river"])
def test_the_safety_contour_is_emphasised(settings: MarinerSettings):
    style = chart_style("day", settings)
    colours = palette("day")
    colour = paint(style, "enc_depcnt-line", "line-color")
    width = paint(style, "enc_depcnt-line", "line-width")
    safety = {"valdco": settings.safety_contour}
    other = {"valdco": settings.shallow_contour if settings.shallow_contour != settings.safety_contour else 99.0}
    assert (evaluate(colour, safety), evaluate(width, safety)) == (colours["DEPSC"], 2)
    assert (evaluate(colour, other), evaluate(width, other)) == (colours["DEPCN"], 1)
    # from the depth areas: the DEPSC edge is drawn round shallow areas only, which are filled again on top
    edge = paint(style, "enc_depare-safety-edge", "line-opacity")
    cover = paint(style, "enc_depare-shallow-cover", "fill-opacity")
    shallow, deep = {"drval1": settings.safety_contour - 0.5}, {"drval1": settings.safety_contour}
    assert [evaluate(edge, shallow), evaluate(edge, deep), evaluate(edge, {})] == [1, 0, 1]
    assert [evaluate(cover, shallow), evaluate(cover, deep)] == [1, 0]
    assert paint(style, "enc_depare-safety-edge", "line-color") == colours["DEPSC"]
    order = [layer["id"] for layer in style["layers"]]
    assert order.index("enc_depare-fill") < order.index("enc_depare-safety-edge") < \
        order.index("enc_depare-shallow-cover") < order.index("enc_lndare-fill")


def test_soundings_dark_when_not_deeper_than_the_safety_depth_and_written_as_s52():
    style = chart_style("day")  # safety depth 8
    layer = by_id(style)["enc_soundg-label"]
    colours = palette("day")
    colour = layer["paint"]["text-color"]
    assert [evaluate(colour, {"depth": d}) for d in (7.9, 8.0, 8.1, 25.0)] == \
        [colours["SNDG2"], colours["SNDG2"], colours["SNDG1"], colours["SNDG1"]]
    assert evaluate(colour, {"valsou": 3.0}) == colours["SNDG2"]
    night = chart_style("night", MarinerSettings(safety_depth=3))
    assert evaluate(paint(night, "enc_soundg-label", "text-color"), {"depth": 4.0}) == palette("night")["SNDG1"]
    text = layer["layout"]["text-field"]
    assert [[part for part, _ in evaluate(text, {"depth": d})] for d in (4.57, 4.3, 12.0, 31.7, -1.2)] == \
        [["4", "5"], ["4", "3"], ["12", ""], ["31", ""], ["-1", "2"]]


def test_lateral_buoys_follow_iala_region_a_and_names_are_chinese_first():
    style = chart_style("day")
    colours = palette("day")
    buoy = by_id(style)["enc_i_boylat-icon"]
    colour, icon = buoy["paint"]["icon-color"], buoy["layout"]["icon-image"]
    port, starboard = {"catlam": "1"}, {"catlam": "2"}
    assert (evaluate(colour, port), evaluate(icon, port)) == (colours["CHRED"], "enc-buoy-can")
    assert (evaluate(colour, starboard), evaluate(icon, starboard)) == (colours["CHGRN"], "enc-buoy-cone")
    assert evaluate(colour, {"catlam": "2", "colour": "4,3,4"}) == colours["CHGRN"]
    assert evaluate(colour, {"colour": "3"}) == colours["CHRED"]
    assert evaluate(icon, {"catlam": "1", "boyshp": "1"}) == "enc-buoy-cone"  # the shape attribute wins
    # Inland ENC codes of the same sides (5I7IN230 has catlam 7 red and 8 green), stored as text or number
    assert (evaluate(colour, {"catlam": "7"}), evaluate(icon, {"catlam": "7"})) == (colours["CHRED"], "enc-buoy-can")
    assert (evaluate(colour, {"catlam": 8}), evaluate(icon, {"catlam": 8})) == (colours["CHGRN"], "enc-buoy-cone")
    assert evaluate(buoy["layout"]["text-field"], {"nobjnm": "松花江1号", "objnam": "No. 1"}) == "松花江1号"
    assert evaluate(buoy["layout"]["text-field"], {"objnam": "No. 1"}) == "No. 1"
    assert by_id(style)["enc_boylat-icon"]["paint"]["icon-color"] == colour


def test_bridges_carry_name_and_clearances():
    style = chart_style("dusk")
    text = by_id(style)["enc_i_bridge-label"]["layout"]["text-field"]
    assert evaluate(text, {"nobjnm": "临江门大桥", "objnam": "Linjiangmen", "verclr": 12.5, "horclr": 40}) == \
        "临江门大桥\n净空 12.5 m\n净宽 40.0 m"
    assert evaluate(text, {"objnam": "Jiangwan Bridge", "verclr": 9}) == "Jiangwan Bridge\n净空 9.0 m"
    assert evaluate(text, {"verccl": 4.2}) == "\n净空（关）4.2 m"
    assert by_id(style)["enc_bridge-outline"]["paint"] == {"line-color": palette("dusk")["CHGRD"], "line-width": 4}


def test_isolated_dangers_follow_the_safety_contour():
    style = chart_style("day", RIVER)
    colour = paint(style, "enc_obstrn_p-icon", "icon-color")
    colours = palette("day")
    assert [evaluate(colour, p) for p in ({"valsou": 2.0}, {"valsou": 3.5}, {})] == \
        [colours["ISDNG"], colours["CHGRD"], colours["ISDNG"]]


# -- committed files -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", PALETTES)
def test_committed_styles_are_what_the_generator_writes(name: str):
    path = style_path(name)
    assert path.is_file(), f"{path} missing: run python -m styles.enc.build"
    assert path.read_text(encoding="utf-8") == style_text(chart_style(name))


def test_committed_sprites_hold_every_icon_the_styles_use():
    sheets = {sheet.pixel_ratio: sheet for sheet in build_sheets()}
    for ratio, suffix in ((1, ""), (2, "@2x")):
        index = json.loads((SPRITE_DIR / f"sprite{suffix}.json").read_text(encoding="utf-8"))
        assert index == sheets[ratio].index
        image = Image.open(io.BytesIO((SPRITE_DIR / f"sprite{suffix}.png").read_bytes()))
        assert image.size == (max(v["x"] + v["width"] for v in index.values()),
                              max(v["y"] + v["height"] for v in index.values()))
    used: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, str) and value.startswith("enc-") and not value.startswith("enc-day"):
            used.add(value)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for layer in chart_style("day")["layers"]:
        collect(layer.get("layout", {}).get("icon-image"))
    assert used and used <= set(sheets[1].index)


# -- MapLibre's validator --------------------------------------------------------------------------
@pytest.fixture
def validate():
    node = shutil.which("node")
    if node is None:
        missing("node is not installed (Debian: nodejs)")
    if not VALIDATOR.exists():
        missing(f"{VALIDATOR} not installed: run npm ci --prefix tools/style-validator")

    def run(path: Path) -> list[dict[str, Any]]:
        result = subprocess.run([node, str(VALIDATOR), "--json", str(path)], capture_output=True, text=True,
                                timeout=120, check=False)
        errors = json.loads(result.stdout or "[]")
        assert result.returncode == 0 or errors, result.stderr
        return errors

    return run


@pytest.mark.parametrize("name", PALETTES)
def test_committed_styles_pass_the_maplibre_validator(name: str, validate):
    assert validate(style_path(name)) == []


# -- the route -------------------------------------------------------------------------------------
def _chart_layer(layer_id: str, geometry: GeometryType, *fields: tuple[str, FieldType]) -> LayerDefinition:
    return LayerDefinition(
        id=layer_id, title_zh=f"海图 {layer_id}", title_en=f"Chart {layer_id}", domain="waterway",
        catalogue_code=f"JL-JT-ENC-{layer_id}", geometry_type=geometry, min_zoom=0, max_zoom=18,
        valid_extent=(-180, -85, 180, 85),
        fields=tuple(FieldSpec(name=name, type=kind, title_zh=name) for name, kind in fields),
    )


CHART_LAYERS = (
    _chart_layer("enc_depare", GeometryType.MULTIPOLYGON, ("drval1", FieldType.NUMBER), ("drval2", FieldType.NUMBER)),
    _chart_layer("enc_depcnt", GeometryType.MULTILINESTRING, ("valdco", FieldType.NUMBER)),
    _chart_layer("enc_soundg", GeometryType.MULTIPOINT, ("depth", FieldType.NUMBER)),
    _chart_layer("enc_i_boylat", GeometryType.MULTIPOINT, ("catlam", FieldType.STRING), ("colour", FieldType.STRING),
                 ("nobjnm", FieldType.STRING), ("objnam", FieldType.STRING)),
)


@pytest.fixture
def client(gpkg_url: str) -> Iterator[TestClient]:
    store = open_store(gpkg_url)
    LayerRegistry(store).register_many(CHART_LAYERS)
    settings = Settings(database_url=gpkg_url, admin_token="enc-admin-token", public_url=None)
    with TestClient(create_app(settings, store=store), base_url=BASE) as test_client:
        yield test_client
    store.close()


def test_route_serves_each_palette_over_the_registered_chart_layers(client: TestClient, tmp_path: Path, validate):
    for name in PALETTES:
        response = client.get(f"/styles/enc-{name}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == MAPBOX_STYLE
        style = response.json()
        assert style["metadata"]["onemap:layers"] == ["enc_depare", "enc_depcnt", "enc_soundg", "enc_i_boylat"]
        assert {layer["source-layer"] for layer in style["layers"][1:]} == {layer.id for layer in CHART_LAYERS}
        (source,) = style["sources"].values()
        assert source["tiles"] == [f"{BASE}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"
                                   "?collections=enc_depare,enc_depcnt,enc_soundg,enc_i_boylat"]
        assert (source["minzoom"], source["maxzoom"]) == (0, 18)
        assert style["sprite"] == f"{BASE}/styles/enc-{name}/sprite"
        assert by_id(style)["background"]["paint"]["background-color"] == palette(name)["NODTA"]
        path = tmp_path / f"enc-{name}.json"
        path.write_bytes(response.content)
        assert validate(path) == []
    # the tile URL the style names is one the dataset endpoint serves
    tile = client.get(source["tiles"][0].replace("{z}", "12").replace("{y}", "1500").replace("{x}", "3500"))
    assert tile.status_code == 200
    sprite = client.get(f"{style['sprite']}.json")
    assert sprite.status_code == 200 and "enc-buoy-can" in sprite.json()
    png = client.get(f"{style['sprite']}@2x.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"


def test_route_applies_the_mariner_settings(client: TestClient):
    response = client.get("/styles/enc-night", params={"safety_depth": "2.5", "shallow_contour": "2",
                                                       "safety_contour": "3", "deep_contour": "6", "shades": "2"})
    assert response.status_code == 200, response.text
    style = response.json()
    assert style["metadata"]["onemap:mariner"]["settings"] == {
        "safety_depth": 2.5, "shallow_contour": 2.0, "safety_contour": 3.0, "deep_contour": 6.0, "shades": 2,
        "two_shades": True}
    colours = palette("night")
    fill = paint(style, "enc_depare-fill", "fill-color")
    assert evaluate(fill, {"drval1": 2.0, "drval2": 3.0}) == colours["DEPVS"]
    assert evaluate(fill, {"drval1": 3.0, "drval2": 5.0}) == colours["DEPDW"]
    assert evaluate(paint(style, "enc_soundg-label", "text-color"), {"depth": 2.6}) == colours["SNDG1"]
    assert evaluate(paint(style, "enc_depcnt-line", "line-width"), {"valdco": 3}) == 2


@pytest.mark.parametrize(("params", "parameter"), [
    ({"shallow_contour": "12"}, "safety_contour"),  # shallow 12 > safety 10
    ({"deep_contour": "3", "safety_contour": "5", "shallow_contour": "2"}, "safety_contour"),
    ({"shades": "3"}, "shades"),
    ({"safety_depth": "deep"}, "safety_depth"),
    ({"safety_depth": "-1"}, "safety_depth"),
    ({"safety_contour": "nan"}, "safety_contour"),
    ({"safety_contour": "1e9"}, "safety_contour"),
    ({"draft": "3"}, None),
])
def test_route_rejects_bad_settings_with_a_bilingual_problem(client: TestClient, params: dict[str, str],
                                                             parameter: str | None):
    response = client.get("/styles/enc-day", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and "/" in problem["title"]
    if parameter is not None:
        assert problem["parameter"] == parameter
        assert any("\u4e00" <= ch <= "\u9fff" for ch in problem["detail"])  # Chinese first …
        assert any(word in problem["detail"] for word in ("must", "got"))  # … English beside it


def test_route_unknown_palette_and_sprite_file_are_404(client: TestClient):
    assert client.get("/styles/enc-noon").status_code == 404
    assert client.get("/styles/enc-day/sprite.svg").status_code == 404
    assert client.get("/styles/enc-noon/sprite.json").status_code == 404


def test_a_real_inland_cell_gives_tiles_with_what_the_style_reads(gpkg_url: str):
    """5I7IN230 imported by the chart importer: the style names its layers, and their tiles carry
    the attributes the expressions read (lateral marks' catlam/colour, bridges' clearances, depths)."""
    cell = SHARED_DATA / "enc" / "ienc-5I7IN230" / "ENC_ROOT" / "5I7IN230.000"
    if not cell.is_file():
        missing(f"chart test data absent: {cell}")
    store = open_store(gpkg_url)
    import_files(store, cell_files(cell))
    settings = Settings(database_url=gpkg_url, admin_token="enc-admin-token", public_url=None)
    with TestClient(create_app(settings, store=store), base_url=BASE) as client:
        style = client.get("/styles/enc-day").json()
        drawn = set(style["metadata"]["onemap:layers"])
        assert {"enc_depare", "enc_lndare", "enc_i_boylat", "enc_i_bridge", "enc_i_dismar", "enc_i_wtwaxs"} <= drawn
        source_of = {layer["source-layer"]: style["sources"][layer["source"]] for layer in style["layers"][1:]}
        seen: dict[str, set[str]] = {}
        for collection in ("enc_i_boylat", "enc_i_bridge", "enc_depare"):
            address = address_at(*_first_point(client, collection), 14)
            url = source_of[collection]["tiles"][0].replace("{z}", str(address.z)) \
                .replace("{y}", str(address.row)).replace("{x}", str(address.col))
            tile = client.get(url)
            assert tile.status_code == 200
            features = decode(tile.content).get(collection, {}).get("features", [])
            assert features, collection
            seen[collection] = set().union(*(feature["properties"] for feature in features))
        assert {"catlam", "colour"} <= seen["enc_i_boylat"]
        assert {"drval1", "drval2"} <= seen["enc_depare"]
        assert "verclr" in seen["enc_i_bridge"] or "horclr" in seen["enc_i_bridge"]
    store.close()


def _first_point(client: TestClient, collection: str) -> tuple[float, float]:
    """A point of the collection's first feature (lon, lat)."""
    feature = client.get(f"/collections/{collection}/items", params={"limit": 1}).json()["features"][0]
    coordinates = feature["geometry"]["coordinates"]
    while isinstance(coordinates[0], list):
        coordinates = coordinates[0]
    return float(coordinates[0]), float(coordinates[1])
