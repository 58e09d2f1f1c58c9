"""parse_filter: CQL2 text and JSON → validated, normalised CQL2 JSON, and the errors users see."""

from __future__ import annotations

import json

import pytest

from layers.errors import InvalidQuery
from layers.filters.parse import MAX_TEXT_LENGTH, parse_filter
from layers.model import FieldSpec, LayerDefinition

ROADS = LayerDefinition(
    id="roads", title_zh="道路", title_en="Roads", domain="highway", catalogue_code="JL-HW-001",
    geometry_type="LineString", temporal_field="inspected_at",
    fields=(
        FieldSpec(name="name", type="string", title_zh="名称"),
        FieldSpec(name="road_class", type="string", title_zh="等级",
                  enum=({"code": "national", "label_zh": "国道"}, {"code": "provincial", "label_zh": "省道"})),
        FieldSpec(name="lanes", type="integer", title_zh="车道数", minimum=1, maximum=8),
        FieldSpec(name="length_km", type="number", title_zh="里程"),
        FieldSpec(name="tolled", type="boolean", title_zh="收费"),
        FieldSpec(name="opened", type="date", title_zh="通车日期"),
        FieldSpec(name="inspected_at", type="datetime", title_zh="检查时间"),
    ),
)


def parse(text: str, lang: str | None = None, crs: str | None = None) -> dict:
    return parse_filter(text, lang, ROADS, crs)


def error(text: str, lang: str | None = None, crs: str | None = None) -> InvalidQuery:
    with pytest.raises(InvalidQuery) as caught:
        parse_filter(text, lang, ROADS, crs)
    return caught.value


def prop(name: str) -> dict:
    return {"property": name}


# -- text and JSON agree ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("lanes = 4", {"op": "=", "args": [prop("lanes"), 4]}),
    ("lanes <> 4", {"op": "<>", "args": [prop("lanes"), 4]}),
    ("length_km < 12.5", {"op": "<", "args": [prop("length_km"), 12.5]}),
    ("length_km <= 12", {"op": "<=", "args": [prop("length_km"), 12.0]}),
    ("lanes > 1.5", {"op": ">", "args": [prop("lanes"), 1.5]}),
    ("lanes >= '2'", {"op": ">=", "args": [prop("lanes"), 2]}),
    ("5 < lanes", {"op": ">", "args": [prop("lanes"), 5]}),
    ("name LIKE 'G1%'", {"op": "like", "args": [prop("name"), "G1%"]}),
    ("name NOT LIKE 'G1%'", {"op": "not", "args": [{"op": "like", "args": [prop("name"), "G1%"]}]}),
    ("road_class IN ('national', 'county')",
     {"op": "in", "args": [prop("road_class"), ["national", "county"]]}),
    ("lanes BETWEEN 2 AND 4", {"op": "between", "args": [prop("lanes"), 2, 4]}),
    ("name IS NULL", {"op": "isNull", "args": [prop("name")]}),
    ("name IS NOT NULL", {"op": "not", "args": [{"op": "isNull", "args": [prop("name")]}]}),
    ("tolled", {"op": "=", "args": [prop("tolled"), True]}),
    ("tolled = false", {"op": "=", "args": [prop("tolled"), False]}),
    ("id = 7", {"op": "=", "args": [prop("fid"), 7]}),
    ("fid IN (1, 2)", {"op": "in", "args": [prop("fid"), [1, 2]]}),
    ("name = 102", {"op": "=", "args": [prop("name"), "102"]}),
    ("lanes = length_km", {"op": "=", "args": [prop("lanes"), prop("length_km")]}),
    ("CASEI(name) = CASEI('G1 京哈')",
     {"op": "=", "args": [{"op": "casei", "args": [prop("name")]}, {"op": "casei", "args": ["G1 京哈"]}]}),
    ("lanes = 2 AND (tolled OR NOT name = 'x')",
     {"op": "and", "args": [
         {"op": "=", "args": [prop("lanes"), 2]},
         {"op": "or", "args": [{"op": "=", "args": [prop("tolled"), True]},
                               {"op": "not", "args": [{"op": "=", "args": [prop("name"), "x"]}]}]}]}),
])
def test_text_forms_normalise(text: str, expected: dict) -> None:
    assert parse(text) == expected
    # the normalised JSON is itself an accepted CQL2 JSON filter with the same meaning
    assert parse(json.dumps(expected), "cql2-json") == expected


