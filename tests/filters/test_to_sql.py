"""CQL2 → SQL, executed: parse_filter → FeatureQuery(cql=…) → each real store (GeoPackage and PostGIS)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from pyproj import Geod
from shapely.geometry import Point
from sqlalchemy.dialects import postgresql, sqlite

from layers.filters.parse import parse_filter
from layers.filters.to_sql import cql_to_sql, like_to_glob
from layers.model import FieldSpec, LayerDefinition
from layers.query import FeatureQuery
from layers.stores.base import FeatureRecord
from layers.validation import check_properties

INJECTION = "x'; DROP TABLE stations; --"

STATIONS = LayerDefinition(
    id="stations", title_zh="服务站点", title_en="Stations", domain="highway", catalogue_code="JL-HW-009",
    geometry_type="Point", temporal_field="inspected_at",
    fields=(
        FieldSpec(name="name", type="string", title_zh="名称"),
        FieldSpec(name="kind", type="string", title_zh="类型"),
        FieldSpec(name="lanes", type="integer", title_zh="车道数"),
        FieldSpec(name="length_km", type="number", title_zh="里程"),
        FieldSpec(name="tolled", type="boolean", title_zh="收费"),
        FieldSpec(name="opened", type="date", title_zh="开通日期"),
        FieldSpec(name="inspected_at", type="datetime", title_zh="检查时间"),
    ),
)

#: name → (lon, lat, properties). alpha and beta are ~800 m apart in Changchun.
ROWS: dict[str, tuple[float, float, dict[str, Any]]] = {
    "alpha": (125.30, 43.80, {"kind": "toll", "lanes": 4, "length_km": 12.5, "tolled": True,
                              "opened": "2020-01-01", "inspected_at": "2024-05-01T09:00:00+08:00"}),
    "beta": (125.31, 43.80, {"kind": None, "lanes": 2, "length_km": 30.0, "tolled": False,
                             "opened": "2021-06-15", "inspected_at": "2024-05-02T23:30:00+08:00"}),
    # 00:30 on 3 May in China is still 2 May in UTC
    "Gamma": (126.55, 43.84, {"kind": "service", "lanes": 6, "length_km": 55.5, "tolled": True,
                              "opened": "2019-12-31", "inspected_at": "2024-05-03T00:30:00+08:00"}),
    INJECTION: (125.50, 44.00, {"kind": "toll"}),
    "a_b%c": (124.35, 43.17, {"kind": "rest", "lanes": 3, "length_km": 1.0, "tolled": False,
                              "opened": "2022-02-02", "inspected_at": "2024-06-01T00:00:00Z"}),
}
ALL = sorted(ROWS)
ALPHA_BETA_METRES = Geod(ellps="GRS80").inv(125.30, 43.80, 125.31, 43.80)[2]


@pytest.fixture
def stations(store_factory: Callable[[], Any]) -> tuple[Any, dict[str, int]]:
    store = store_factory()
    store.register_layer(STATIONS)
    records = [FeatureRecord(geometry=Point(lon, lat),
                             properties=check_properties(STATIONS, {"name": name, **props}))
               for name, (lon, lat, props) in ROWS.items()]
    fids = store.insert(STATIONS, records)
    return store, dict(zip(ROWS, fids, strict=True))


def names(store: Any, text: str, lang: str | None = None, crs: str | None = None) -> list[str]:
    query = FeatureQuery(cql=parse_filter(text, lang, STATIONS, crs), limit=100)
    page = store.query(STATIONS, query)
    return sorted(f["properties"]["name"] for f in json.loads(page.features_json))


SCENARIOS: list[tuple[str, list[str]]] = [
    # comparisons, SQL NULL semantics (a NULL never equals nor differs)
    ("lanes = 4", ["alpha"]),
    ("lanes <> 4", ["Gamma", "a_b%c", "beta"]),
    ("lanes > 2 AND lanes <= 6", ["Gamma", "a_b%c", "alpha"]),
    ("5 < lanes", ["Gamma"]),
    ("length_km >= 30", ["Gamma", "beta"]),
    ("lanes > 2.5", ["Gamma", "a_b%c", "alpha"]),
    ("kind <> 'toll'", ["Gamma", "a_b%c"]),
    ("name = 'ALPHA'", []),
    ("CASEI(name) = CASEI('ALPHA')", ["alpha"]),
    # LIKE: CQL2 wildcards, escape \, case-sensitive on both stores
    ("name LIKE 'a%'", ["a_b%c", "alpha"]),
    ("name LIKE 'g%'", []),
    ("CASEI(name) LIKE CASEI('g%')", ["Gamma"]),
    ("name LIKE '_eta'", ["beta"]),
    ("name LIKE 'a\\_b\\%c'", ["a_b%c"]),
    ("name LIKE 'a\\_%'", ["a_b%c"]),
    ("name NOT LIKE '%a'", ["a_b%c", INJECTION]),
    # IN, BETWEEN, IS NULL
    ("name IN ('alpha', 'Gamma', 'nobody')", ["Gamma", "alpha"]),
    ("lanes NOT IN (2, 4)", ["Gamma", "a_b%c"]),
    ("length_km BETWEEN 10 AND 30", ["alpha", "beta"]),
    ("lanes IS NULL", [INJECTION]),
    ("kind IS NOT NULL", ["Gamma", "a_b%c", "alpha", INJECTION]),
    # booleans and logic
    ("tolled", ["Gamma", "alpha"]),
    ("tolled = false", ["a_b%c", "beta"]),
    ("NOT tolled", ["a_b%c", "beta"]),
    ("NOT (lanes = 4 OR lanes = 6)", ["a_b%c", "beta"]),
    ("(lanes = 4 OR kind = 'rest') AND NOT tolled", ["a_b%c"]),
    ("TRUE", ALL),
    ("FALSE", []),
    # spatial
    ("S_INTERSECTS(geometry, BBOX(125.2, 43.7, 125.35, 43.9))", ["alpha", "beta"]),
    ("S_WITHIN(geometry, POLYGON((125.0 43.5, 125.8 43.5, 125.8 44.2, 125.0 44.2, 125.0 43.5)))",
     ["alpha", "beta", INJECTION]),
    ("S_CONTAINS(POLYGON((125.0 43.5, 125.8 43.5, 125.8 44.2, 125.0 44.2, 125.0 43.5)), geom)",
     ["alpha", "beta", INJECTION]),
    ("S_DISJOINT(geometry, BBOX(125.2, 43.7, 125.35, 43.9))", ["Gamma", "a_b%c", INJECTION]),
    ("S_EQUALS(geometry, POINT(126.55 43.84))", ["Gamma"]),
    # temporal: dates on a datetime column are whole days in China time
    ("T_INTERSECTS(inspected_at, INTERVAL('2024-05-02', '2024-05-02'))", ["beta"]),
    ("T_INTERSECTS(inspected_at, INTERVAL('2024-05-02T00:00:00Z', '2024-05-02T23:59:59Z'))", ["Gamma", "beta"]),
    ("T_INTERSECTS(inspected_at, INTERVAL('2024-05-03', '..'))", ["Gamma", "a_b%c"]),
    ("T_BEFORE(inspected_at, TIMESTAMP('2024-05-03T00:00:00+08:00'))", ["alpha", "beta"]),
    ("T_BEFORE(inspected_at, TIMESTAMP('2024-05-03T00:00:00'))", ["alpha", "beta"]),  # naive = China time
    ("T_AFTER(inspected_at, DATE('2024-05-02'))", ["Gamma", "a_b%c"]),
    ("T_AFTER(inspected_at, TIMESTAMP('2024-05-02T16:00:00Z'))", ["Gamma", "a_b%c"]),
    ("T_EQUALS(inspected_at, TIMESTAMP('2024-06-01T08:00:00+08:00'))", ["a_b%c"]),
    ("T_DURING(inspected_at, INTERVAL('2024-05-01T00:00:00Z', '2024-05-03T00:00:00Z'))",
     ["Gamma", "alpha", "beta"]),
    ("T_DISJOINT(inspected_at, INTERVAL('2024-05-01', '2024-05-31'))", ["a_b%c"]),
    ("inspected_at >= DATE('2024-05-03')", ["Gamma", "a_b%c"]),
    ("inspected_at <= DATE('2024-05-02')", ["alpha", "beta"]),
    ("inspected_at = DATE('2024-05-01')", ["alpha"]),
    ("inspected_at < '2024-05-02T00:00:00Z'", ["alpha"]),
    ("T_INTERSECTS(opened, INTERVAL('2020-01-01', '..'))", ["a_b%c", "alpha", "beta"]),
    ("opened < DATE('2020-01-01')", ["Gamma"]),
    ("opened BETWEEN '2020-01-01' AND '2021-06-15'", ["alpha", "beta"]),
    ("opened IN (DATE('2020-01-01'), DATE('2022-02-02'))", ["a_b%c", "alpha"]),
    # a timestamp on a date column means its day in China time (20:00Z on 14 June = 15 June)
    ("T_AFTER(opened, TIMESTAMP('2021-06-14T20:00:00Z'))", ["a_b%c"]),
    ("T_EQUALS(opened, TIMESTAMP('2021-06-14T20:00:00Z'))", ["beta"]),
    # injection-looking strings are values
    (f"name = '{INJECTION.replace(chr(39), chr(39) * 2)}'", [INJECTION]),
    ("name LIKE '%; DROP%'", [INJECTION]),
    ("kind = 'toll'' OR ''1''=''1'", []),
]


@pytest.mark.parametrize(("text", "expected"), SCENARIOS, ids=[s[0][:60] for s in SCENARIOS])
def test_filter_selects_expected_features(stations: tuple[Any, dict[str, int]], text: str,
                                          expected: list[str]) -> None:
    store, _ = stations
    assert names(store, text) == sorted(expected)


def test_feature_id(stations: tuple[Any, dict[str, int]]) -> None:
    store, fids = stations
    assert names(store, f"id = {fids['beta']}") == ["beta"]
    assert names(store, f"fid IN ({fids['alpha']}, {fids['Gamma']})") == ["Gamma", "alpha"]


def test_dwithin_in_metres(stations: tuple[Any, dict[str, int]]) -> None:
    store, _ = stations
    assert 750 < ALPHA_BETA_METRES < 850  # the pair the thresholds below straddle
    near, far = ALPHA_BETA_METRES - 20, ALPHA_BETA_METRES + 20
    assert names(store, f"S_DWITHIN(geometry, POINT(125.30 43.80), {near}, 'meters')") == ["alpha"]
    assert names(store, f"S_DWITHIN(geometry, POINT(125.30 43.80), {far}, 'meters')") == ["alpha", "beta"]
    assert names(store, f"S_DWITHIN(geometry, POINT(125.30 43.80), {far / 1000}, 'km')") == ["alpha", "beta"]
    assert names(store, "S_DWITHIN(POINT(125.30 43.80), geometry, 0, 'm')") == ["alpha"]


def test_cql2_json_and_filter_crs(stations: tuple[Any, dict[str, int]]) -> None:
    store, _ = stations
    body = {"op": "and", "args": [
        {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [43.7, 125.2, 43.9, 125.35]}]},
        {"op": "like", "args": [{"property": "name"}, "b%"]}]}
    assert names(store, json.dumps(body), "cql2-json", "http://www.opengis.net/def/crs/EPSG/0/4490") == ["beta"]
    mercator = "S_INTERSECTS(geometry, BBOX(13937000, 5425000, 13955000, 5445000))"
    assert names(store, mercator, crs="http://www.opengis.net/def/crs/EPSG/0/3857") == ["alpha", "beta"]


def test_injection_leaves_the_table_intact(stations: tuple[Any, dict[str, int]]) -> None:
    store, _ = stations
    assert names(store, "name = 'x''; DROP TABLE stations; --'") == [INJECTION]
    assert names(store, "name = 'stations\"; DROP TABLE stations; --'") == []
    assert names(store, "TRUE") == ALL


# -- the SQL itself ----------------------------------------------------------------------------------

class _NoSpatialDialect:
    def spatial(self, op: str, column: Any, geometry: Any) -> Any:
        raise AssertionError("not used")

    dwithin = bbox_intersects = spatial

    def time_value(self, value: Any) -> Any:
        return value


def _table() -> sa.Table:
    return sa.Table("stations", sa.MetaData(), sa.Column("fid", sa.Integer), sa.Column("geom", sa.LargeBinary),
                    *(sa.Column(f.name, sa.String if f.type.value == "string" else sa.Integer)
                      for f in STATIONS.fields if f.type.value in ("string", "integer")))


def test_every_literal_is_a_bound_parameter() -> None:
    table = _table()
    text = "name = 'x''; DROP TABLE stations; --' OR name LIKE 'Q%' OR kind IN ('k1', 'k2') OR lanes > 17"
    expr = cql_to_sql(parse_filter(text, None, STATIONS), STATIONS,
                      {"name": table.c.name, "kind": table.c.kind, "lanes": table.c.lanes},
                      table.c.geom, _NoSpatialDialect())
    for dialect in (postgresql.psycopg.dialect(), sqlite.dialect()):
        compiled = sa.select(table.c.fid).where(expr).compile(dialect=dialect)
        sql = str(compiled)
        for value in ("DROP", "Q%", "Q*", "k1", "k2", "17"):
            assert value not in sql
        params = set(map(str, compiled.params.values()))
        assert {INJECTION, "17"} <= params and ({"Q%", "Q*"} & params)


def test_like_pattern_as_glob() -> None:
    assert like_to_glob("a%b_c") == "a*b?c"
    assert like_to_glob("a\\%b\\_c\\\\") == "a%b_c\\"
    assert like_to_glob("[x]*?") == "[[]x][*][?]"
