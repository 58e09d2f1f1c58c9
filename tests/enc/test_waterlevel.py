"""Water level along the reach: readings in time, gauges by distance, depths and clearances at a time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from enc_chart.route import ChartService
from enc_chart.safety import bridge_clearances, parse_safety_query, unsafe_areas
from enc_chart.waterlevel import (
    READINGS_LAYER,
    DuplicateReading,
    GaugeNotFound,
    NoWaterLevel,
    WaterLevelService,
    level_at,
    parse_readings,
)
from enc_chart.waterlevel.readings import GaugeSeries
from enc_chart.waterlevel.samples import load_readings
from gis_server.cli.enc_waterlevel import register_enc
from gis_server.settings import get_settings
from layers.errors import InvalidFeature, InvalidQuery
from layers.stores import open_store
from layers.stores.base import FeatureStore
from tests.enc.route_chart import T0, T1, build_reach

H = 3600.0


@pytest.fixture
def store(gpkg_url: str) -> Iterator[FeatureStore]:
    opened = open_store(gpkg_url)
    yield opened
    opened.close()


@pytest.fixture
def charts(store: FeatureStore) -> ChartService:
    return ChartService(store, build_reach(store))


def series(*pairs: tuple[float, float]) -> GaugeSeries:
    return GaugeSeries(np.array([T0.timestamp() + h * H for h, _ in pairs]), np.array([v for _, v in pairs]))


def test_level_is_linear_in_time_between_readings() -> None:
    gauge = series((0, 100.0), (2, 103.0))
    assert level_at(gauge, T0 + timedelta(hours=1))[:2] == (101.5, "interpolated")
    assert level_at(gauge, T0 + timedelta(minutes=30))[0] == pytest.approx(100.75)
    assert level_at(gauge, T0)[:2] == (100.0, "reading")


def test_level_after_the_last_reading_is_the_latest_and_before_the_first_unknown() -> None:
    gauge = series((0, 100.0), (2, 103.0))
    assert level_at(gauge, T1 + timedelta(days=3))[:2] == (103.0, "latest")
    assert level_at(gauge, T0 - timedelta(seconds=1)) is None


def test_gauges_sit_at_their_distance_from_the_dam_along_the_axis(charts: ChartService) -> None:
    reach = charts.water.reach()
    assert reach.length_km == pytest.approx(5.0, abs=0.01)
    assert [(g.gauge_id, round(g.distance_km, 2)) for g in reach.gauges] == [("UP", 0.5), ("DN", 4.5)]
    up = reach.gauges[0]
    assert (up.chart_datum_m, up.reference_level_m, up.name_zh) == (100.0, 105.0, "上游站")


def test_level_is_linear_by_distance_between_gauges_and_constant_beyond(charts: ChartService) -> None:
    profile = charts.water.profile(T1)  # UP 3 m above chart datum, DN 2 m
    offsets = profile.depth_offset(np.array([0.0, 0.5, 2.5, 4.5, 5.0]))
    assert offsets == pytest.approx([3.0, 3.0, 2.5, 2.0, 2.0], abs=1e-3)  # UTM drawing, true metres
    half_hour = charts.water.profile(T0 + timedelta(minutes=30))  # UP 101.5, DN 100.25
    assert half_hour.depth_offset(2.5) == pytest.approx((1.5 + 1.25) / 2, abs=1e-3)


def test_effective_depth_and_clearance_follow_the_documented_formulas(charts: ChartService) -> None:
    model, profile = charts.model_and_profile(T1)
    # bridge at 3.01 km: Δ = 3 − (2.51/4) = 2.3725; ρ = 5 at both gauges → clearance = 8 − (Δ − 5)
    bridge = bridge_clearances(model, profile, air_draft=10.0)[0]
    delta = 3.0 - (bridge["distance_km"] - 0.5) / 4.0
    assert bridge["vertical_clearance_m"] == pytest.approx(8.0 - (delta - 5.0), abs=1e-3)
    assert bridge["safe"] is True  # 10.6 ≥ 10 + 0.5
    # the shoal (drval1 1.5, 2.0–2.3 km): least Δ over its stretch at 2.3 km = 3 − 1.8/4 = 2.55
    query = parse_safety_query({"draft": "3.5", "ukc": "1.0"}, now=T1)
    indices, effective = unsafe_areas(model, profile, query.required_depth_m)
    by_foid = {model.depth.features.props[int(i)]["foid"]: e for i, e in zip(indices, effective, strict=True)}
    assert by_foid["shoal"] == pytest.approx(1.5 + 2.55, abs=0.02)
    assert set(by_foid) == {"shoal", "north-bank", "south-bank"}  # the 4 m channel is 6 m deep now


def test_higher_water_means_less_clearance_and_more_depth(charts: ChartService) -> None:
    low_model, low = charts.model_and_profile(T0)
    high_model, high = charts.model_and_profile(T1)
    low_clear = bridge_clearances(low_model, low, 10.0)[0]
    high_clear = bridge_clearances(high_model, high, 10.0)[0]
    assert high_clear["vertical_clearance_m"] < low_clear["vertical_clearance_m"]
    required = 2.7
    assert len(unsafe_areas(high_model, high, required)[0]) < len(unsafe_areas(low_model, low, required)[0])


def test_no_reading_at_or_before_the_time_is_an_error(charts: ChartService) -> None:
    with pytest.raises(NoWaterLevel) as caught:
        charts.water.profile(T0 - timedelta(hours=1))
    assert "no gauge has a reading" in caught.value.message


def test_a_gauge_without_a_reading_yet_takes_no_part(store: FeatureStore) -> None:
    registry = build_reach(store, readings=False)
    water = WaterLevelService(store, registry)
    water.add_readings("DN", parse_readings("DN", {"observed_at": "2026-06-01T08:00:00+08:00", "level": 101.0}))
    profile = water.profile(T0)
    assert profile.without_level == ("UP",)
    assert profile.depth_offset(0.0) == pytest.approx(2.0)  # DN's 2 m above datum, held over the reach


def test_posted_readings_parse_one_or_many_and_name_the_bad_member() -> None:
    one = parse_readings("UP", {"observed_at": "2026-06-01T08:00:00", "level": 101.2})
    assert one[0].observed_at == T0 and one[0].level_m == 101.2  # naive time is China Standard Time
    many = parse_readings("UP", [{"observed_at": "2026-06-01T00:00:00Z", "level_m": 1},
                                 {"observed_at": "2026-06-01T01:00:00Z", "level": 2}])
    assert [r.level_m for r in many] == [1.0, 2.0]
    for body, field in [({"observed_at": "2026-06-01T00:00:00Z"}, "level"),
                        ({"level": 1.0}, "observed_at"),
                        ({"observed_at": "yesterday", "level": 1.0}, "observed_at"),
                        ([{"observed_at": "2026-06-01T00:00:00Z", "level": 1}, {"observed_at": "2026-06-01T01:00:00Z",
                                                                                 "level": "high"}], "[1].level"),
                        ({"observed_at": "2026-06-01T00:00:00Z", "level": 1, "note": "x"}, "note"),
                        ([], "body")]:
        with pytest.raises(InvalidFeature) as caught:
            parse_readings("UP", body)
        assert caught.value.field == field, body


def test_readings_are_stored_in_their_layer_and_duplicates_refused(charts: ChartService, store: FeatureStore) -> None:
    water = charts.water
    before = store.layer_state(READINGS_LAYER).feature_count
    water.add_readings("UP", parse_readings("UP", {"observed_at": "2026-06-01T03:00:00Z", "level": 102.0}))
    assert store.layer_state(READINGS_LAYER).feature_count == before + 1
    assert water.profile(T1 + timedelta(hours=1)).levels[0].level_m == 102.0  # the cache saw the new version
    batch = parse_readings("UP", [{"observed_at": "2026-06-01T04:00:00Z", "level": 1.0},
                                  {"observed_at": "2026-06-01T03:00:00Z", "level": 1.0}])
    with pytest.raises(DuplicateReading):
        water.add_readings("UP", batch)
    assert store.layer_state(READINGS_LAYER).feature_count == before + 1  # nothing of the batch written
    with pytest.raises(GaugeNotFound):
        water.add_readings("XX", parse_readings("XX", {"observed_at": "2026-06-01T03:00:00Z", "level": 1.0}))


def test_csv_series_loads_once_and_refuses_unknown_gauges_whole(charts: ChartService, store: FeatureStore,
                                                               tmp_path: Path) -> None:
    good = tmp_path / "readings.csv"
    good.write_text("gauge_id,time,level_m\nUP,2026-06-01T11:00:00+08:00,101.5\nDN,2026-06-01T11:00:00+08:00,100.2\n",
                    encoding="utf-8")
    before = store.layer_state(READINGS_LAYER).feature_count
    assert load_readings(charts.water, good).loaded == 2
    again = load_readings(charts.water, good)
    assert (again.loaded, again.skipped) == (0, 2)
    assert store.layer_state(READINGS_LAYER).feature_count == before + 2
    bad = tmp_path / "bad.csv"
    bad.write_text("gauge_id,observed_at,level\nUP,2026-06-01T11:00:00Z,1\nZZ,2026-06-01T11:00:00Z,1\n",
                   encoding="utf-8")
    with pytest.raises(GaugeNotFound):
        load_readings(charts.water, bad)
    broken = tmp_path / "broken.csv"
    broken.write_text("gauge_id,observed_at,level\nUP,2026-06-01T12:00:00Z,high\n", encoding="utf-8")
    with pytest.raises(InvalidFeature) as caught:
        load_readings(charts.water, broken)
    assert "broken.csv:2" in caught.value.message
    assert store.layer_state(READINGS_LAYER).feature_count == before + 2


def test_safety_parameters_are_checked() -> None:
    assert parse_safety_query({"draft": "2", "time": "2026-06-01T00:00:00Z"}).required_depth_m == 2.0
    assert parse_safety_query({"draft": "2", "ukc": "0"}, now=T0).time == T0
    for params, name in [({}, "draft"), ({"draft": "-1"}, "draft"), ({"draft": "0"}, "draft"),
                         ({"draft": "x"}, "draft"), ({"draft": "2", "ukc": "-0.5"}, "ukc"),
                         ({"draft": "2", "air_draft": "0"}, "air_draft"), ({"draft": "2", "time": "now"}, "time")]:
        with pytest.raises(InvalidQuery) as caught:
            parse_safety_query(params)
        assert caught.value.parameter == name, params



def test_cli_loads_a_series_and_fails_plainly_on_an_unknown_gauge(gpkg_url: str, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(gpkg_url)
    try:
        build_reach(store, readings=False)
    finally:
        store.close()
    monkeypatch.setenv("ONEMAP_DATABASE_URL", gpkg_url)
    get_settings.cache_clear()
    app = typer.Typer()
    sub = typer.Typer()
    register_enc(sub)
    app.add_typer(sub, name="enc")
    series = tmp_path / "series.csv"
    series.write_text("gauge_id,observed_at,level_m\nUP,2026-06-01T08:00:00,101.0\nDN,2026-06-01T08:00:00,100.0\n",
                      encoding="utf-8")
    try:
        first = CliRunner().invoke(app, ["enc", "load-readings", str(series)])
        assert first.exit_code == 0, first.output
        assert "loaded 2 readings" in first.output
        assert "loaded 0 readings, 2 already stored" in CliRunner().invoke(app, ["enc", "load-readings",
                                                                                  str(series)]).output
        series.write_text("gauge_id,observed_at,level_m\nXX,2026-06-01T09:00:00,1\n", encoding="utf-8")
        failed = CliRunner().invoke(app, ["enc", "load-readings", str(series)])
        assert failed.exit_code == 1 and "XX" in failed.output
    finally:
        get_settings.cache_clear()