def test_json_form_and_lang_spellings() -> None:
    body = {"op": "and", "args": [{"op": "=", "args": [{"property": "name"}, "G12"]},
                                  {"op": ">=", "args": [{"property": "length_km"}, 28]}]}
    expected = {"op": "and", "args": [{"op": "=", "args": [prop("name"), "G12"]},
                                      {"op": ">=", "args": [prop("length_km"), 28.0]}]}
    assert parse(json.dumps(body), "cql2-json") == expected
    assert parse("name = 'G12' AND length_km >= 28", "cql2-text") == expected
    assert parse("name = 'G12' AND length_km >= 28", None) == expected


def test_string_literal_stays_one_value() -> None:
    injected = parse("name = 'x''; DROP TABLE roads; --'")
    assert injected == {"op": "=", "args": [prop("name"), "x'; DROP TABLE roads; --"]}


def test_value_rules_of_a_field_do_not_limit_a_filter() -> None:
    # lanes has maximum 8 and road_class a code list: filters may still ask about other values
    assert parse("lanes > 10") == {"op": ">", "args": [prop("lanes"), 10]}
    assert parse("road_class <> 'county'") == {"op": "<>", "args": [prop("road_class"), "county"]}


# -- spatial ---------------------------------------------------------------------------------------

def test_spatial_operators_and_geometry_normalisation() -> None:
    for op in ("S_INTERSECTS", "S_EQUALS", "S_DISJOINT", "S_TOUCHES", "S_WITHIN", "S_OVERLAPS",
               "S_CROSSES", "S_CONTAINS"):
        result = parse(f"{op}(geom, POINT(125.3 43.8))")
        assert result == {"op": op.lower(), "args": [prop("geometry"),
                                                     {"type": "Point", "coordinates": [125.3, 43.8]}]}
    swapped = parse("S_WITHIN(POLYGON((125 43, 126 43, 126 44, 125 43)), geometry)")
    assert swapped["op"] == "s_contains" and swapped["args"][0] == prop("geometry")


def test_bbox_literal_becomes_polygon() -> None:
    result = parse("S_INTERSECTS(geometry, BBOX(125.2, 43.7, 125.4, 43.9))")
    ring = result["args"][1]["coordinates"][0]
    assert result["args"][1]["type"] == "Polygon"
    assert {tuple(p) for p in ring} == {(125.2, 43.7), (125.4, 43.7), (125.4, 43.9), (125.2, 43.9)}


def test_filter_crs_4490_is_latitude_first() -> None:
    result = parse("S_INTERSECTS(geometry, POINT(43.82 125.32))", crs="http://www.opengis.net/def/crs/EPSG/0/4490")
    assert result["args"][1] == {"type": "Point", "coordinates": [125.32, 43.82]}
    box = parse("S_INTERSECTS(geometry, BBOX(43.7, 125.2, 43.9, 125.4))", crs="EPSG:4490")
    assert {tuple(p) for p in box["args"][1]["coordinates"][0]} == {
        (125.2, 43.7), (125.4, 43.7), (125.4, 43.9), (125.2, 43.9)}


def test_filter_crs_3857_is_reprojected() -> None:
    # Changchun (125.32°E, 43.82°N) in Web Mercator
    result = parse("S_INTERSECTS(geometry, POINT(13950558.586 5437628.892))",
                   crs="http://www.opengis.net/def/crs/EPSG/0/3857")
    lon, lat = result["args"][1]["coordinates"]
    assert lon == pytest.approx(125.32, abs=1e-7)
    assert lat == pytest.approx(43.82, abs=1e-7)


def test_lon_lat_literal_under_lat_first_crs_is_reported() -> None:
    err = error("S_INTERSECTS(geometry, POINT(125.3 43.8))", crs="EPSG:4490")
    assert err.parameter == "filter" and "axis order" in err.message


def test_unknown_filter_crs() -> None:
    assert error("S_INTERSECTS(geometry, POINT(125 43))", crs="EPSG:2385").parameter == "filter-crs"


@pytest.mark.parametrize(("text", "meters"), [
    ("S_DWITHIN(geometry, POINT(125.3 43.8), 250, 'meters')", 250.0),
    ("S_DWITHIN(geometry, POINT(125.3 43.8), 250, 'm')", 250.0),
    ("S_DWITHIN(geometry, POINT(125.3 43.8), 2.5, 'km')", 2500.0),
    ("DWITHIN(geometry, POINT(125.3 43.8), 2, kilometers)", 2000.0),
    ("S_DWITHIN(geometry, POINT(125.3 43.8), 1, 'nautical miles')", 1852.0),
    ("S_DWITHIN(geometry, POINT(125.3 43.8), 40)", 40.0),
])
def test_dwithin_distance_in_meters(text: str, meters: float) -> None:
    result = parse(text)
    assert result["op"] == "s_dwithin"
    assert result["args"][2] == pytest.approx(meters) and result["args"][3] == "meters"


