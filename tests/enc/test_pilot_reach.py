"""The pilot reach: where the river runs, how chainage is measured, what the settings configure."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point

from enc_chart.errors import ChartInputError
from enc_chart.pilot.reach import FENGMAN_DAM, LONGTAN_MOUNTAIN, build_reach
from enc_chart.pilot.settings import PilotSettings, load_settings

GEOD = Geod(ellps="WGS84")
DOWNTOWN = (126.552, 43.850)  # Jilin City centre (the old town north of the river)


@pytest.fixture(scope="module")
def reach():
    return build_reach(PilotSettings())


def test_the_axis_starts_at_fengman_dam_and_chainage_is_geodesic(reach):
    assert tuple(reach.lonlat[0]) == FENGMAN_DAM == (126.68861, 43.71944)  # 43°43′10″N 126°41′19″E
    lengths = GEOD.line_lengths(reach.lonlat[:, 0], reach.lonlat[:, 1])
    assert reach.chainage[-1] == pytest.approx(sum(lengths), abs=1e-6)
    for c in (0.0, 4_321.0, 17_000.0, 29_999.0):
        assert reach.chainage_of(*reach.point(c)) == pytest.approx(c, abs=1.0)


def test_wolongtan_is_the_configured_point_about_30_km_down(reach):
    assert reach.end_m == 30_000.0
    axis = reach.axis_lonlat()
    assert GEOD.geometry_length(axis) == pytest.approx(30_000.0, abs=1.0)
    assert axis.coords[-1] == pytest.approx(np.round(reach.point(30_000.0), 7))
    moved = build_reach(replace(PilotSettings(), wolongtan_chainage_m=28_500.0))
    assert GEOD.geometry_length(moved.axis_lonlat()) == pytest.approx(28_500.0, abs=1.0)


def test_the_river_flows_north_west_then_wraps_south_and_east_of_downtown(reach):
    start, town = np.array(reach.point(0.0)), np.array(reach.point(15_000.0))
    assert town[0] < start[0] and town[1] > start[1]  # north-west from the dam
    axis = reach.axis_lonlat()
    south = axis.intersection(shapely.LineString([(DOWNTOWN[0], 43.70), DOWNTOWN]))
    east = axis.intersection(shapely.LineString([DOWNTOWN, (126.70, DOWNTOWN[1])]))
    assert not south.is_empty and not east.is_empty  # the river passes south and east of downtown
    north = axis.intersection(shapely.LineString([DOWNTOWN, (DOWNTOWN[0], 44.0)]))
    assert north.is_empty  # … and not north of it: downtown lies inside the bend
    longtan = Point(LONGTAN_MOUNTAIN)
    c = reach.chainage_of(*LONGTAN_MOUNTAIN)
    lon, _ = reach.point(c)
    assert lon < longtan.x  # Longtan Mountain stands east of the river's northward stretch
    assert 20_000.0 < c < reach.end_m


def test_the_river_is_300_to_400_m_wide_in_town_and_the_island_is_in_the_water(reach):
    c = np.arange(19_000.0, 30_000.0, 50.0)
    left, right = reach.half_widths(c)
    assert (left + right).min() >= 300.0 and (left + right).max() <= 400.0
    water = reach.water_xy()
    assert water.is_valid and len(water.interiors) == 1  # the island is a hole in the water
    assert shapely.Polygon(water.exterior).contains(reach.island_xy())


def test_settings_file_overrides_and_rejects_unknown_keys(tmp_path):
    path = tmp_path / "pilot.yaml"
    path.write_text("wolongtan_chainage_m: 29000\ncell_name: CN7SHJ02\n", encoding="utf-8")
    settings = load_settings(path)
    assert (settings.wolongtan_chainage_m, settings.cell_name) == (29_000.0, "CN7SHJ02")
    path.write_text("wolongtan: 29000\n", encoding="utf-8")
    with pytest.raises(ChartInputError, match="unknown pilot settings"):
        load_settings(path)
    with pytest.raises(ChartInputError, match="beyond"):
        build_reach(replace(PilotSettings(), wolongtan_chainage_m=60_000.0))
