"""Dangerous-goods vehicles' points follow their newest report, keep their fid, never move back;
refreshes are throttled per process."""

from __future__ import annotations

from domains.road_transport import vehicle_positions
from domains.road_transport.positions.batch import PositionBatch, to_ms
from domains.road_transport.vehicle_positions import move_vehicles, refresh_due
from tests.positions.support import DG_PLATE, OTHER_PLATE, at, features


def vehicle(registry) -> dict:
    (found,) = [f for f in features(registry, "rt_dg_vehicles") if f["properties"]["plate"] == DG_PLATE]
    return found


def test_a_vehicle_moves_to_its_newest_report_and_keeps_its_id(rt) -> None:
    before = vehicle(rt)
    batch = PositionBatch.of([DG_PLATE, DG_PLATE, OTHER_PLATE], [to_ms(at(1, 8)), to_ms(at(1, 8, 0, 30)),
                                                                 to_ms(at(1, 9))],
                             [125.1, 125.2, 126.0], [43.5, 43.51, 43.9], [50.0, 51.5, 60.0], [80.0, 85.5, 0.0])
    assert move_vehicles(rt, batch) == 1  # the other plate is not a registered dangerous-goods vehicle
    after = vehicle(rt)
    assert after["id"] == before["id"]
    assert after["geometry"]["coordinates"] == [125.2, 43.51]
    p = after["properties"]
    assert (p["last_seen_at"], p["last_speed_kmh"], p["last_heading_deg"]) == (at(1, 8, 0, 30), 51.5, 85.5)
    assert p["enterprise_code"] == before["properties"]["enterprise_code"]
    older = PositionBatch.of([DG_PLATE], [to_ms(at(1, 7))], [125.9], [43.9], [10.0], [0.0])
    assert move_vehicles(rt, older) == 0
    assert vehicle(rt)["geometry"]["coordinates"] == [125.2, 43.51]


def test_refreshes_are_throttled(monkeypatch) -> None:
    monkeypatch.setattr(vehicle_positions, "_last_refresh", 0.0)
    assert refresh_due(1_000.0)
    assert not refresh_due(1_000.0 + vehicle_positions.REFRESH_SECONDS - 1)
    assert refresh_due(1_000.0 + vehicle_positions.REFRESH_SECONDS)
