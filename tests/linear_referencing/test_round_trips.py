"""Linear referencing over the committed sample roads, against answers computed independently
(pyproj geodesics and shapely on the raw GeoJSON, not the module under test)."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, shape

from domains.base.linear_ref import MalformedReference, NoRoadNearby, RoadIndex, StakeOutOfRange, UnknownRoute
from tests.linear_referencing.conftest import sample_features

GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid differs from GRS80 by 0.1 mm in the semi-minor axis
ROUTES = ("G1", "G12", "G2501", "S206", "G331", "G1112")


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def sections_of(roads: list[dict], route: str) -> list[dict]:
    return sorted((f for f in roads if f["properties"]["route_code"] == route),
                  key=lambda f: f["properties"]["start_stake_m"])


def on_line_point(feature: dict, draw: np.random.Generator) -> tuple[tuple[float, float], float, np.ndarray, int]:
    """A random point on a section, its stake (start + geodesic distance along), the coordinates and segment."""
    coords = np.asarray(feature["geometry"]["coordinates"][0], dtype=float)
    i = int(draw.integers(0, len(coords) - 1))
    f = float(draw.random())
    point = coords[i] + f * (coords[i + 1] - coords[i])
    along = GEOD.line_length(coords[: i + 1, 0], coords[: i + 1, 1]) + metres_between(tuple(coords[i]), tuple(point))
    return (float(point[0]), float(point[1])), feature["properties"]["start_stake_m"] + along, coords, i


@pytest.mark.parametrize("route", ROUTES)
def test_coordinate_to_stake_to_coordinate_round_trips_within_a_metre(route: str, roads: list[dict],
                                                                      sample_index: RoadIndex) -> None:
    draw = np.random.default_rng(sum(map(ord, route)))
    sections = sections_of(roads, route)
    for _ in range(60):
        feature = sections[int(draw.integers(0, len(sections)))]
        point, stake, _, _ = on_line_point(feature, draw)
        position = sample_index.measure(*point, route)
        assert position.route_code == route
        assert position.offset_m < 0.5
        assert abs(position.stake_m - stake) < 1.0
        back = sample_index.locate(route, position.stake_m)
        assert metres_between(back, point) < 1.0
        # and stake → coordinate → stake
        again = sample_index.measure(*sample_index.locate(route, stake), route)
        assert abs(again.stake_m - stake) < 1.0


def test_unrestricted_measure_finds_the_road_the_point_is_on(roads: list[dict], sample_index: RoadIndex) -> None:
    draw = np.random.default_rng(7)
    for _ in range(150):
        feature = roads[int(draw.integers(0, len(roads)))]
        point, stake, _, _ = on_line_point(feature, draw)
        position = sample_index.measure(*point)
        assert position.offset_m < 0.5
        if position.route_code == feature["properties"]["route_code"]:
            assert abs(position.stake_m - stake) < 1.0
        else:  # a crossing or shared waypoint: the other road passes through the same point
            assert metres_between(sample_index.locate(position.route_code, position.stake_m), point) < 1.0


@pytest.mark.parametrize("offset", [30.0, -45.0, 120.0])
def test_points_beside_the_road_measure_their_offset_and_side(offset: float, roads: list[dict],
                                                               sample_index: RoadIndex) -> None:
    """A point moved perpendicular to a straight stretch keeps the stake and gets the offset."""
    to_xy = Transformer.from_crs(4490, 4551, always_xy=True)
    to_ll = Transformer.from_crs(4551, 4490, always_xy=True)
    draw = np.random.default_rng(11)
    for route in ROUTES:
        for feature in sections_of(roads, route)[:3]:
            point, stake, coords, i = on_line_point(feature, draw)
            (ax, bx), (ay, by) = to_xy.transform(coords[i:i + 2, 0], coords[i:i + 2, 1])
            px, py = to_xy.transform(*point)
            nx, ny = -(by - ay), bx - ax  # left normal of the direction of increasing stake
            norm = math.hypot(nx, ny)
            moved = to_ll.transform(px + nx / norm * offset, py + ny / norm * offset)
            position = sample_index.measure(*moved, route)
            assert abs(position.offset_m - abs(offset)) < 1.0
            assert abs(position.stake_m - stake) < 1.0
            assert position.side == (1 if offset > 0 else -1)


def test_kilometre_posts_land_on_the_stakes_layer(sample_index: RoadIndex) -> None:
    posts = sample_features("stakes")
    assert len(posts) > 5000
    for post in posts:
        props, lonlat = post["properties"], tuple(post["geometry"]["coordinates"])
        assert metres_between(sample_index.locate(props["route_code"], props["stake_m"]), lonlat) < 1.0
    for post in posts[::7]:
        props, lonlat = post["properties"], tuple(post["geometry"]["coordinates"])
        position = sample_index.measure(*lonlat, props["route_code"])
        assert abs(position.stake_m - props["stake_m"]) < 1.0


def test_section_boundaries_join_without_a_gap(roads: list[dict], sample_index: RoadIndex) -> None:
    for route in ROUTES:
        sections = sections_of(roads, route)
        for before, after in pairwise(sections):
            boundary = before["properties"]["end_stake_m"]
            assert after["properties"]["start_stake_m"] == boundary
            end_vertex = tuple(before["geometry"]["coordinates"][0][-1])
            start_vertex = tuple(after["geometry"]["coordinates"][0][0])
            assert metres_between(sample_index.locate(route, boundary), end_vertex) < 1.0
            assert metres_between(sample_index.locate(route, boundary), start_vertex) < 1.0
            # a metre across the boundary is a metre along the road
            near, far = sample_index.locate(route, boundary - 0.5), sample_index.locate(route, boundary + 0.5)
            step = metres_between(near, far)
            assert abs(step - 1.0) < 0.2
            assert sample_index.measure(*sample_index.locate(route, boundary + 2), route).section.section_code == \
                after["properties"]["section_code"]


def test_route_ends_and_stakes_outside_them(roads: list[dict], sample_index: RoadIndex) -> None:
    sections = sections_of(roads, "G1")
    first, last = sections[0]["properties"]["start_stake_m"], sections[-1]["properties"]["end_stake_m"]
    assert sample_index.route_range("G1") == (first, last)
    assert metres_between(sample_index.locate("G1", first), tuple(sections[0]["geometry"]["coordinates"][0][0])) < 1.0
    assert metres_between(sample_index.locate("G1", last), tuple(sections[-1]["geometry"]["coordinates"][0][-1])) < 1.0
    with pytest.raises(StakeOutOfRange, match=f"K{first // 1000}\\+{first % 1000:03d}"):
        sample_index.locate("G1", first - 1)
    with pytest.raises(StakeOutOfRange, match=f"K{last // 1000}\\+{last % 1000:03d}"):
        sample_index.locate("G1", last + 1)


def test_unknown_routes_and_malformed_codes_are_errors(sample_index: RoadIndex) -> None:
    with pytest.raises(UnknownRoute, match="G999"):
        sample_index.locate("G999", 1000)
    with pytest.raises(UnknownRoute):
        sample_index.measure(125.3, 43.9, "S999")
    with pytest.raises(MalformedReference):
        sample_index.locate("高速", 1000)


def test_route_restriction_at_a_crossing(roads: list[dict], sample_index: RoadIndex) -> None:
    """Where G1 and G102 cross, each route gives its own stake for the same point."""
    lines = {code: shapely.line_merge(shapely.MultiLineString(
        [shape(f["geometry"]).geoms[0] for f in sections_of(roads, code)])) for code in ("G1", "G102")}
    crossing = shapely.get_parts(lines["G1"].intersection(lines["G102"]))[0]
    for code in ("G1", "G102"):
        position = sample_index.measure(crossing.x, crossing.y, code)
        assert position.route_code == code and position.offset_m < 0.5
        expected_sections = [f for f in sections_of(roads, code)
                             if shape(f["geometry"]).distance(crossing) < 1e-7]
        feature = expected_sections[0]
        coords = np.asarray(feature["geometry"]["coordinates"][0])
        along = LineString(coords).project(crossing)  # degrees: find the segment, then measure geodesically
        cum = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
        i = int(np.searchsorted(cum, along, side="right")) - 1
        stake = feature["properties"]["start_stake_m"] + GEOD.line_length(coords[: i + 1, 0], coords[: i + 1, 1]) \
            + metres_between(tuple(coords[i]), (crossing.x, crossing.y))
        assert abs(position.stake_m - stake) < 1.0


def test_max_distance_limits_the_search(roads: list[dict], sample_index: RoadIndex) -> None:
    to_xy = Transformer.from_crs(4490, 4551, always_xy=True)
    metric = [LineString(np.column_stack(to_xy.transform(*np.asarray(f["geometry"]["coordinates"][0]).T)))
              for f in roads]
    for lon, lat in ((125.9, 44.2), (127.3, 42.6), (122.9, 45.0)):
        nearest = min(line.distance(shapely.Point(*to_xy.transform(lon, lat))) for line in metric)
        assert nearest > 500  # places away from every road
        with pytest.raises(NoRoadNearby):
            sample_index.measure(lon, lat, max_distance_m=nearest * 0.98)
        found = sample_index.measure(lon, lat, max_distance_m=nearest * 1.02)
        assert abs(found.offset_m - nearest) < nearest * 0.005