def test_dwithin_json_form() -> None:
    body = {"op": "s_dwithin", "args": [{"property": "geometry"},
                                        {"type": "Point", "coordinates": [125.3, 43.8]}, 3, "kilometers"]}
    assert parse(json.dumps(body), "cql2-json")["args"][2] == 3000.0


@pytest.mark.parametrize(("text", "fragment"), [
    ("S_DWITHIN(geometry, POINT(125.3 43.8), 5, 'parsecs')", "parsecs"),
    ("S_DWITHIN(geometry, POINT(125.3 43.8), -5, 'm')", "negative"),
    ("S_INTERSECTS(name, POINT(125.3 43.8))", "geometry property"),
    ("S_INTERSECTS(geometry, geometry)", "geometry literal"),
    ("geometry = 'POINT(1 2)'", "spatial operators"),
    ("S_INTERSECTS(geometry, POLYGON((125 43, 126 44, 126 43, 125 44, 125 43)))", "invalid geometry"),
])
def test_spatial_errors(text: str, fragment: str) -> None:
    err = error(text)
    assert err.parameter == "filter" and fragment in err.message


# -- temporal --------------------------------------------------------------------------------------

def test_temporal_literals_are_normalised_to_utc() -> None:
    naive = parse("inspected_at > TIMESTAMP('2024-05-03T08:00:00')")  # China time
    assert naive["args"][1] == {"timestamp": "2024-05-03T00:00:00Z"}
    offset = parse("inspected_at > TIMESTAMP('2024-05-03T08:00:00+08:00')")
    assert offset == naive
    assert parse("opened >= DATE('2020-01-01')")["args"][1] == {"date": "2020-01-01"}
    assert parse("opened >= '2020-01-01'")["args"][1] == {"date": "2020-01-01"}
    assert parse("inspected_at > '2024-05-03 08:00'") == naive
    interval = parse("T_INTERSECTS(inspected_at, INTERVAL('2024-05-03T08:00:00', '2024-05-04T00:00:00Z'))")
    assert interval["args"][1] == {"interval": ["2024-05-03T00:00:00Z", "2024-05-04T00:00:00Z"]}
    as_json = {"op": ">", "args": [{"property": "inspected_at"}, {"timestamp": "2024-05-03T08:00:00"}]}
    assert parse(json.dumps(as_json), "cql2-json") == naive
    # a string that only looks like a time stays as it is
    assert parse("name = '2024-05-03T08:00:00'")["args"][1] == "2024-05-03T08:00:00"


@pytest.mark.parametrize(("text", "expected"), [
    ("T_INTERSECTS(inspected_at, INTERVAL('2024-05-01', '..'))",
     {"op": "t_intersects", "args": [prop("inspected_at"), {"interval": ["2024-05-01", ".."]}]}),
    ("T_BEFORE(inspected_at, TIMESTAMP('2024-05-03T00:00:00Z'))",
     {"op": "t_before", "args": [prop("inspected_at"), {"timestamp": "2024-05-03T00:00:00Z"}]}),
    ("T_AFTER(opened, DATE('2020-01-01'))",
     {"op": "t_after", "args": [prop("opened"), {"date": "2020-01-01"}]}),
    ("T_AFTER(TIMESTAMP('2024-05-03T00:00:00Z'), inspected_at)",
     {"op": "t_before", "args": [prop("inspected_at"), {"timestamp": "2024-05-03T00:00:00Z"}]}),
    ("T_EQUALS(opened, DATE('2020-01-01'))",
     {"op": "t_equals", "args": [prop("opened"), {"date": "2020-01-01"}]}),
    ("T_DURING(inspected_at, INTERVAL('2024-01-01T00:00:00+08:00', '2024-12-31'))",
     {"op": "t_during", "args": [prop("inspected_at"), {"interval": ["2023-12-31T16:00:00Z", "2024-12-31"]}]}),
])
def test_temporal_operators(text: str, expected: dict) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("text", "fragment"), [
    ("T_BEFORE(name, DATE('2020-01-01'))", "date/datetime fields"),
    ("T_BEFORE(lanes, TIMESTAMP('2020-01-01T00:00:00Z'))", "'inspected_at'"),  # names the layer's time field
    ("T_INTERSECTS(opened, INTERVAL('2021-01-01', '2020-01-01'))", "starts after it ends"),
    ("T_DURING(opened, DATE('2020-01-01'))", "INTERVAL"),
    ("opened > DATE('2020-02-30')", "invalid date"),
    ("inspected_at > TIMESTAMP('yesterday')", "timestamp"),
    ("opened > 5", "DATE, TIMESTAMP"),
    ("lanes > DATE('2020-01-01')", "cannot be compared"),
])
def test_temporal_errors(text: str, fragment: str) -> None:
    err = error(text)
    assert err.parameter == "filter" and fragment in err.message


