"""Water level and route checks on the pilot chart of the Songhua reach, built from the committed samples."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import shapely
import shapely.ops
from shapely.geometry import mapping

from enc_chart.importer import import_cell
from enc_chart.pilot.build import build_pilot_cell
from enc_chart.pilot.gauges import load_gauges
from enc_chart.pilot.settings import SAMPLES_DIR
from enc_chart.route import ChartService, check_route, parse_route, parse_vessel
from enc_chart.safety import bridge_clearances
from enc_chart.waterlevel import OutsideReach
from enc_chart.waterlevel.samples import SAMPLE_READINGS, load_readings
from layers.registry import LayerRegistry
from layers.stores import open_store

SMALL = {"draft": 1.2, "air_draft": 8.0, "beam": 10.0, "length": 60.0, "ukc": 0.3}


@pytest.fixture(scope="module")
def pilot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChartService]:
    path = Path(tmp_path_factory.mktemp("pilot")) / "pilot.gpkg"
    store = open_store(f"geopackage://{path}")
    registry = LayerRegistry(store)
    import_cell(store, build_pilot_cell(SAMPLES_DIR), registry=registry)
    service = ChartService(store, registry)
    load_readings(service.water, SAMPLE_READINGS)
    yield service
    store.close()


def _latest(service: ChartService) -> datetime:
    return max(series.latest()[0] for series in service.water.table().series.values())


def _axis_route(service: ChartService, start_m: float, end_m: float) -> dict[str, Any]:
    reach = service.model().reach
    return mapping(reach.frame.to_lonlat(shapely.ops.substring(reach.axis, start_m, end_m)))


def test_the_sample_gauges_sit_at_their_chainage(pilot: ChartService) -> None:
    reach = pilot.water.reach()
    assert reach.length_km == pytest.approx(30.0, abs=1.0)
    expected = {g.id: (g.chainage_m / 1000, g.chart_datum_m, g.highest_navigable_m)
                for g in load_gauges(SAMPLES_DIR / "gauges.yaml")}
    found = {g.gauge_id: (g.distance_km, g.chart_datum_m, g.reference_level_m) for g in reach.gauges}
    assert set(found) == set(expected)
    for gauge_id, (km, datum, reference) in expected.items():
        assert found[gauge_id][0] == pytest.approx(km, abs=0.1)
        assert found[gauge_id][1:] == (datum, reference)


def test_below_the_highest_navigable_level_every_bridge_has_more_than_its_charted_clearance(
        pilot: ChartService) -> None:
    model, profile = pilot.model_and_profile(_latest(pilot))
    bridges = bridge_clearances(model, profile, air_draft=SMALL["air_draft"])
    assert len(bridges) >= 8
    for bridge in bridges:
        km = bridge["distance_km"]
        above_reference = float(profile.clearance_offset(km))
        assert above_reference < 0  # the sample series stays below the design highest navigable level
        assert bridge["vertical_clearance_m"] == pytest.approx(bridge["charted_vertical_clearance_m"]
                                                               - above_reference, abs=1e-3)


def test_a_small_vessel_down_the_axis_has_water_enough_but_crosses_the_intake_zone(pilot: ChartService) -> None:
    model, profile = pilot.model_and_profile(_latest(pilot))
    result = check_route(model, profile, parse_route(_axis_route(pilot, 1_000, 29_000)), parse_vessel(SMALL))
    kinds = {(v.kind, round(v.distance_km)) for v in result.violations}
    assert ("restricted_area", 18) in kinds  # the Jilin water-intake protection zone, 18.4–19.0 km
    assert all(v.kind != "depth" for v in result.violations)


def test_a_deep_draft_finds_shallow_water_and_a_route_ashore_is_refused(pilot: ChartService) -> None:
    model, profile = pilot.model_and_profile(_latest(pilot))
    deep = check_route(model, profile, parse_route(_axis_route(pilot, 1_000, 29_000)),
                       parse_vessel({**SMALL, "draft": 5.0, "ukc": 0.5}))
    depth = [v for v in deep.violations if v.kind == "depth"]
    assert depth and all(v.details["effective_depth_m"] < 5.5 for v in depth)
    reach = model.reach
    start = reach.axis.interpolate(10_000)
    ashore = shapely.LineString([start.coords[0], (start.x + 2_500, start.y + 2_500)])
    with pytest.raises(OutsideReach):
        check_route(model, profile, parse_route(mapping(reach.frame.to_lonlat(ashore))), parse_vessel(SMALL))
