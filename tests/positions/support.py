"""Shared pieces of the position tests: a stand-in `enf_clues` layer (the enforcement domain declares
the real one), constructed roads and zones, and a batch builder."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
from shapely.geometry import MultiLineString, MultiPolygon, Polygon

from domains.base import layer_file as base_layer_file
from domains.road_transport.positions.batch import PositionBatch, to_ms
from layers.model import LayerDefinition
from layers.registry import LayerRegistry, load_layer_file
from layers.stores.base import FeatureRecord

CST = timezone(timedelta(hours=8))

CLUE_WORKFLOW = {
    "initial": "new",
    "create_roles": ["system"],
    "states": [
        {"id": "new", "name_zh": "待甄别", "time_limit_hours": 24},
        {"id": "dismissed", "name_zh": "已排除", "terminal": True},
    ],
    "transitions": [
        {"id": "dismiss", "name_zh": "排除", "from_states": ["new"], "to": "dismissed", "roles": ["inspector"]},
    ],
}

STAND_IN_CLUES = LayerDefinition.model_validate({
    "id": "enf_clues", "title_zh": "执法线索（测试替身）", "title_en": "Clues (stand-in)", "domain": "enforcement",
    "catalogue_code": "JL-JT-ZF-9999", "geometry_type": "Point", "temporal_field": "observed_at",
    "fields": [
        {"name": "source", "type": "string", "title_zh": "来源", "max_length": 32},
        {"name": "plate", "type": "string", "title_zh": "车牌号", "max_length": 9},
        {"name": "zone_id", "type": "string", "title_zh": "区域", "max_length": 16},
        {"name": "dedup_key", "type": "string", "title_zh": "去重键", "max_length": 64},
        {"name": "evidence_track", "type": "string", "title_zh": "轨迹证据", "max_length": 60000},
        {"name": "observed_at", "type": "datetime", "title_zh": "发现时间"},
        {"name": "adcode", "type": "string", "title_zh": "市州", "max_length": 6},
    ],
    "workflow": CLUE_WORKFLOW,
})


def clue_layer() -> LayerDefinition:
    """The enforcement domain's `enf_clues` where that domain is installed, else the stand-in."""
    try:
        from domains.framework.discovery import domain

        return next(layer for layer in domain("enforcement").layers() if layer.id == "enf_clues")
    except (KeyError, StopIteration, ImportError):
        return STAND_IN_CLUES


def base_layer(layer_id: str) -> LayerDefinition:
    return next(layer for layer in load_layer_file(base_layer_file()) if layer.id == layer_id)


def register_roads(registry: LayerRegistry, roads: Sequence[tuple[str, str, int, list[tuple[float, float]]]]) -> None:
    """(section code, road class, speed limit, lon/lat vertices) → the base `roads` layer."""
    layer = base_layer("roads")
    registry.register(layer)
    records = []
    for code, road_class, limit, coords in roads:
        records.append(FeatureRecord(MultiLineString([coords]), {
            "section_code": code, "route_code": code.split("-")[0], "route_name_zh": "测试路线",
            "road_class": road_class, "start_stake_m": 0, "end_stake_m": 10_000, "speed_limit_kmh": limit,
            "adcode": "220100"}))
    registry.store.insert(layer, records)


def square(lon: float, lat: float, half: float) -> MultiPolygon:
    return MultiPolygon([Polygon([(lon - half, lat - half), (lon + half, lat - half), (lon + half, lat + half),
                                  (lon - half, lat + half)])])


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A China-time instant in May 2024."""
    return datetime(2024, 5, day, hour, minute, second, tzinfo=CST)


def drive(plate: str, start: datetime, segments: Sequence[tuple[float, float]], *, lon0: float = 125.0,
          lat0: float = 43.5, step_s: int = 30, east_deg_per_km: float = 0.0124) -> PositionBatch:
    """Reports every `step_s` seconds along a line due east: (minutes, km/h) per segment; the vehicle
    moves by the reported speed between reports."""
    times, speeds, lons = [], [], []
    t = to_ms(start)
    lon = lon0
    for minutes, speed in segments:
        for _ in range(round(minutes * 60 / step_s)):
            times.append(t)
            speeds.append(speed)
            lons.append(lon)
            t += step_s * 1000
            lon += speed * step_s / 3600 * east_deg_per_km
    n = len(times)
    return PositionBatch.of([plate] * n, times, np.round(lons, 6), np.full(n, lat0), speeds, np.full(n, 90.0))


# -- the domain over a real store ------------------------------------------------------------------
EXPRESSWAY_LAT = 43.5
NATIONAL_LAT = 43.6
#: A straight expressway (120 km/h) along 43.5°N and a national road (80 km/h) along 43.6°N, 125–126°E.
TEST_ROADS = (
    ("G99-001", "expressway", 120, [(125.0, EXPRESSWAY_LAT), (126.0, EXPRESSWAY_LAT)]),
    ("G999-001", "national", 80, [(125.0, NATIONAL_LAT), (126.0, NATIONAL_LAT)]),
)
DG_PLATE = "吉A·D0001"
OTHER_PLATE = "吉A·12345"


def domain_layers() -> list[LayerDefinition]:
    from domains.road_transport import DOMAIN

    return DOMAIN.layers()


def open_domain(store_url: str, *, roads: bool = True, dg_plates: Sequence[str] = (DG_PLATE,)) -> LayerRegistry:
    """A store with the road-transport layers, the clue layer, test roads and dangerous-goods vehicles."""
    from shapely.geometry import Point

    from layers.stores import open_store

    registry = LayerRegistry(open_store(store_url))
    for layer in domain_layers():
        registry.register(layer)
    registry.register(clue_layer())
    if roads:
        register_roads(registry, TEST_ROADS)
    vehicles = registry.get("rt_dg_vehicles")
    registry.store.insert(vehicles, [FeatureRecord(Point(125.0, 43.5), {
        "plate": plate, "enterprise_code": "9122010000000001X", "vehicle_type": "tank", "goods_class": "3",
        "adcode": "220100"}) for plate in dg_plates])
    return registry


def rules_dispatch(registry: LayerRegistry, now: datetime | None = None):
    from domains.framework.rules import RuleBook, RuleContext
    from domains.road_transport import DOMAIN

    book = RuleBook(list(DOMAIN.rules))
    context = RuleContext(registry=registry, now=lambda: now or datetime.now(UTC))
    return lambda event: book.dispatch(event, context)


def post(registry: LayerRegistry, batch: PositionBatch, now: datetime | None = None):
    """Store a batch and run the domain's position rules on it, as `POST /positions` does."""
    from domains.road_transport.positions.ingest import ingest
    from domains.road_transport.positions.parse import ParsedBatch

    parsed = ParsedBatch(batch, list(range(len(batch))), [], len(batch))
    report = ingest(registry, parsed, rules_dispatch(registry, now), move=False)
    errors = [f.message for f in report.findings if f.severity == "error"]
    assert not errors, errors
    return report


def features(registry: LayerRegistry, layer_id: str) -> list[dict]:
    """Every feature of a layer (storage lon/lat, Python values), in fid order."""
    layer = registry.get(layer_id)
    return [{"id": f.fid, "geometry": f.geometry, "properties": f.properties}
            for page in registry.store.iter_records(layer) for f in page]