# -- errors ----------------------------------------------------------------------------------------

def test_text_syntax_error_gives_line_and_column() -> None:
    err = error("lanes = = 3")
    assert err.parameter == "filter"
    assert "1:9" in err.message and "line 1, column 9" in err.message
    multi = error("lanes = 3 AND\nname LIKE")
    assert "line 2" in multi.message


def test_json_syntax_error_gives_line_and_column() -> None:
    err = error('{"op": "=", "args": [{"property": "lanes"}, 3]', "cql2-json")
    assert err.parameter == "filter" and "line 1, column" in err.message
    assert error('{"x": 1}', "cql2-json").parameter == "filter"


def test_unknown_property_names_queryables() -> None:
    err = error("colour = 'red'")
    assert err.parameter == "filter"
    assert "colour" in err.message
    for name in ("name", "lanes", "inspected_at", "id", "geometry"):
        assert name in err.message
    assert "colour" in error('{"op": "isNull", "args": [{"property": "colour"}]}', "cql2-json").message


@pytest.mark.parametrize(("text", "fragment"), [
    ("lanes = 'four'", "not a number"),
    ("length_km < 'long'", "not a number"),
    ("lanes = true", "expects integer"),
    ("tolled = 'perhaps'", "boolean"),
    ("tolled > true", "only = and <>"),
    ("lanes LIKE '1%'", "string fields only"),
    ("name LIKE 'ab\\'", "escape character"),
    ("name = NULL", "IS NULL"),
    ("name = tolled", "cannot be compared"),
    ("name", "not a boolean"),
    ("1 = 1", "needs a property"),
    ("lanes IN (1, 'x')", "not a number"),
])
def test_wrong_types(text: str, fragment: str) -> None:
    err = error(text)
    assert err.parameter == "filter" and fragment in err.message


@pytest.mark.parametrize("text", [
    "lanes + 1 > 2", "ACCENTI(name) = 'x'", "A_CONTAINS(name, ('a'))", "upper(name) = 'X'",
    "T_MEETS(inspected_at, INTERVAL('2020-01-01', '2021-01-01'))",
])
def test_unsupported_operators(text: str) -> None:
    err = error(text)
    assert err.parameter == "filter" and "not supported" in err.message


def test_filter_lang() -> None:
    assert error("lanes = 1", "cql-text").parameter == "filter-lang"
    assert error("lanes = 1", "ecql").parameter == "filter-lang"


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_filter(text: str) -> None:
    assert error(text).parameter == "filter"


def test_deep_nesting_is_refused_not_fatal() -> None:
    # the Rust parser recurses per level: deep input must give an answer, never a crashed process
    deep = "(" * 5000 + "lanes = 1" + ")" * 5000
    assert parse(deep) == {"op": "=", "args": [prop("lanes"), 1]}
    assert parse("-" * 16_000 + "1 = lanes") == {"op": "=", "args": [prop("lanes"), 1]}
    assert error("lanes = " + "+".join(["1"] * 8_000)).parameter == "filter"
    nots = "NOT " * 2000 + "lanes = 1"
    assert "deeper" in error(nots).message
    assert error("x" * (MAX_TEXT_LENGTH + 1)).parameter == "filter"
    deep_json = '{"op": "not", "args": [' * 500 + "true" + "]}" * 500
    assert error(deep_json, "cql2-json").parameter == "filter"


def test_constant_filters() -> None:
    assert parse("TRUE") == {"op": "and", "args": [True]}
    assert parse("lanes = 1 OR FALSE") == {"op": "or", "args": [{"op": "=", "args": [prop("lanes"), 1]}, False]}


def test_without_large_parser_stacks_short_filters_still_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    import layers.filters.parse as module

    def refuse(size: int = 0) -> int:
        raise ValueError("no adjustable stacks here")

    monkeypatch.setattr(module.threading, "stack_size", refuse)
    assert parse("lanes = 1") == {"op": "=", "args": [prop("lanes"), 1]}
    long_filter = " OR ".join(["lanes = 1"] * 300)
    assert "longer than" in error(long_filter).message
