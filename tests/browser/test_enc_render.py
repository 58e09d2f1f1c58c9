"""The S-52 chart styles drawn by real headless Chromium over real third-party chart cells.

The IENC test exchange set (`5I7TEST1`, a river chart with buoys, bridges, harbour basins) and the
ECDIS Chart 1 depth cell `AA5C1HIO` are imported with the platform's own importer (`onemap enc
import`) into a temporary GeoPackage store; a OneMap server serves it; a bare page with the
platform's MapLibre shows `/styles/enc-{palette}?…`. What a mariner relies on, with every expected
answer taken from the Features API, the S-52 colour tables (`styles.enc.colours`) and the S-52
rules in plain Python (`styles.enc.mariner`), never from the page: depth areas, land, bridges,
lateral marks and soundings are drawn where the data has them; a buoy's shape follows BOYSHP and
its colour COLOUR; the pixels inside a deep depth area, inside land and outside the data are the
palette's DEPDW, LANDA and NODTA; a new safety depth re-colours depth areas without a new tile.
Screenshots (day, dusk, night and the ECDIS Chart 1 cell) go to test-artifacts/browser/.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from styles.enc.colours import palette
from styles.enc.mariner import MarinerSettings, seabed_token, sounding_token
from tests.browser.chart_page import (
    JUMP,
    PADDING,
    RESTYLE,
    ChartSite,
    assert_colour,
    clean_pixel,
    coverage,
    drawn_in_view,
    features,
    fit,
    hex_of,
    open_chart,
    pixels,
    placed,
    project,
    rendered,
    screenshot,
)
from tests.browser.conftest import REPO, PageWatch
from tests.enc.ingest_support import enc_path
from tests.live_server import start_server, stop_server

pytestmark = pytest.mark.xdist_group("browser")

TEST_SET = "ienc-test-cells-2.1/exchangeset/CATALOG.031"
DEPTH_CELL = "ecdis-chart-1/ENC_ROOT/AA5C1HIO.000"
#: The mariner settings the IENC expected displays were drawn with (docs/enc.md: harbour basins of
#: 3.2–4.6 m white, the 1.9 m channel pale blue).
IENC = MarinerSettings(safety_depth=1.8, shallow_contour=1, safety_contour=1.8, deep_contour=3)
#: The same with a deeper safety depth and safety contour, as the map's chart view sets them together.
DEEPER = MarinerSettings(safety_depth=2.5, shallow_contour=1, safety_contour=2.5, deep_contour=3)
#: S-57 COLOUR codes → S-52 chart colour tokens (white, black, red, green, yellow).
COLOUR_TOKENS = {"1": "CHWHT", "2": "CHBLK", "3": "CHRED", "4": "CHGRN", "6": "CHYLW"}


@pytest.fixture(scope="module")
def chart_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartSite]:
    """A OneMap server over a store holding the IENC test exchange set and one ECDIS Chart 1 cell."""
    cells = [enc_path(TEST_SET), enc_path(DEPTH_CELL)]
    workdir = tmp_path_factory.mktemp("enc-render")
    env = {**os.environ, "ONEMAP_DATABASE_URL": f"geopackage://{workdir / 'chart.gpkg'}",
           "ONEMAP_TILE_CACHE_DIR": str(workdir / "tiles"), "ONEMAP_SWEEP_SECONDS": "0"}
    for cell in cells:
        subprocess.run([sys.executable, "-m", "gis_server.cli.main", "enc", "import", str(cell)], env=env,
                       check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    proc, url = start_server(
        lambda port: [sys.executable, "-m", "uvicorn", "gis_server.asgi:app", "--port", str(port), "--no-access-log"],
        env, workdir, cwd=REPO)
    try:
        yield ChartSite(url)
    finally:
        stop_server(proc)


def style_url(palette_name: str, settings: MarinerSettings = MarinerSettings()) -> str:
    query = {"safety_depth": settings.safety_depth, "shallow_contour": settings.shallow_contour,
             "safety_contour": settings.safety_contour, "deep_contour": settings.deep_contour,
             "shades": settings.shades}
    return f"/styles/enc-{palette_name}?{urlencode(query)}"


def first_code(value: Any) -> str | None:
    return None if value in (None, "") else str(value).split(",")[0]


def sounding_text(depth: float) -> str:
    """S-52 SNDFRM as text: whole metres, then the truncated decimetre below 31 m; '-' for drying heights."""
    tenths = math.floor(abs(depth) * 10 + 1e-6)
    decimetre = tenths % 10 if abs(depth) < 31 and tenths % 10 else ""
    return f"{'-' if depth < 0 else ''}{tenths // 10}{decimetre}"


def expected_buoy_icon(properties: dict[str, Any]) -> str:
    """S-52 BOYLAT shapes as our sprite has them: BOYSHP 1 conical, 2 can, any other the pillar."""
    return {"1": "enc-buoy-cone", "2": "enc-buoy-can"}.get(first_code(properties["boyshp"]) or "", "enc-buoy")


#: What the test cell must show where its data are: collection → (style layer, how it is drawn).
DRAWN = {"enc_depare": ("enc_depare-fill", "area"), "enc_drgare": ("enc_drgare-fill", "area"),
         "enc_lndare": ("enc_lndare-fill", "area"), "enc_i_bridge": ("enc_i_bridge-outline", "outline"),
         "enc_i_boylat": ("enc_i_boylat-icon", "mark"), "enc_i_bcnlat": ("enc_i_bcnlat-icon", "mark")}
#: Below a layer's full-detail zoom the platform's generic tile thinning (`tiles/plan.py`) drops areas
#: whose larger side is under 4 pixels of a 256-pixel tile (docs/enc.md); chart layers are thinned up to z21.
THINNED_UNDER_PX = 4


def thinned_under_m(tile_zoom: int, lat: float) -> float:
    """The extent (metres) under which an area may be missing from the tiles of `tile_zoom`."""
    return THINNED_UNDER_PX * 2 * math.pi * 6_378_137 * math.cos(math.radians(lat)) / 256 / 2 ** tile_zoom


def quadrants(bounds: tuple[float, float, float, float]) -> dict[str, tuple[float, float, float, float]]:
    """The cell's four quarters, named like the expected displays TEST1_2_NW … TEST1_2_SE."""
    minx, miny, maxx, maxy = bounds
    midx, midy = (minx + maxx) / 2, (miny + maxy) / 2
    return {"NW": (minx, midy, midx, maxy), "NE": (midx, midy, maxx, maxy),
            "SW": (minx, miny, midx, midy), "SE": (midx, miny, maxx, midy)}


