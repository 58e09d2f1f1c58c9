"""Route checks on the hand-made reach (tests/enc/route_chart.py): what a crew is warned about, and where."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon

from enc_chart.route import ChartService, check_route, parse_route, parse_vessel
from enc_chart.waterlevel import OutsideReach
from layers.errors import InvalidFeature
from layers.stores import open_store
from layers.stores.base import FeatureRecord, FeatureStore
from tests.enc.route_chart import AXIS, DEPARE, GAUGES, T0, T1, add_wreck, build_reach, route

SMALL = {"draft": 2.2, "air_draft": 10.5, "beam": 8.0, "length": 60.0, "ukc": 0.5}
NORTH = route((100, 50), (4900, 50))  # over the shoal's stretch and through the ferry zone
SOUTH = route((100, -50), (4900, -50))  # the deep half of the channel, 20 m from the wreck


@pytest.fixture
def store(gpkg_url: str) -> Iterator[FeatureStore]:
    opened = open_store(gpkg_url)
    yield opened
    opened.close()


@pytest.fixture
def charts(store: FeatureStore) -> ChartService:
    return ChartService(store, build_reach(store))


def run(charts: ChartService, line: dict[str, Any], vessel: dict[str, float], when: Any = T0) -> dict[str, Any]:
    model, profile = charts.model_and_profile(when)
    return check_route(model, profile, parse_route(line), parse_vessel(vessel)).to_geojson()


def kinds(result: dict[str, Any]) -> list[str]:
    return [f["properties"]["kind"] for f in result["features"]]


def test_low_water_shoal_and_restricted_area_in_route_order(charts: ChartService) -> None:
    result = run(charts, NORTH, SMALL, T0)
    assert kinds(result) == ["restricted_area", "depth"]
    assert result["safe"] is False
    ferry, shoal = result["features"]
    assert ferry["properties"]["distance_km"] == pytest.approx(1.0, abs=0.015)
    assert "限制驶入" in ferry["properties"]["message"] and "entry restricted" in ferry["properties"]["message"]
    # the corridor (12 m each side for an 8 m beam) reaches the shoal 12 m before it starts at 2.0 km
    assert shoal["properties"]["distance_km"] == pytest.approx(1.988, abs=0.011)
    assert shoal["properties"]["effective_depth_m"] == pytest.approx(2.5)  # 1.5 charted + 1.0 above datum
    assert shoal["properties"]["required_depth_m"] == pytest.approx(2.7)
    assert shoal["properties"]["foid"] == "shoal"
    assert shoal["properties"]["length_m"] == pytest.approx(324, abs=12)  # 300 m shoal + corridor both ends
    lon, lat = shoal["geometry"]["coordinates"]
    assert 126.62 < lon < 126.63 and 43.80 < lat < 43.801
    assert "水深不足" in shoal["properties"]["message"] and "depth too shallow" in shoal["properties"]["message"]


def test_high_water_clears_the_shoal_but_closes_the_bridge(charts: ChartService) -> None:
    result = run(charts, NORTH, SMALL, T1)
    assert kinds(result) == ["restricted_area", "bridge_air_draft"]
    bridge = result["features"][1]["properties"]
    assert bridge["distance_km"] == pytest.approx(3.01, abs=0.011)
    assert bridge["vertical_clearance_m"] == pytest.approx(10.63, abs=0.01)
    assert bridge["required_air_clearance_m"] == 11.0
    assert "测试大桥" in bridge["message"] and "vertical clearance" in bridge["message"]
    assert result["water_level"]["gauges"][0]["gauge_id"] == "UP"


def test_the_deep_half_is_safe_until_the_corridor_takes_in_the_wreck(charts: ChartService) -> None:
    deeper = {**SMALL, "draft": 2.6}  # needs 3.1 m; 3.0 m over the wreck at low water
    assert run(charts, SOUTH, deeper, T0)["features"] == []
    wide = run(charts, SOUTH, {**deeper, "beam": 14.0}, T0)  # corridor 21 m each side reaches 20 m off
    assert kinds(wide) == ["obstruction"]
    wreck = wide["features"][0]["properties"]
    assert (wreck["object_class"], wreck["valsou"], wreck["effective_depth_m"]) == ("WRECKS", 2.0, 3.0)
    assert wreck["distance_km"] == pytest.approx(4.0, abs=0.005)
    later = run(charts, SOUTH, {**deeper, "beam": 14.0}, T1)
    assert kinds(later) == ["bridge_air_draft"]  # 2.1 m more water over the wreck, 1.4 m less under the bridge


def test_a_corridor_along_the_bank_is_one_shallow_stretch(charts: ChartService) -> None:
    result = run(charts, route((2400, 95), (4900, 95)), SMALL, T0)
    depth = [f["properties"] for f in result["features"] if f["properties"]["kind"] == "depth"]
    assert len(depth) == 1
    assert depth[0]["foid"] == "north-bank" and depth[0]["effective_depth_m"] == pytest.approx(1.0)
    assert depth[0]["route_km"] == 0 and depth[0]["length_m"] == pytest.approx(2500, abs=1)


def test_a_beam_too_wide_for_the_bridge(charts: ChartService) -> None:
    result = run(charts, SOUTH, {**SMALL, "beam": 39.0}, T0)
    width = [f["properties"] for f in result["features"] if f["properties"]["kind"] == "bridge_width"]
    assert len(width) == 1
    assert width[0]["horizontal_clearance_m"] == 40.0 and width[0]["required_width_m"] == 41.0
    assert "净宽不足" in width[0]["message"]


def test_distances_are_from_the_dam_whichever_way_the_route_runs(charts: ChartService) -> None:
    upstream = run(charts, route((4900, 50), (100, 50)), SMALL, T0)
    assert kinds(upstream) == ["depth", "restricted_area"]
    assert upstream["route"]["from_km"] == pytest.approx(4.9, abs=0.01)
    assert upstream["route"]["to_km"] == pytest.approx(0.1, abs=0.01)
    assert upstream["features"][1]["properties"]["distance_km"] == pytest.approx(1.1, abs=0.015)


def test_a_new_chart_feature_is_seen_on_the_next_check(charts: ChartService, store: FeatureStore) -> None:
    assert run(charts, SOUTH, SMALL, T0)["features"] == []
    add_wreck(store, 2500, -50, 0.5)
    assert kinds(run(charts, SOUTH, SMALL, T0)) == ["obstruction"]


def test_routes_outside_the_reach_are_refused(charts: ChartService) -> None:
    with pytest.raises(OutsideReach) as ashore:
        run(charts, route((100, 0), (100, 400)), SMALL)
    assert "离开本航段" in ashore.value.message and "leaves the charted water" in ashore.value.message
    with pytest.raises(OutsideReach):
        run(charts, {"type": "LineString", "coordinates": [[8.0, 50.0], [8.01, 50.0]]}, SMALL)


def test_another_chart_in_the_store_does_not_join_the_reach(charts: ChartService, store: FeatureStore) -> None:
    rhine = [(7.60, 47.56), (7.62, 47.57)]
    store.insert(AXIS, [FeatureRecord(MultiLineString([rhine]), {"objnam": "Rhine"})])
    store.insert(DEPARE, [FeatureRecord(MultiPolygon([LineString(rhine).buffer(0.002)]), {"drval1": 0.5})])
    store.insert(GAUGES, [FeatureRecord(MultiPoint([rhine[0]]), {"unlocd": "BASEL", "sdrval": 240.0})])
    reach = charts.water.reach()
    assert reach.length_km == pytest.approx(5.0, abs=0.01)
    assert [g.gauge_id for g in reach.gauges] == ["UP", "DN"]
    assert kinds(run(charts, NORTH, SMALL, T0)) == ["restricted_area", "depth"]
    with pytest.raises(OutsideReach):
        run(charts, {"type": "LineString", "coordinates": [list(p) for p in rhine]}, SMALL)


@pytest.mark.parametrize(("vessel", "field"), [
    ({**SMALL, "draft": -1.0}, "vessel.draft"),
    ({**SMALL, "beam": 0}, "vessel.beam"),
    ({k: v for k, v in SMALL.items() if k != "ukc"}, "vessel.ukc"),
    ({**SMALL, "air_draft": "high"}, "vessel.air_draft"),
    ({**SMALL, "speed": 3.0}, "vessel.speed"),
    (None, "vessel"),
])
def test_vessel_figures_must_be_positive_metres(vessel: Any, field: str) -> None:
    with pytest.raises(InvalidFeature) as caught:
        parse_vessel(vessel)
    assert caught.value.field == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)  # Chinese first, English beside


@pytest.mark.parametrize("geometry", [
    {"type": "Point", "coordinates": [126.6, 43.8]},
    {"type": "LineString", "coordinates": [[126.6, 43.8]]},
    {"type": "LineString", "coordinates": [[126.6, 43.8], [126.6, 43.8]]},
    {"type": "LineString", "coordinates": [[126.6, 95.0], [126.6, 43.8]]},
    "LINESTRING(1 2, 3 4)",
])
def test_route_must_be_a_lonlat_linestring(geometry: Any) -> None:
    with pytest.raises(InvalidFeature) as caught:
        parse_route(geometry)
    assert caught.value.field == "route"
