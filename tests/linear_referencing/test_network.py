"""The road network graph and shortest paths: a hand-built network with known answers, and the
sample network."""

from __future__ import annotations

import math

import numpy as np
import pytest

from domains.base.linear_ref import RoadIndex
from domains.base.network import RoadNetwork
from tests.linear_referencing.constructed import GEOD, geodesic, index_of, road, stake_at_vertex

# G901 runs east 20 km; G902 crosses it at x = 10 km (its vertex 25 = 5 km from its south end);
# S903 starts where G901 ends; S904 is 3 km away from everything; S905 starts 3 m from G902 (joined
# by snapping), S906 starts 30 m from G902 (not joined); S907 is a diagonal shortcut from G902's
# north end to S903's north end.
ROADS = {
    "G901": road("G901", (0, 0), (20_000, 0), speed=100),
    "G902": road("G902", (10_000, -5_000), (10_000, 5_000), speed=80),
    "S903": road("S903", (20_000, 0), (20_000, 8_000), speed=60),
    "S904": road("S904", (0, 3_000), (8_000, 3_000), speed=60),
    "S905": road("S905", (10_003, 2_000), (16_000, 2_000), speed=60),
    "S906": road("S906", (10_030, -2_000), (16_000, -2_000), speed=60),
    "S907": road("S907", (10_000, 5_000), (20_000, 8_000), speed=40),
}


@pytest.fixture(scope="module")
def index() -> RoadIndex:
    return index_of(list(ROADS.values()))


@pytest.fixture(scope="module")
def network(index: RoadIndex) -> RoadNetwork:
    return RoadNetwork(index)


def end_stake(code: str) -> float:
    return ROADS[code]["properties"]["end_stake_m"]


def test_junctions_join_crossings_shared_ends_and_snapped_ends_only(network: RoadNetwork) -> None:
    # one network of G901, G902, S903, S905, S907; S904 and S906 alone
    assert network.components() == 3


def test_path_along_one_road_then_another(index: RoadIndex, network: RoadNetwork) -> None:
    path = network.path(index.position("G901", 2_000), index.position("S903", 3_000))
    assert path is not None
    expected = (end_stake("G901") - 2_000) + 3_000
    assert path.distance_m == pytest.approx(expected, abs=1.0)
    assert path.time_s == pytest.approx((end_stake("G901") - 2_000) / (100 / 3.6) + 3_000 / (60 / 3.6), abs=0.1)
    assert path.route_codes() == ["G901", "S903"]


def test_path_through_a_crossing(index: RoadIndex, network: RoadNetwork) -> None:
    crossing_on_g901 = stake_at_vertex(ROADS["G901"], 50)  # x = 10 km
    crossing_on_g902 = stake_at_vertex(ROADS["G902"], 25)  # y = 0
    path = network.path(index.position("G901", 2_000), index.position("G902", 7_000))
    assert path is not None
    assert path.distance_m == pytest.approx((crossing_on_g901 - 2_000) + (7_000 - crossing_on_g902), abs=1.0)
    # the drawn path is as long as the distance, from one point to the other
    coords = path.coordinates()
    assert geodesic(coords) == pytest.approx(path.distance_m, abs=1.0)
    start, end = index.locate("G901", 2_000), index.locate("G902", 7_000)
    assert GEOD.inv(*coords[0], *start)[2] < 0.5 and GEOD.inv(*coords[-1], *end)[2] < 0.5


def test_the_shorter_of_two_ways_is_taken(index: RoadIndex, network: RoadNetwork) -> None:
    path = network.path(index.position("G902", end_stake("G902")), index.position("S903", end_stake("S903")))
    assert path is not None
    assert path.distance_m == pytest.approx(end_stake("S907"), abs=1.0)  # ≈ 10.4 km, not 5 + 10 + 8 km
    assert path.route_codes() == ["S907"]
    assert path.time_s == pytest.approx(end_stake("S907") / (40 / 3.6), abs=0.1)


def test_points_on_the_same_piece_and_backwards(index: RoadIndex, network: RoadNetwork) -> None:
    forward = network.path(index.position("G901", 1_000), index.position("G901", 4_500))
    backward = network.path(index.position("G901", 4_500), index.position("G901", 1_000))
    assert forward is not None and backward is not None
    assert forward.distance_m == pytest.approx(3_500, abs=0.01)
    assert backward.distance_m == pytest.approx(3_500, abs=0.01)
    assert geodesic(backward.coordinates()) == pytest.approx(3_500, abs=1.0)
    same = network.path(index.position("G901", 1_000), index.position("G901", 1_000))
    assert same is not None and same.distance_m == 0


def test_snapped_end_joins_and_far_end_does_not(index: RoadIndex, network: RoadNetwork) -> None:
    origin = index.position("G901", 2_000)
    joined = network.path(origin, index.position("S905", 1_000))
    assert joined is not None
    crossing_on_g901 = stake_at_vertex(ROADS["G901"], 50)
    crossing_on_g902 = stake_at_vertex(ROADS["G902"], 25)
    via = (crossing_on_g901 - 2_000) + (stake_at_vertex(ROADS["G902"], 35) - crossing_on_g902) + 1_000
    assert joined.distance_m == pytest.approx(via, abs=5.0)  # the 3 m snap gap is bridged, not measured
    assert network.path(origin, index.position("S906", 1_000)) is None
    assert network.path(origin, index.position("S904", 1_000)) is None


def test_many_targets_at_once_match_one_by_one(index: RoadIndex, network: RoadNetwork) -> None:
    origin = index.position("G902", 1_000)
    targets = [index.position(code, s) for code, s in
               (("G901", 500), ("S903", 7_000), ("S907", 100), ("S904", 10), ("G902", 9_000), ("G902", 1_200))]
    together = network.paths_from(origin, targets)
    for target, path in zip(targets, together, strict=True):
        alone = network.path(origin, target)
        assert (path is None) == (alone is None)
        if path is not None and alone is not None:
            assert path.distance_m == pytest.approx(alone.distance_m, abs=1e-6)
    assert together[3] is None
    assert together[5] is not None and together[5].distance_m == pytest.approx(200, abs=0.01)


def test_sample_network_is_connected_and_paths_are_consistent(sample_index: RoadIndex) -> None:
    network = RoadNetwork(sample_index)
    assert network.components() == 1
    draw = np.random.default_rng(3)
    sections = sample_index.sections
    for _ in range(20):
        a, b = (sections[int(i)] for i in draw.integers(0, len(sections), size=2))
        origin = sample_index.position(a.route_code, (a.start_stake_m + a.end_stake_m) / 2)
        target = sample_index.position(b.route_code, (b.start_stake_m + b.end_stake_m) / 2)
        path = network.path(origin, target)
        assert path is not None
        coords = path.coordinates()
        assert geodesic(coords) == pytest.approx(path.distance_m, rel=1e-4, abs=1.0)
        straight = GEOD.inv(origin.lon, origin.lat, target.lon, target.lat)[2]
        assert path.distance_m >= straight - 1.0
        slowest = min(s.speed_limit_kmh for s in sections) / 3.6
        assert path.time_s <= path.distance_m / slowest + 1e-6
        assert not math.isnan(path.time_s)