def extent_m(geometry: BaseGeometry) -> float:
    minx, miny, maxx, maxy = geometry.bounds
    return max((maxx - minx) * 111_320 * math.cos(math.radians(miny)), (maxy - miny) * 110_574)


# -- the tests ----------------------------------------------------------------------------------------
def test_the_ienc_test_cell_draws_depth_areas_land_bridges_marks_and_soundings_where_it_has_them(
        chart_site: ChartSite, page: tuple[Any, PageWatch]) -> None:
    opened, watch = page
    bounds = coverage(chart_site, "5I7TEST1")
    zoom = open_chart(opened, chart_site, style_url("day", IENC), bounds)
    assert 12 < zoom < 14  # the whole cell in the window
    screenshot(opened, "5I7TEST1-cell")
    data = {collection: features(chart_site, collection, "5I7TEST1") for collection in DRAWN}
    assert len(data["enc_i_bridge"]) == 13 and len(data["enc_i_boylat"]) == 38 and len(data["enc_i_bcnlat"]) == 29

    # the four quarters at about the expected displays' scale (1:12 000): each feature drawn where it is
    seen: dict[str, bool] = {}
    for name, quarter in quadrants(bounds).items():
        zoom = fit(opened, quarter)
        assert 14 <= zoom < 15
        keys = [f"{collection} {f['properties']['foid']}" for collection in DRAWN for f in data[collection]]
        items = [placed(f, *DRAWN[collection]) for collection in DRAWN for f in data[collection]]
        for key, verdict in zip(keys, drawn_in_view(opened, items), strict=True):
            if verdict is not None:
                seen[key] = seen.get(key, False) or verdict
        screenshot(opened, f"5I7TEST1-{name}-day")
    expected = {f"{collection} {f['properties']['foid']}": f for collection in DRAWN for f in data[collection]}
    assert sorted(seen) == sorted(expected)  # each one's place was in some quarter
    missed = [key for key, drawn in seen.items() if not drawn]
    limit = thinned_under_m(14, bounds[1])
    assert all(key.startswith("enc_lndare") and extent_m(shape(expected[key]["geometry"])) < limit
               for key in missed), missed
    for key in missed:  # the islets the tiles thin out at z14 are drawn closer in
        point = shape(expected[key]["geometry"]).representative_point()
        opened.evaluate(JUMP, [point.x, point.y, 15])
        assert drawn_in_view(opened, [placed(expected[key], "enc_lndare-fill", "area")]) == [True], key

    # lateral marks: shape from BOYSHP, colour from the first COLOUR code, in the day palette
    colours = palette("day")
    fit(opened, bounds)
    for collection in ("enc_i_boylat", "enc_i_bcnlat"):
        marks = {f["properties"]["foid"]: f["properties"] for f in data[collection]}
        for drawn in rendered(opened, [f"{collection}-icon"]):
            properties = marks[drawn["foid"]]
            assert hex_of(drawn["icon_color"]) == colours[COLOUR_TOKENS[first_code(properties["colour"]) or ""]]
            if collection == "enc_i_boylat":
                assert drawn["icon"] == expected_buoy_icon(properties), drawn["foid"]
    shapes = {f["icon"] for f in rendered(opened, ["enc_i_boylat-icon"])}
    assert shapes == {"enc-buoy-can", "enc-buoy-cone", "enc-buoy"}  # the cell has cans, cones and pillars/spars

    # closer in, each bridge span with a clearance says it (further out neighbouring spans' labels collide)
    wanted = {}
    for bridge in data["enc_i_bridge"]:
        props = bridge["properties"]
        if props.get("verclr") is not None:
            texts = [f"净空 {props['verclr']:.1f} m"]
        else:  # an opening bridge: its clearance closed
            texts = [f"净空（关）{props['verccl']:.1f} m"] if props.get("verccl") is not None else []
        texts += [f"净宽 {props['horclr']:.1f} m"] if props.get("horclr") is not None else []
        if texts:
            wanted[props["foid"]] = (shape(bridge["geometry"]).centroid, texts)
    assert len(wanted) == 9
    unread = dict(wanted)
    while unread:  # one close view per group of neighbouring spans
        centre, _ = next(iter(unread.values()))
        opened.evaluate(JUMP, [centre.x, centre.y, 18])
        labels = rendered(opened, ["enc_i_bridge-label"])
        read = [foid for foid, (_, texts) in unread.items()
                if any(all(t in f["text"] for t in texts) for f in labels if f["foid"] == foid)]
        assert read, f"bridge {next(iter(unread))}: no clearance label at z18"
        for foid in read:
            del unread[foid]

    # the cell's one sounding (5.0 m) loses MapLibre's label collision to the distance marks and
    # lateral marks round it at the cell's scale (docs/enc.md); closer in it is drawn where it lies
    [sounding] = features(chart_site, "enc_soundg", "5I7TEST1")
    lon, lat = sounding["geometry"]["coordinates"][0]
    opened.evaluate(JUMP, [lon, lat, 15.5])
    x, y = project(opened, lon, lat)
    [drawn_sounding] = rendered(opened, ["enc_soundg-label"], [[x - 4, y - 4], [x + 4, y + 4]])
    depth = sounding["properties"]["depth"]
    assert drawn_sounding["text"] == sounding_text(depth) == "5"
    assert hex_of(drawn_sounding["text_color"]) == colours[sounding_token(depth, IENC)] == colours["SNDG1"]
    assert watch.problems == []


