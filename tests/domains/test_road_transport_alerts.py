"""Speeding and fatigue alerts on constructed tracks with known answers: the evaluators alone, then
through the `positions` rules over each store, with episodes spanning batches."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from domains.road_transport.alerts.episodes import fatigue_episodes, speeding_episodes
from domains.road_transport.alerts.limits import speed_limits
from domains.road_transport.positions.batch import MINUTE_MS, PositionBatch, to_ms
from domains.road_transport.positions.store import DrivingState, position_store
from domains.road_transport.reference import RoadIndex
from tests.positions.conftest import rt  # noqa: F401 - the fixture
from tests.positions.support import DG_PLATE, NATIONAL_LAT, OTHER_PLATE, TEST_ROADS, at, drive, features, post

T0 = at(1, 6)
MS0 = to_ms(T0)


def minutes(ms: int) -> float:
    return (ms - MS0) / MINUTE_MS


def split(batch: PositionBatch, minute: float) -> tuple[PositionBatch, PositionBatch]:
    cut = MS0 + int(minute * MINUTE_MS)
    return batch.take(batch.t < cut), batch.take(batch.t >= cut)


# -- the evaluators ------------------------------------------------------------------------------------
def test_speeding_needs_thirty_seconds_over_the_limit() -> None:
    # 5 min at 60, 2 min at 85 (reports at 5:00 … 6:30), 5 min at 60, one report at 85, 3 min at 60
    track = drive(DG_PLATE, T0, [(5, 60), (2, 85), (5, 60), (0.5, 85), (3, 60)])
    episodes = speeding_episodes(track, np.full(len(track), 80.0))
    assert [(minutes(e.started_ms), minutes(e.ended_ms), e.max_speed, e.limit_kmh) for e in episodes] == [
        (5.0, 6.5, 85.0, 80.0)]


def test_a_silence_longer_than_five_minutes_ends_a_speeding_episode() -> None:
    first = drive(DG_PLATE, T0, [(0.5, 90)])
    second = drive(DG_PLATE, T0 + timedelta(minutes=6), [(0.5, 90)])
    assert speeding_episodes(first.concat(second), np.full(2, 80.0)) == []


@pytest.mark.parametrize(("rest", "expected"), [(19, [(240.5, 258.5, 258.5)]), (21, [])])
def test_a_rest_under_twenty_minutes_does_not_break_continuous_driving(rest: int, expected: list) -> None:
    track = drive(DG_PLATE, T0, [(120, 50), (rest, 0), (120, 50)])
    episodes, _ = fatigue_episodes(track)
    assert [(minutes(e.started_ms), minutes(e.ended_ms), e.driving_ms / MINUTE_MS) for e in episodes] == expected


def test_a_silent_terminal_for_twenty_minutes_counts_as_a_rest() -> None:
    before = drive(DG_PLATE, T0, [(150, 50)])
    after = drive(DG_PLATE, T0 + timedelta(minutes=171), [(150, 50)])  # silent 149.5 → 171 min
    episodes, states = fatigue_episodes(before.concat(after))
    assert episodes == []
    assert states[DG_PLATE] == DrivingState(MS0 + int(320.5 * MINUTE_MS), MS0 + 171 * MINUTE_MS, None)


@pytest.mark.parametrize("overlap", [0, 25])
def test_a_carried_driving_state_gives_the_same_answer_as_the_whole_track(overlap: int) -> None:
    track = drive(DG_PLATE, T0, [(100, 50), (8, 0), (200, 50)])
    whole, _ = fatigue_episodes(track)
    head, _ = split(track, 180)
    _, states = fatigue_episodes(head)
    assert states[DG_PLATE] == DrivingState(MS0 + int(179.5 * MINUTE_MS), MS0, None)
    window = track.take(track.t >= MS0 + (180 - overlap) * MINUTE_MS)  # the second part (and some before)
    parts, _ = fatigue_episodes(window, states)
    assert [(e.started_ms, e.ended_ms, e.driving_ms) for e in parts] == [
        (e.started_ms, e.ended_ms, e.driving_ms) for e in whole]
    assert [(minutes(e.started_ms), minutes(e.ended_ms)) for e in whole] == [(240.5, 307.5)]


@pytest.mark.parametrize(("stop", "expected"), [(30, []), (19, [(240.5, 318.5)])])
def test_a_stop_in_progress_is_carried_between_batches(stop: int, expected: list) -> None:
    track = drive(DG_PLATE, T0, [(100, 50), (stop, 0), (200, 50)])
    head, tail = split(track, 115)  # the batch boundary falls 15 minutes into the stop
    _, states = fatigue_episodes(head)
    assert states[DG_PLATE] == DrivingState(MS0 + int(114.5 * MINUTE_MS), MS0, MS0 + 100 * MINUTE_MS)
    parts, _ = fatigue_episodes(tail, states)
    whole, _ = fatigue_episodes(track)
    assert [(minutes(e.started_ms), minutes(e.ended_ms)) for e in parts] == expected
    assert [(e.started_ms, e.ended_ms) for e in whole] == [(e.started_ms, e.ended_ms) for e in parts]


def test_dangerous_goods_limits_are_capped_and_others_keep_the_posted_limit() -> None:
    roads = RoadIndex.build([{"geometry": {"type": "LineString", "coordinates": coords},
                              "properties": {"speed_limit_kmh": limit, "road_class": kind, "route_code": code}}
                             for code, kind, limit, coords in TEST_ROADS])
    # expressway (120), national road (80), off the network; each for a dangerous-goods vehicle and another
    lon = np.array([125.5, 125.5, 125.5, 125.5, 127.5, 127.5])
    lat = np.array([43.5, 43.5, NATIONAL_LAT, NATIONAL_LAT, 44.5, 44.5])
    batch = PositionBatch.of(["d", "o", "d", "o", "d", "o"], np.arange(6), lon, lat, np.full(6, 85.0), np.zeros(6))
    limits = speed_limits(batch, roads, np.array([True, False, True, False, True, False]))
    assert limits.limit.tolist()[:5] == [80.0, 120.0, 60.0, 80.0, 60.0]
    assert np.isnan(limits.limit[5])
    slow = PositionBatch.of(["d"], [0], [125.5], [43.5], [55.0], [0.0])  # too slow to be over any limit
    assert np.isnan(speed_limits(slow, roads, np.array([True])).limit[0])


# -- through the rules, over each store -----------------------------------------------------------------
def alerts(registry, kind: str) -> list[dict]:
    return sorted((f["properties"] for f in features(registry, "rt_alerts") if f["properties"]["kind"] == kind),
                  key=lambda p: p["started_at"])


def test_a_speeding_episode_spanning_two_batches_is_one_alert(rt) -> None:  # noqa: F811
    # on the expressway at 70, then 95 from minute 10 for 3 minutes; the batch boundary is at 11:00
    track = drive(DG_PLATE, T0, [(10, 70), (3, 95), (5, 70)], lat0=43.5)
    first, second = split(track, 11)
    post(rt, first)
    (alert,) = alerts(rt, "speeding")
    assert (alert["started_at"], alert["ended_at"]) == (T0 + timedelta(minutes=10), T0 + timedelta(minutes=10.5))
    post(rt, second)
    (alert,) = alerts(rt, "speeding")
    assert (alert["started_at"], alert["ended_at"]) == (T0 + timedelta(minutes=10), T0 + timedelta(minutes=12.5))
    assert (alert["max_speed_kmh"], alert["limit_kmh"], alert["duration_min"]) == (95.0, 80, 2.5)
    assert (alert["plate"], alert["route_code"], alert["dangerous_goods"]) == (DG_PLATE, "G99", True)


def test_a_short_overrun_at_the_end_of_a_batch_counts_with_its_continuation(rt) -> None:  # noqa: F811
    track = drive(DG_PLATE, T0, [(10, 70), (1, 95), (5, 70)])  # over at 10:00 and 10:30
    first, second = split(track, 10.25)  # one over-limit report in the first batch: not yet an episode
    post(rt, first)
    assert alerts(rt, "speeding") == []
    post(rt, second)
    (alert,) = alerts(rt, "speeding")
    assert (alert["started_at"], alert["ended_at"]) == (T0 + timedelta(minutes=10), T0 + timedelta(minutes=10.5))


def test_other_vehicles_are_held_to_the_posted_limit(rt) -> None:  # noqa: F811
    post(rt, drive(OTHER_PLATE, T0, [(5, 100), (5, 125)]))  # 100 is lawful on a 120 expressway; 125 is not
    (alert,) = alerts(rt, "speeding")
    assert (alert["started_at"], alert["limit_kmh"], alert["dangerous_goods"]) == (
        T0 + timedelta(minutes=5), 120, False)


def test_fatigue_spanning_batches_is_one_alert_extended_as_it_goes_on(rt) -> None:  # noqa: F811
    track = drive(DG_PLATE, T0, [(280, 50)])  # 4 h 40 min without a rest
    first, rest = split(track, 180)
    second, third = split(rest, 270)
    post(rt, first)
    assert alerts(rt, "fatigue") == []
    states = position_store(rt.store).read_states([DG_PLATE])
    assert states == {DG_PLATE: DrivingState(MS0 + int(179.5 * MINUTE_MS), MS0, None)}
    post(rt, second)
    (alert,) = alerts(rt, "fatigue")
    assert (alert["started_at"], alert["ended_at"], alert["driving_min"]) == (
        T0 + timedelta(minutes=240.5), T0 + timedelta(minutes=269.5), 269.5)
    post(rt, third)
    (alert,) = alerts(rt, "fatigue")
    assert (alert["started_at"], alert["ended_at"], alert["driving_min"]) == (
        T0 + timedelta(minutes=240.5), T0 + timedelta(minutes=279.5), 279.5)


def test_fatigue_is_found_by_looking_back_when_no_driving_state_is_kept(rt) -> None:  # noqa: F811
    track = drive(DG_PLATE, T0, [(280, 50)])
    first, second = split(track, 180)
    position_store(rt.store).write(first)  # stored without evaluation: no driving state
    post(rt, second)
    (alert,) = alerts(rt, "fatigue")
    assert (alert["started_at"], alert["ended_at"]) == (T0 + timedelta(minutes=240.5), T0 + timedelta(minutes=279.5))


@pytest.mark.parametrize(("rest", "expected"), [(19, 1), (21, 0)])
def test_a_rest_split_across_batches_is_judged_whole(rt, rest: int, expected: int) -> None:  # noqa: F811
    track = drive(DG_PLATE, T0, [(120, 50), (rest, 0), (120, 50)])
    first, second = split(track, 130)  # the batch boundary falls ten minutes into the rest
    post(rt, first)
    post(rt, second)
    found = alerts(rt, "fatigue")
    assert len(found) == expected
    if expected:
        assert found[0]["started_at"] == T0 + timedelta(minutes=240.5)
