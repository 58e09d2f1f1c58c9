"""The road-transport samples: valid against their layers, deterministic, on the roads, and loaded
resumably over each store with the alerts and clues their tracks imply."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from shapely.geometry import Point, shape

import domains.road_transport.samples.loader as loader
from domains.framework.discovery import discover_domains
from domains.framework.domain import SampleContext
from domains.framework.identities import enterprise_code, enterprises_of
from domains.road_transport import DOMAIN
from domains.road_transport.alerts.episodes import fatigue_episodes
from domains.road_transport.plates import normalize_plate
from domains.road_transport.positions.batch import DAY_MS, HOUR_MS, china_hour_key, to_ms
from domains.road_transport.positions.store import position_store
from domains.road_transport.reference import RoadIndex
from domains.road_transport.samples.stations import station_features
from domains.road_transport.samples.trips import SLOT_MS, SLOTS, track
from domains.road_transport.samples.vehicles import VEHICLE_COUNT, vehicle_specs
from domains.road_transport.samples.zones import zone_features
from domains.road_transport.zones.hours import parse_banned_hours
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.validation import check_geometry, check_properties
from tests.positions.support import clue_layer, features

NOW = datetime(2026, 5, 20, 8, tzinfo=UTC) - timedelta(hours=8)  # 08:00 China time, as `load-samples` sets it
START = to_ms(NOW) - DAY_MS


def layer(layer_id: str):
    return next(item for item in DOMAIN.layers() if item.id == layer_id)


def test_the_domain_is_discovered_with_its_rules_after_base() -> None:
    ids = [item.id for item in discover_domains()]
    assert ids.index("base") < ids.index("road_transport")
    assert [rule.id for rule in DOMAIN.rules] == ["rt_driving_alerts", "rt_dg_restricted_zone"]
    assert {item.id for item in DOMAIN.layers()} == {"rt_dg_vehicles", "rt_restricted_zones", "rt_alerts",
                                                     "rt_bus_stations"}


def test_vehicles_have_unique_valid_plates_and_dangerous_goods_carriers() -> None:
    specs = vehicle_specs()
    assert len(specs) == VEHICLE_COUNT == len({s.plate for s in specs})
    assert all(normalize_plate(s.plate) == s.plate for s in specs)
    carriers = {enterprise_code(n) for n in enterprises_of("dangerous_goods")}
    assert {s.enterprise_code for s in specs} <= carriers
    vehicles = layer("rt_dg_vehicles")
    for spec in specs:
        check_properties(vehicles, spec.properties())
    shares = np.mean([s.goods_class == "3" for s in specs])
    assert 0.45 < shares < 0.6  # flammable liquids carry most


def test_zones_and_stations_fit_their_layers() -> None:
    zones, stations = layer("rt_restricted_zones"), layer("rt_bus_stations")
    found = zone_features()
    assert len({z["properties"]["zone_id"] for z in found}) == len(found)
    assert {z["properties"]["kind"] for z in found} == {"water_source", "bridge", "city_centre"}
    for zone in found:
        check_geometry(zones, zone["geometry"])
        check_properties(zones, zone["properties"])
        parse_banned_hours(zone["properties"]["banned_hours"])
        assert zone["geometry"].is_valid and zone["geometry"].area > 0
    for station in station_features():
        check_geometry(stations, station["geometry"])
        check_properties(stations, station["properties"])


def test_tracks_are_deterministic_every_thirty_seconds_and_on_the_roads() -> None:
    spec = vehicle_specs()[7]
    one, two = track(spec, START), track(spec, START)
    for a, b in zip(one.batch.columns(), two.batch.columns(), strict=True):
        assert np.array_equal(a, b)
    assert len(one.batch) == SLOTS == 2_880
    assert set(np.diff(one.batch.t).tolist()) == {SLOT_MS}
    assert one.batch.t[0] == START and one.batch.t[-1] == START + DAY_MS - SLOT_MS
    roads = RoadIndex.build(_road_features())
    assert (roads.match(one.batch.lon, one.batch.lat) >= 0).all()


def test_lawful_sample_vehicles_stay_within_their_limits_and_rest() -> None:
    for spec in vehicle_specs()[:120]:
        item = track(spec, START)
        cap = 80.0 if item.route_code.startswith("G") and _expressway(item.route_code) else 60.0
        if not item.speeding:
            assert item.batch.speed.max() <= cap
        if not item.fatigue:
            assert fatigue_episodes(item.batch)[0] == []


@pytest.fixture
def sample_registry(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LayerRegistry]:
    """Base and road-transport layers with the base samples; the loader limited to 30 chosen vehicles."""
    specs = vehicle_specs()
    tracks = {s.index: track(s, START) for s in specs[:400]}
    speeding = [i for i, t in tracks.items() if t.speeding][:8]
    fatigue = [i for i, t in tracks.items() if t.fatigue][:6]
    lawful = [i for i, t in tracks.items() if not (t.speeding or t.fatigue)][:16]
    chosen = tuple(specs[i] for i in sorted({*speeding, *fatigue, *lawful}))
    monkeypatch.setattr(loader, "vehicle_specs", lambda: chosen)
    registry = LayerRegistry(open_store(store_url))
    registry.register(clue_layer())
    base = next(item for item in discover_domains() if item.id == "base")
    context = SampleContext(registry=registry, now=NOW, progress=lambda *_: None)
    from domains.framework.samples import load_samples

    load_samples(context, [base])
    for item in DOMAIN.layers():
        registry.register(item)
    yield registry
    registry.close()
    registry.store.close()


def test_samples_load_resumably_with_their_alerts_and_clues(sample_registry: LayerRegistry) -> None:
    context = SampleContext(registry=sample_registry, now=NOW, progress=lambda *_: None)
    chosen = loader.vehicle_specs()
    written = loader.load(context, hours=1)
    positions = position_store(sample_registry.store)
    assert written["rt_positions"] == len(chosen) * 120
    assert written["rt_dg_vehicles"] == len(chosen)
    # alerts come from the whole day: every flagged vehicle's, no lawful vehicle's
    tracks = {s.plate: track(s, START) for s in chosen}
    alerts = [f["properties"] for f in features(sample_registry, "rt_alerts")]
    speeding = {a["plate"] for a in alerts if a["kind"] == "speeding"}
    fatigue = {a["plate"] for a in alerts if a["kind"] == "fatigue"}
    assert speeding and speeding <= {p for p, t in tracks.items() if t.speeding}
    assert fatigue and fatigue <= {p for p, t in tracks.items() if t.fatigue}
    # clues: inside their zone, in its banned hours, keyed by vehicle, zone and China-time hour
    zones = {z["properties"]["zone_id"]: z for z in zone_features()}
    for clue in features(sample_registry, "enf_clues"):
        p = clue["properties"]
        zone = zones[p["zone_id"]]
        assert zone["geometry"].covers(Point(clue["geometry"]["coordinates"]))
        moment = to_ms(p["observed_at"])
        assert parse_banned_hours(zone["properties"]["banned_hours"]).active(np.array([moment]))[0]
        assert p["dedup_key"] == f"{p['plate']}|{p['zone_id']}|{china_hour_key(moment)}"
    # a vehicle's point is its last report of the day
    vehicle = features(sample_registry, "rt_dg_vehicles")[0]
    last = tracks[vehicle["properties"]["plate"]].batch
    assert vehicle["geometry"]["coordinates"] == [float(last.lon[-1]), float(last.lat[-1])]
    # interrupted load: one vehicle's positions gone → only it is written again; then nothing
    victim = chosen[0].plate
    counts = positions.counts(to_ms(NOW) - HOUR_MS, to_ms(NOW))
    assert set(counts.values()) == {120}
    _delete_plate(sample_registry, victim)
    again = loader.load(context, hours=1)
    assert again == {"rt_positions": 120, "rt_alerts": 0, **({"enf_clues": 0} if "enf_clues" in again else {})}
    assert loader.load(context, hours=1)["rt_positions"] == 0


def _delete_plate(registry: LayerRegistry, plate: str) -> None:
    """Lose one vehicle's positions (both stores name the column `plate`)."""
    import sqlalchemy as sa

    with registry.store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM rt_positions WHERE plate = :p"), {"p": plate})


def _road_features() -> list[dict]:
    from domains.base import sample_dir
    from domains.base.features import read_collection

    return read_collection(sample_dir() / "roads.geojson")


def _expressway(route_code: str) -> bool:
    return any(f["properties"]["road_class"] == "expressway" for f in _road_features()
               if f["properties"]["route_code"] == route_code)


def test_zone_polygons_come_from_the_base_samples() -> None:
    bridges = {z["properties"]["bridge_code"]: z for z in zone_features() if z["properties"]["kind"] == "bridge"}
    from domains.base import sample_dir
    from domains.base.features import read_collection

    for bridge in read_collection(sample_dir() / "bridges.geojson"):
        code = bridge["properties"]["bridge_code"]
        if code in bridges:
            assert bridges[code]["geometry"].covers(shape(bridge["geometry"]))