def test_each_palette_paints_deep_water_land_and_no_data_in_its_s52_colours(
        chart_site: ChartSite, page: tuple[Any, PageWatch]) -> None:
    opened, watch = page
    open_chart(opened, chart_site, style_url("day", IENC), coverage(chart_site, "5I7TEST1"))
    areas = [(collection, f) for collection in ("enc_drgare", "enc_depare")
             for f in features(chart_site, collection, "5I7TEST1")
             if seabed_token(f["properties"].get("drval1"), f["properties"].get("drval2"), IENC) == "DEPDW"]
    collection, deep = max(areas, key=lambda pair: shape(pair[1]["geometry"]).area)  # the largest harbour basin
    land = max(features(chart_site, "enc_lndare", "5I7TEST1"), key=lambda f: shape(f["geometry"]).area)
    deep_xy = clean_pixel(opened, shape(deep["geometry"]), f"{collection}-fill", deep["properties"]["foid"])
    land_xy = clean_pixel(opened, shape(land["geometry"]), "enc_lndare-fill", land["properties"]["foid"])
    corner = (PADDING // 2, PADDING // 2)
    box = [[corner[0] - 3, corner[1] - 3], [corner[0] + 3, corner[1] + 3]]
    assert rendered(opened, None, box) == []  # outside the cell's coverage nothing is drawn but the background

    backgrounds = {}
    for name in ("day", "dusk", "night"):
        settings = opened.evaluate(RESTYLE, style_url(name, IENC))
        assert settings["safety_contour"] == IENC.safety_contour
        colours = palette(name)
        screen = pixels(opened)
        assert_colour(screen, deep_xy, colours["DEPDW"], f"{name}: harbour basin DRVAL1 {deep['properties']['drval1']}")
        assert_colour(screen, land_xy, colours["LANDA"], f"{name}: land")
        assert_colour(screen, corner, colours["NODTA"], f"{name}: no data")
        backgrounds[name] = tuple(screen[corner[1], corner[0]])
        screenshot(opened, f"5I7TEST1-{name}")
    assert len(set(backgrounds.values())) == 3  # day, dusk and night backgrounds all differ
    assert watch.problems == []


def test_a_new_safety_depth_recolours_the_depth_areas_without_new_tiles(
        chart_site: ChartSite, page: tuple[Any, PageWatch]) -> None:
    opened, watch = page
    open_chart(opened, chart_site, style_url("day", IENC), coverage(chart_site, "5I7TEST1"))
    channel = max((f for f in features(chart_site, "enc_depare", "5I7TEST1") if f["properties"].get("drval1") == 1.9),
                  key=lambda f: shape(f["geometry"]).area)
    before = seabed_token(1.9, channel["properties"].get("drval2"), IENC)
    after = seabed_token(1.9, channel["properties"].get("drval2"), DEEPER)
    assert (before, after) == ("DEPMD", "DEPMS")  # beyond the 1.8 m safety contour, then inside the 2.5 m one
    xy = clean_pixel(opened, shape(channel["geometry"]), "enc_depare-fill", channel["properties"]["foid"])
    colours = palette("day")
    assert_colour(pixels(opened), xy, colours[before], "channel, safety contour 1.8 m")

    tiles: list[str] = []
    opened.on("request", lambda request: tiles.append(request.url) if "/tiles/" in request.url else None)
    settings = opened.evaluate(RESTYLE, style_url("day", DEEPER))
    assert settings["safety_depth"] == DEEPER.safety_depth and settings["safety_contour"] == DEEPER.safety_contour
    assert_colour(pixels(opened), xy, colours[after], "channel, safety contour 2.5 m")
    assert tiles == []
    assert watch.problems == []


def test_the_ecdis_chart_1_depth_cell_shades_every_depth_area_and_sounding_by_the_default_settings(
        chart_site: ChartSite, page: tuple[Any, PageWatch]) -> None:
    opened, watch = page
    settings = MarinerSettings()  # the ECDIS Chart 1 plots' settings: 5 / 10 / 30 m, safety depth 8 m, four shades
    open_chart(opened, chart_site, style_url("day", settings), coverage(chart_site, "AA5C1HIO"))
    screen = pixels(opened)
    colours = palette("day")
    tokens = set()
    for area in features(chart_site, "enc_depare", "AA5C1HIO"):
        props = area["properties"]
        token = seabed_token(props.get("drval1"), props.get("drval2"), settings)
        xy = clean_pixel(opened, shape(area["geometry"]), "enc_depare-fill", props["foid"])
        assert_colour(screen, xy, colours[token], f"depth area {props.get('drval1')}–{props.get('drval2')} m")
        tokens.add(token)
    assert tokens == {"DEPIT", "DEPVS", "DEPMS", "DEPMD", "DEPDW"}  # drying and all four shades

    soundings = features(chart_site, "enc_soundg", "AA5C1HIO")
    assert len(rendered(opened, ["enc_soundg-label"])) == len(soundings)
    for sounding in soundings:
        x, y = project(opened, *sounding["geometry"]["coordinates"][0])
        here = rendered(opened, ["enc_soundg-label"], [[x - 3, y - 3], [x + 3, y + 3]])
        depth = sounding["properties"]["depth"]
        assert any(f["text"] == sounding_text(depth)
                   and hex_of(f["text_color"]) == colours[sounding_token(depth, settings)] for f in here), depth
    screenshot(opened, "AA5C1HIO-day")
    assert watch.problems == []
