"""GCJ-02 ↔ WGS 84 against coordinate pairs published by independent projects."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from layers.io.gcj02 import gcj02_to_wgs84, geometries_from_gcj02, geometry_from_gcj02, in_china, wgs84_to_gcj02

# (WGS 84 lon, lat) → (GCJ-02 lon, lat), as published in the test suites of
# googollee/eviltransform (Shanghai, Shenzhen, Beijing) and wandergis/coordtransform (Tiananmen).
PUBLISHED = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
]


def metres(lon0: np.ndarray, lat0: np.ndarray, lon1: np.ndarray, lat1: np.ndarray) -> np.ndarray:
    """Distance on a sphere, good enough to check sub-metre agreement."""
    k = math.pi / 180 * 6_371_000
    return np.hypot((lon1 - lon0) * k * np.cos(np.radians(lat0)), (lat1 - lat0) * k)


@pytest.mark.parametrize(("wgs", "gcj"), PUBLISHED)
def test_forward_matches_published_pairs(wgs, gcj):
    lon, lat = wgs84_to_gcj02(*wgs)
    assert float(lon) == pytest.approx(gcj[0], abs=1e-9)
    assert float(lat) == pytest.approx(gcj[1], abs=1e-9)


def test_inverse_recovers_published_wgs84_within_half_a_metre():
    gcj = np.array([pair[1] for pair in PUBLISHED])
    wgs = np.array([pair[0] for pair in PUBLISHED])
    lon, lat = gcj02_to_wgs84(gcj[:, 0], gcj[:, 1])
    error = metres(wgs[:, 0], wgs[:, 1], lon, lat)
    assert error.max() < 0.5
    assert np.abs(lon - wgs[:, 0]).max() < 1e-8  # in fact far better than half a metre


def test_inverse_over_jilin_grid_round_trips():
    lon, lat = np.meshgrid(np.linspace(121.6, 131.3, 60), np.linspace(40.9, 46.3, 60))
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert metres(lon, lat, glon, glat).min() > 100  # the offset is real: hundreds of metres
    back_lon, back_lat = gcj02_to_wgs84(glon, glat)
    assert back_lon.shape == lon.shape
    assert metres(lon, lat, back_lon, back_lat).max() < 0.01


def test_points_outside_china_are_unchanged():
    tokyo, seoul = (139.6917, 35.6895), (126.9780, 37.5665)
    lon, lat = wgs84_to_gcj02([tokyo[0], 126.5], [tokyo[1], 43.8])
    assert (float(lon[0]), float(lat[0])) == tokyo
    assert float(lon[1]) != 126.5  # Jilin City is inside
    back = gcj02_to_wgs84([tokyo[0]], [tokyo[1]])
    assert (float(back[0][0]), float(back[1][0])) == tokyo
    assert bool(in_china(*seoul))  # the rough box, like the platforms' own rule, includes Seoul


def test_geometries_are_corrected_vertex_by_vertex():
    wgs_line = shapely.LineString([PUBLISHED[2][0], PUBLISHED[3][0]])
    gcj_line = shapely.LineString([PUBLISHED[2][1], PUBLISHED[3][1]])
    corrected = geometries_from_gcj02(np.array([gcj_line, None], dtype=object))
    assert corrected[1] is None
    assert shapely.get_coordinates(corrected[0]) == pytest.approx(shapely.get_coordinates(wgs_line), abs=1e-8)
    single = geometry_from_gcj02(shapely.Point(PUBLISHED[0][1]))
    assert (single.x, single.y) == pytest.approx(PUBLISHED[0][0], abs=1e-8)
