"""The dangerous-goods restricted-zone rule on constructed tracks: banned hours on and off, one clue per
vehicle, zone and hour, the evidence track around the entry, entries spanning batches — over each store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from shapely.geometry import Point, shape

from domains.road_transport.positions.batch import to_ms
from domains.road_transport.zones.hours import parse_banned_hours
from layers.stores.base import FeatureRecord
from tests.positions.conftest import rt  # noqa: F401 - the fixture
from tests.positions.support import DG_PLATE, OTHER_PLATE, at, drive, features, post, square

ZONE_LON, LAT = 125.5, 43.5
#: Reports every 30 s eastwards at 60 km/h from 125.45°E: outside until 3.5 min, inside 3.5–5 min.
APPROACH = [(8, 60)]
NOW = datetime(2024, 5, 2, tzinfo=UTC)


def add_zone(registry, hours: str, zone_id: str = "RZ-CC-901") -> None:
    layer = registry.get("rt_restricted_zones")
    registry.store.insert(layer, [FeatureRecord(square(ZONE_LON, LAT, 0.01), {
        "zone_id": zone_id, "kind": "city_centre", "name_zh": "测试城区限行区", "banned_hours": hours,
        "adcode": "220100"})])


def pass_through(plate: str, start: datetime):
    return drive(plate, start, APPROACH, lon0=ZONE_LON - 0.05, lat0=LAT)


def clues(registry) -> list[dict]:
    return sorted(features(registry, "enf_clues"), key=lambda f: f["properties"]["observed_at"])


def inside(lon: float, lat: float) -> bool:
    return abs(lon - ZONE_LON) <= 0.01 and abs(lat - LAT) <= 0.01


@pytest.mark.parametrize(("text", "probes"), [
    ("07:00-09:00,17:00-19:00", {(6, 59): False, (7, 0): True, (8, 59): True, (9, 0): False, (18, 0): True}),
    ("22:00-06:00", {(21, 59): False, (23, 0): True, (0, 30): True, (6, 0): False}),
    ("", {(3, 0): True, (15, 0): True}),
])
def test_banned_hours_hold_in_china_time(text: str, probes: dict) -> None:
    hours = parse_banned_hours(text)
    for (hour, minute), expected in probes.items():
        assert bool(hours.active(np.array([to_ms(at(1, hour, minute))]))[0]) is expected, (text, hour, minute)


@pytest.mark.parametrize("text", ["7-9", "07:00-07:00", "25:00-26:00", "07:00-09:00;17:00-19:00"])
def test_malformed_banned_hours_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="禁行时段"):
        parse_banned_hours(text)


def test_an_entry_in_banned_hours_makes_a_clue_with_its_track(rt) -> None:  # noqa: F811
    add_zone(rt, "07:00-09:00")
    track = pass_through(DG_PLATE, at(1, 8, 10))
    post(rt, track, NOW)
    (clue,) = clues(rt)
    p = clue["properties"]
    first_inside = next(i for i in range(len(track)) if inside(track.lon[i], track.lat[i]))
    entry = (float(track.lon[first_inside]), float(track.lat[first_inside]))
    assert clue["geometry"]["coordinates"] == list(entry)
    assert p["observed_at"] == at(1, 8, 10) + timedelta(seconds=30 * first_inside)
    assert (p["source"], p["plate"], p["zone_id"], p["dedup_key"]) == (
        "dg_restricted_zone", DG_PLATE, "RZ-CC-901", f"{DG_PLATE}|RZ-CC-901|2024050108")
    assert p["adcode"] == "220100" and p["workflow_state"] == "new"
    coords = [tuple(c) for c in json.loads(p["evidence_track"])["coordinates"]]
    assert entry in coords
    assert not inside(*coords[0]) and not inside(*coords[-1])  # from before the entry to the exit
    assert all(inside(*c) for c in coords[coords.index(entry):-1])
    history = rt.store.history(rt.get("enf_clues"), clue["id"])
    assert [(step.to_state, step.from_state) for step in history] == [("new", None)]


def test_outside_banned_hours_and_for_other_vehicles_there_is_no_clue(rt) -> None:  # noqa: F811
    add_zone(rt, "07:00-09:00")
    post(rt, pass_through(DG_PLATE, at(1, 10, 10)), NOW)  # ban not in force
    post(rt, pass_through(OTHER_PLATE, at(1, 8, 10)), NOW)  # not a dangerous-goods vehicle
    assert clues(rt) == []


def test_a_zone_banned_at_all_hours(rt) -> None:  # noqa: F811
    add_zone(rt, "")
    post(rt, pass_through(DG_PLATE, at(1, 3, 10)), NOW)
    assert [c["properties"]["dedup_key"] for c in clues(rt)] == [f"{DG_PLATE}|RZ-CC-901|2024050103"]


def test_one_clue_per_vehicle_zone_and_hour(rt) -> None:  # noqa: F811
    add_zone(rt, "07:00-10:00")
    for start in (at(1, 8, 5), at(1, 8, 35), at(1, 9, 5)):  # two entries at 08:xx, one at 09:xx
        post(rt, pass_through(DG_PLATE, start), NOW)
    keys = [c["properties"]["dedup_key"] for c in clues(rt)]
    assert keys == [f"{DG_PLATE}|RZ-CC-901|2024050108", f"{DG_PLATE}|RZ-CC-901|2024050109"]
    # the same reports again change nothing
    post(rt, pass_through(DG_PLATE, at(1, 8, 35)), NOW)
    assert len(clues(rt)) == 2


def test_two_entries_in_one_batch_and_hour_make_one_clue(rt) -> None:  # noqa: F811
    add_zone(rt, "")
    both = pass_through(DG_PLATE, at(1, 14, 0)).concat(pass_through(DG_PLATE, at(1, 14, 30)))
    post(rt, both, NOW)
    (clue,) = clues(rt)
    assert clue["properties"]["observed_at"] == at(1, 14, 3, 30)


def test_an_entry_spanning_batches_gets_its_exit_later(rt) -> None:  # noqa: F811
    add_zone(rt, "")
    track = pass_through(DG_PLATE, at(1, 14, 0))
    first_inside = next(i for i in range(len(track)) if inside(track.lon[i], track.lat[i]))
    post(rt, track.take(slice(0, first_inside)), NOW)  # up to the report before the entry
    assert clues(rt) == []
    post(rt, track.take(slice(first_inside, first_inside + 1)), NOW)  # the entry alone
    (clue,) = clues(rt)
    coords = json.loads(clue["properties"]["evidence_track"])["coordinates"]
    # the two minutes before the entry (4 reports) and the entry, the last report known
    assert len(coords) == 5 and not any(inside(*c) for c in coords[:4]) and inside(*coords[4])
    post(rt, track.take(slice(first_inside + 1, len(track))), NOW)  # the rest, with the exit
    (clue,) = clues(rt)
    coords = json.loads(clue["properties"]["evidence_track"])["coordinates"]
    assert inside(*coords[4]) and not inside(*coords[-1]) and len(coords) > 6
    assert Point(clue["geometry"]["coordinates"]).equals(Point(track.lon[first_inside], track.lat[first_inside]))


def test_the_clue_sits_inside_the_zone_polygon(rt) -> None:  # noqa: F811
    add_zone(rt, "")
    post(rt, pass_through(DG_PLATE, at(1, 14, 0)), NOW)
    zone = shape(features(rt, "rt_restricted_zones")[0]["geometry"])
    assert zone.covers(Point(clues(rt)[0]["geometry"]["coordinates"]))
