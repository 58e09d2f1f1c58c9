"""The committed base-geography samples (data/samples/base): valid against the layer declarations,
lying where they should in Jilin, consistent in their stake numbering, and exactly what the
generator makes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import LineString, Point, shape
from shapely.ops import substring

from domains.base import LAYER_IDS, layer_file, sample_dir
from domains.base.boundaries import province
from domains.base.generate import generate
from domains.base.geography import FENGMAN_DAM, JILIN_CITY, PREFECTURES, WOLONGTAN, place
from layers.registry import load_layer_file
from layers.validation import validate_feature

GEOD = Geod(ellps="GRS80")
REPO = Path(__file__).resolve().parents[2]
ON_LINE = 1e-5  # degrees (~1 m): how far a point "on" a line may lie from it after 6-decimal rounding


def metres(geometry: shapely.Geometry) -> float:
    return float(GEOD.geometry_length(geometry))


@pytest.fixture(scope="module")
def layers():
    return {layer.id: layer for layer in load_layer_file(layer_file())}


@pytest.fixture(scope="module")
def samples() -> dict[str, list[dict]]:
    result = {}
    for layer_id in LAYER_IDS:
        collection = json.loads((sample_dir() / f"{layer_id}.geojson").read_text(encoding="utf-8"))
        assert collection["type"] == "FeatureCollection"
        result[layer_id] = collection["features"]
    return result


@pytest.fixture(scope="module")
def sections(samples) -> dict[str, list[tuple[dict, shapely.Geometry]]]:
    """Road sections by route, in stake order."""
    by_route: dict[str, list[tuple[dict, shapely.Geometry]]] = defaultdict(list)
    for f in samples["roads"]:
        by_route[f["properties"]["route_code"]].append((f["properties"], shape(f["geometry"])))
    for items in by_route.values():
        items.sort(key=lambda item: item[0]["start_stake_m"])
    return by_route


def section_at(sections, route_code: str, stake_m: int) -> tuple[dict, shapely.Geometry]:
    for props, geometry in sections[route_code]:
        if props["start_stake_m"] <= stake_m <= props["end_stake_m"]:
            return props, geometry
    raise AssertionError(f"no section of {route_code} covers stake {stake_m}")


def stake_along(props: dict, geometry: shapely.Geometry, point: Point) -> float:
    """The stake of a point on a section: its start stake plus the geodesic distance along it."""
    line = geometry.geoms[0]
    return props["start_stake_m"] + metres(substring(line, 0, line.project(point)))


# --- declarations and validity -------------------------------------------------------------

def test_declarations_describe_the_nine_base_layers(layers):
    assert tuple(layers) == LAYER_IDS
    codes = [layer.catalogue_code for layer in layers.values()]
    assert codes == [f"JL-JT-JC-{n:04d}" for n in range(1, 10)]
    assert len({layer.style_id for layer in layers.values()}) == 9
    for layer in layers.values():
        assert layer.domain == "base"
        assert layer.valid_extent == (120.5, 40.0, 132.0, 47.0)
        assert layer.min_zoom < layer.max_zoom
        assert all(spec.title_zh for spec in layer.fields)
        assert all(entry.label_zh for spec in layer.fields for entry in spec.enum or ())
    assert layers["bridges"].field("load_limit_t").unit == "t"
    assert layers["bridges"].field("clearance_m").unit == "m"
    assert layers["bridges"].field("tech_grade").label_of(5) == "5类（危险）"
    assert layers["roads"].field("road_class").label_of("expressway") == "高速公路"


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_every_feature_validates_against_its_layer(layers, samples, layer_id):
    layer = layers[layer_id]
    ids = set()
    for feature in samples[layer_id]:
        record = validate_feature(layer, feature)
        assert set(record.properties) == set(layer.field_names), feature["id"]
        ids.add(feature["id"])
    assert len(ids) == len(samples[layer_id]), "feature ids repeat"


def test_feature_counts(samples):
    counts = {layer_id: len(features) for layer_id, features in samples.items()}
    assert counts["prefectures"] == 9
    assert counts["cities"] == 9
    assert 200 <= counts["roads"] <= 600
    assert 4000 <= counts["stakes"] <= 10000
    assert 200 <= counts["bridges"] <= 600
    assert 40 <= counts["toll_stations"] <= 150
    assert 30 <= counts["service_areas"] <= 120
    assert counts["river_centerline"] == counts["river_area"] == 3


def test_files_are_small_and_coordinates_have_six_decimals():
    files = [sample_dir() / f"{layer_id}.geojson" for layer_id in LAYER_IDS]
    assert sum(path.stat().st_size for path in files) < 8 * 1024 * 1024
    for path in files:
        assert not re.search(r"\d\.\d{7,}", path.read_text(encoding="utf-8")), path.name


# --- where things are -----------------------------------------------------------------------

def test_prefectures_tile_the_province(samples):
    polygons = {f["properties"]["adcode"]: shape(f["geometry"]) for f in samples["prefectures"]}
    assert set(polygons) == {p.adcode for p in PREFECTURES}
    geometries = list(polygons.values())
    assert shapely.coverage_is_valid(geometries)  # edges match: no overlaps, no slivers
    union = shapely.union_all(geometries)
    outline = province()
    assert abs(sum(g.area for g in geometries) - union.area) < 1e-9 * outline.area  # no overlaps
    assert shapely.symmetric_difference(union, outline).area < 1e-9 * outline.area  # no gaps
    assert union.geom_type == "Polygon" and not union.interiors
    assert all(len(g.geoms) == 1 for g in geometries), "every prefecture is one piece"
    minx, miny, maxx, maxy = outline.bounds
    assert 121.4 < minx < 121.8 and 131.1 < maxx < 131.5 and 40.7 < miny < 41.0 and 46.1 < maxy < 46.5


def test_seats_lie_in_their_prefectures(samples):
    polygons = {f["properties"]["adcode"]: shape(f["geometry"]) for f in samples["prefectures"]}
    seats = {f["properties"]["adcode"]: f for f in samples["cities"]}
    for prefecture in PREFECTURES:
        seat = seats[prefecture.adcode]
        point = shape(seat["geometry"])
        assert (point.x, point.y) == (prefecture.lon, prefecture.lat)
        inside = [adcode for adcode, polygon in polygons.items() if polygon.contains(point)]
        assert inside == [prefecture.adcode], prefecture.name_zh
    assert [a for a, f in seats.items() if f["properties"]["is_capital"]] == ["220100"]
    assert seats["222400"]["properties"]["name_zh"] == "延吉市"


def test_point_features_carry_the_prefecture_they_lie_in(samples):
    polygons = {f["properties"]["adcode"]: shape(f["geometry"]) for f in samples["prefectures"]}
    shapely.prepare(list(polygons.values()))
    for layer_id in ("stakes", "bridges", "toll_stations", "service_areas"):
        for f in samples[layer_id]:
            point = shape(f["geometry"])
            assert polygons[f["properties"]["adcode"]].covers(point), (layer_id, f["id"])


@pytest.mark.parametrize("layer_id", ["roads", "stakes", "bridges", "toll_stations", "service_areas",
                                      "river_centerline", "river_area"])
def test_features_lie_inside_jilin(samples, layer_id):
    inside = province().buffer(ON_LINE)
    shapely.prepare(inside)
    outside = [f["id"] for f in samples[layer_id] if not inside.covers(shape(f["geometry"]))]
    assert outside == []


# --- roads and stake numbering ---------------------------------------------------------------

def test_sections_are_continuous_and_measured(sections):
    assert {"G1", "G12", "G102", "G302", "G202"} <= set(sections)
    for route_code, items in sections.items():
        for (a, geom_a), (b, geom_b) in pairwise(items):
            assert b["start_stake_m"] == a["end_stake_m"], route_code
            assert geom_a.geoms[0].coords[-1] == geom_b.geoms[0].coords[0], route_code
            assert b["start_stake_m"] % 1000 == 0  # inner section ends are whole kilometres
        for props, geometry in items:
            span = props["end_stake_m"] - props["start_stake_m"]
            assert abs(metres(geometry) - span) < 2.0, props["section_code"]
            assert abs(props["length_km"] * 1000 - span) < 2.0, props["section_code"]
            assert 5_000 <= span <= 35_000, props["section_code"]
            assert len(geometry.geoms[0].coords) > 10  # a winding road, not a straight segment


def test_route_stakes_start_where_national_mileage_puts_them(sections, samples):
    g12_start = Point(sections["G12"][0][1].geoms[0].coords[0])
    assert sections["G12"][0][0]["start_stake_m"] == 0
    assert metres(LineString([g12_start, Point(place("珲春"))])) < 3000  # G12 begins at Hunchun
    g1_first = sections["G1"][0][0]
    assert 800_000 <= g1_first["start_stake_m"] <= 900_000  # G1 enters from Liaoning around K830
    assert sections["G1"][0][1].geoms[0].coords[0][1] < 43.17  # … south of Siping
    k1023 = next(f for f in samples["stakes"] if f["properties"]["label"] == "G1 K1023+000")
    lat = k1023["geometry"]["coordinates"][1]
    assert JILIN_CITY[1] - 0.05 < lat < place("德惠")[1]  # between Changchun and Dehui


def test_kilometre_posts_lie_on_their_route_at_their_stake(samples, sections):
    per_route: dict[str, list[int]] = defaultdict(list)
    for f in samples["stakes"]:
        props = f["properties"]
        km, rest = divmod(props["stake_m"], 1000)
        assert rest == 0 and props["label"] == f"{props['route_code']} K{km}+000"
        section, geometry = section_at(sections, props["route_code"], props["stake_m"])
        point = shape(f["geometry"])
        assert geometry.distance(point) < ON_LINE
        assert abs(stake_along(section, geometry, point) - props["stake_m"]) < 2.0
        per_route[props["route_code"]].append(km)
    for route_code, items in sections.items():
        first, last = items[0][0]["start_stake_m"], items[-1][0]["end_stake_m"]
        expected = list(range(-(-first // 1000), last // 1000 + 1))
        assert sorted(per_route[route_code]) == expected, route_code


@pytest.mark.parametrize("layer_id", ["bridges", "toll_stations", "service_areas"])
def test_structures_sit_on_their_route_at_their_stake(samples, sections, layer_id):
    for f in samples[layer_id]:
        props = f["properties"]
        section, geometry = section_at(sections, props["route_code"], props["stake_m"])
        point = shape(f["geometry"])
        assert geometry.distance(point) < ON_LINE, f["id"]
        assert abs(stake_along(section, geometry, point) - props["stake_m"]) < 2.0, f["id"]
        if layer_id != "bridges":
            assert section["road_class"] == "expressway"


def test_bridge_codes_and_grades(samples):
    grades = defaultdict(int)
    for f in samples["bridges"]:
        props = f["properties"]
        assert props["bridge_code"] == f"{props['route_code']}L{props['stake_m']:07d}"
        grades[props["tech_grade"]] += 1
        if props["tech_grade"] >= 4:
            assert props["load_limit_t"] <= 30  # a poor bridge is load-restricted
        assert 4.0 <= props["clearance_m"] <= 6.0
    assert grades[1] + grades[2] > len(samples["bridges"]) / 2  # most bridges are in good condition
    assert grades[4] + grades[5] > 0  # … but some are restricted


def test_every_songhua_crossing_has_a_bridge(samples):
    river = shapely.union_all([shape(f["geometry"]) for f in samples["river_centerline"]])
    songhua = [f for f in samples["bridges"] if river.distance(shape(f["geometry"])) < ON_LINE]
    assert len(songhua) >= 4
    assert all("松花江" in f["properties"]["name_zh"] and f["properties"]["bridge_type"] == "river"
               for f in songhua)
    assert len({f["properties"]["name_zh"] for f in songhua}) == len(songhua)
    in_jilin = [f for f in songhua if metres(LineString([shape(f["geometry"]), Point(JILIN_CITY)])) < 5000]
    assert in_jilin, "roads cross the Songhua in Jilin City"
    for f in samples["roads"]:
        crossings = shape(f["geometry"]).intersection(river)
        for crossing in [] if crossings.is_empty else shapely.get_parts(crossings):
            near = [b for b in songhua if b["properties"]["route_code"] == f["properties"]["route_code"]
                    and crossing.distance(shape(b["geometry"])) < 0.001]
            assert near, f"no bridge where {f['id']} crosses the Songhua"


# --- the river --------------------------------------------------------------------------------

def test_river_runs_from_fengman_dam_through_jilin_city(samples):
    reaches = {f["properties"]["reach_code"]: f for f in samples["river_centerline"]}
    pilot = reaches["FM-WLT"]
    line = shape(pilot["geometry"])
    assert line.coords[0] == FENGMAN_DAM
    assert pilot["properties"]["start_chainage_m"] == 0
    assert metres(LineString([line.interpolate(line.project(Point(JILIN_CITY))), Point(JILIN_CITY)])) < 300
    assert 25_000 < metres(line) < 35_000  # the ENC pilot reach is about 30 km
    assert line.coords[-1] == WOLONGTAN and WOLONGTAN[1] > JILIN_CITY[1]  # Wolongtan is north of the city
    assert [f["properties"]["is_pilot"] for f in samples["river_centerline"]] == [True, False, False]
    ordered = [f["properties"] for f in samples["river_centerline"]]
    for a, b in pairwise(ordered):
        assert a["end_chainage_m"] == b["start_chainage_m"]
    for f in samples["river_centerline"]:
        props = f["properties"]
        assert abs(metres(shape(f["geometry"])) - (props["end_chainage_m"] - props["start_chainage_m"])) < 2
    assert shape(samples["river_centerline"][-1]["geometry"]).coords[-1][1] > place("松原")[1]


def test_river_area_covers_the_centre_line_at_plausible_widths(samples):
    lines = {f["properties"]["reach_code"]: shape(f["geometry"]) for f in samples["river_centerline"]}
    for f in samples["river_area"]:
        props = f["properties"]
        area = shape(f["geometry"])
        line = lines[props["reach_code"]]
        assert area.buffer(ON_LINE).covers(line)
        mean_width = props["area_km2"] * 1e6 / metres(line)
        assert 200 <= props["min_width_m"] <= mean_width <= props["max_width_m"] <= 600
    areas = [shape(f["geometry"]) for f in samples["river_area"]]
    assert shapely.union_all(areas).area == pytest.approx(sum(a.area for a in areas), rel=1e-6)


# --- the generator ---------------------------------------------------------------------------

def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path, samples):
    counts = generate(tmp_path)
    assert list(counts.items()) == [(layer_id, len(samples[layer_id])) for layer_id in LAYER_IDS]
    for layer_id in LAYER_IDS:
        name = f"{layer_id}.geojson"
        assert (tmp_path / name).read_bytes() == (sample_dir() / name).read_bytes(), name


def test_generator_runs_as_a_module(tmp_path):
    result = subprocess.run([sys.executable, "-m", "domains.base.generate", str(tmp_path)],
                            cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{i}.geojson" for i in LAYER_IDS)
