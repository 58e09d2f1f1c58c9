"""The pilot chart built from the samples: depth areas, soundings, marks, bridges, buoys, identity."""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from rasterio.features import shapes
from shapely.geometry import shape
from shapely.ops import substring

from enc_chart.cell import Cell
from enc_chart.pilot.build import build_pilot_cell
from enc_chart.pilot.reach import build_reach
from enc_chart.pilot.samples import SURVEY_FILE
from enc_chart.pilot.settings import SAMPLES_DIR, load_settings
from enc_chart.pilot.survey import SHOALS, read_survey

GEOD = Geod(ellps="WGS84")
METRES = "EPSG:4551"


@cache
def built() -> Cell:
    """The pilot cell, built once per test process (the S-57 writer tests use it too)."""
    return build_pilot_cell()


@pytest.fixture(scope="module")
def cell() -> Cell:
    return built()


def _metres(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    return frame.geometry.to_crs(METRES)


def test_the_cell_has_every_class_the_pilot_needs(cell):
    assert set(cell.layers) >= {"M_COVR", "M_NSYS", "M_QUAL", "DEPARE", "DEPCNT", "SOUNDG", "LNDARE", "COALNE",
                                "FAIRWY", "wtwaxs", "dismar", "boylat", "bridge", "DAMCON", "wtwgag", "OBSTRN",
                                "WRECKS", "RESARE"}
    info = cell.info
    assert len(info.name) == 8 and info.name == load_settings().cell_name
    assert (info.edition, info.update, info.issue_date) == (1, 0, load_settings().issue_date)
    for acronym, frame in cell.layers.items():
        assert frame.crs.to_epsg() == 4326, acronym
        assert frame.geometry.is_valid.all() and not frame.geometry.is_empty.any(), acronym
    lnam = pd.concat([f.drop_duplicates("LNAM")["LNAM"] for f in cell.layers.values()])
    assert lnam.is_unique
    rcid = pd.concat([f.drop_duplicates("RCID")["RCID"] for f in cell.layers.values()])
    assert rcid.is_unique


def test_depth_areas_tile_the_water(cell):
    areas = _metres(cell.layers["DEPARE"])
    depare = cell.layers["DEPARE"]
    assert (depare["DRVAL1"] < depare["DRVAL2"]).all()
    bands = {tuple(b) for b in load_settings().depth_bands}
    assert set(zip(depare["DRVAL1"], depare["DRVAL2"], strict=True)) == bands
    union = shapely.union_all(areas.to_numpy())
    assert areas.area.sum() - union.area < 1.0  # no overlap (m²)
    depth, transform, _ = read_survey(SAMPLES_DIR / SURVEY_FILE)
    water = shapely.union_all([shape(g) for g, v in shapes((~np.isnan(depth)).astype("uint8"), transform=transform)
                               if v == 1])
    assert union.symmetric_difference(water).area < 0.005 * water.area  # the survey's water, cell staircase aside
    assert len(shapely.get_parts(union)) == 1  # one water body, no gap splitting it
    land = shapely.union_all(_metres(cell.layers["LNDARE"]).to_numpy())
    coverage = shapely.union_all(_metres(cell.layers["M_COVR"]).to_numpy())
    assert union.intersection(land).area < 1.0
    assert union.union(land).symmetric_difference(coverage).area < 1.0  # water and land tile the coverage


def test_contours_lie_on_band_limits_between_depth_areas(cell):
    depcnt = cell.layers["DEPCNT"]
    limits = {b[0] for b in load_settings().depth_bands[1:]}
    assert set(depcnt["VALDCO"]) == limits
    areas = cell.layers["DEPARE"]
    for value in sorted(limits):
        shallow = shapely.union_all(areas[areas["DRVAL2"] <= value].geometry.to_numpy())
        deep = shapely.union_all(areas[areas["DRVAL1"] >= value].geometry.to_numpy())
        lines = depcnt[depcnt["VALDCO"] == value].geometry
        assert shapely.distance(lines.to_numpy(), shallow).max() < 1e-7
        assert shapely.distance(lines.to_numpy(), deep).max() < 1e-7


def test_soundings_agree_with_their_depth_area_and_keep_the_shallowest(cell):
    soundg, depare = cell.layers["SOUNDG"], cell.layers["DEPARE"]
    assert len(soundg) > 300 and (soundg.geometry.has_z).all()
    assert np.allclose(soundg.geometry.z, soundg["DEPTH"])
    joined = gpd.sjoin(soundg[["DEPTH", "geometry"]], depare[["DRVAL1", "DRVAL2", "geometry"]],
                       predicate="intersects")
    assert set(joined.index) == set(soundg.index)  # every sounding lies in a depth area …
    assert ((joined["DEPTH"] >= joined["DRVAL1"]) & (joined["DEPTH"] <= joined["DRVAL2"])).all()  # … that agrees
    # the shallowest parts of the survey are sounded: each shoal has a sounding near its least depth
    reach = build_reach(load_settings())
    points = _metres(soundg)
    for s0, u0, _, _, least in SHOALS:
        left, right = (float(v) for v in reach.half_widths(s0))
        centre = shapely.Point(reach.offset_xy(s0, u0 * (left if u0 > 0 else right)))
        near = soundg["DEPTH"][points.distance(centre) < 200.0]
        assert len(near) and near.min() <= least + 0.3, (s0, least)
    # soundings come grouped in several SOUNDG features (multi-point records), one FOID each
    assert 5 <= soundg["LNAM"].nunique() < len(soundg)


def test_every_km_mark_is_at_its_distance_along_the_axis(cell):
    axis = cell.layers["wtwaxs"].geometry.iloc[0]
    marks = cell.layers["dismar"]
    assert list(marks["wtwdis"]) == [float(k) for k in range(len(marks))] and len(marks) == 31
    for point, km in zip(marks.geometry, marks["wtwdis"], strict=True):
        assert axis.distance(point) < 1e-7
        along = GEOD.geometry_length(substring(axis, 0.0, axis.project(point))) if km else 0.0
        assert along == pytest.approx(km * 1000.0, abs=1.0)


def test_bridges_cross_the_river_with_clearances(cell):
    bridges = cell.layers["bridge"]
    assert len(bridges) == 8
    assert {"丰满大桥", "临江门大桥", "吉林大桥", "江湾大桥", "龙潭大桥", "清源大桥", "松江大桥", "哈龙大桥"} == set(
        bridges["NOBJNM"])
    assert (bridges["VERCLR"] > 0).all() and (bridges["HORCLR"] > 0).all()
    water = shapely.union_all(cell.layers["DEPARE"].geometry.to_numpy())
    axis = cell.layers["wtwaxs"].geometry.iloc[0]
    for footprint in bridges.geometry:
        assert len(shapely.get_parts(footprint.difference(water))) >= 2  # it lands on both banks
        assert footprint.intersects(axis)
        assert len(shapely.get_parts(water.difference(footprint))) >= 2  # it spans the river


def test_lateral_buoys_follow_iala_a_downstream(cell):
    buoys, axis = cell.layers["boylat"], cell.layers["wtwaxs"].geometry.iloc[0]
    water = shapely.union_all(cell.layers["DEPARE"].geometry.to_numpy())
    assert buoys.geometry.within(water).all()
    for point, catlam, colour in zip(buoys.geometry, buoys["catlam"], buoys["COLOUR"], strict=True):
        at = axis.project(point)
        a, b = axis.interpolate(max(at - 1e-4, 0.0)), axis.interpolate(at + 1e-4)
        left = (b.x - a.x) * (point.y - a.y) - (b.y - a.y) * (point.x - a.x) > 0
        # direction of buoyage downstream: port-hand (red, CATLAM 1) marks keep to the left bank
        assert (catlam, colour) == ((1, "3") if left else (2, "4"))
    nsys = cell.layers["M_NSYS"].iloc[0]
    assert nsys["MARSYS"] == 1 and "downstream" in nsys["INFORM"]


def test_dangers_and_restricted_areas_are_where_route_checks_find_them(cell):
    fairway = cell.layers["FAIRWY"].geometry.iloc[0]
    dangers = pd.concat([cell.layers["OBSTRN"], cell.layers["WRECKS"]])
    assert dangers["VALSOU"].notna().all()
    assert dangers.geometry.within(fairway.buffer(0.0005)).all()
    assert cell.layers["RESARE"].geometry.intersects(fairway).any()
    assert cell.layers["FAIRWY"]["DRVAL1"].iloc[0] >= 1.0
    gauges = cell.layers["wtwgag"]
    assert len(gauges) == 4 and (gauges["sdrval"] < gauges["vcrval"]).all()


def test_the_build_is_deterministic(cell):
    again = build_pilot_cell()
    assert again.info == cell.info and list(again.layers) == list(cell.layers)
    for acronym, frame in cell.layers.items():
        other = again.layers[acronym]
        pd.testing.assert_frame_equal(pd.DataFrame(frame.drop(columns="geometry")),
                                      pd.DataFrame(other.drop(columns="geometry")))
        assert frame.geometry.to_wkb().tolist() == other.geometry.to_wkb().tolist(), acronym
