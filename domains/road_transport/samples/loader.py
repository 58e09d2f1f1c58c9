"""Loading the road-transport samples into a store.

1. restricted zones, bus stations and vehicles (each layer loaded when empty, or reloaded with
   `replace`); a vehicle's point is its last position of the day;
2. positions: the 24 hours before `SampleContext.now`, every 30 s, written through the same
   `PositionStore.write` the API uses, 100 vehicles at a time — vehicles whose day is already
   stored whole are skipped, so an interrupted load resumes where it stopped; `hours` loads only
   the last hours of the day (the alerts and clues still come from the whole day);
3. alerts, clues and driving states: the same evaluators the `positions` rules run, over each
   vehicle's whole day (recording is idempotent: a second load adds nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from shapely.geometry import Point, shape

from domains.framework.domain import SampleContext
from domains.road_transport.alerts.record import ALERTS, record_episodes
from domains.road_transport.alerts.rule import describer, evaluate
from domains.road_transport.lookup import features_where, timestamp_literal
from domains.road_transport.positions.batch import DAY_MS, HOUR_MS, PositionBatch, from_ms, to_ms
from domains.road_transport.positions.store import position_store
from domains.road_transport.reference import VEHICLES, ZONES, Reference
from domains.road_transport.samples.stations import station_features
from domains.road_transport.samples.trips import SLOTS, Track, track
from domains.road_transport.samples.vehicles import vehicle_specs
from domains.road_transport.samples.zones import zone_features
from domains.road_transport.zones.clues import CLUES, SOURCE, write_clues
from domains.road_transport.zones.entries import find_entries
from layers.errors import LayerNotFound
from layers.model import LayerDefinition
from layers.registry import LayerRegistry
from layers.stores.base import FeatureRecord
from layers.validation import check_geometry, check_properties

STATIONS = "rt_bus_stations"
POSITIONS = "rt_positions"
CHUNK = 100


def load(context: SampleContext, hours: int = 24) -> dict[str, int]:
    """Load everything; rows written per layer (and `rt_positions`)."""
    registry = context.registry
    end = to_ms(context.now)
    start = end - DAY_MS
    tracks = [track(spec, start) for spec in vehicle_specs()]
    written: dict[str, int] = {}
    written.update(_static(context, ZONES, zone_features()))
    written.update(_static(context, STATIONS, station_features()))
    written.update(_static(context, VEHICLES, _vehicle_features(tracks)))
    if context.replace:
        _clear_day(registry, start, end)
    written[POSITIONS] = load_positions(context, tracks, max(end - hours * HOUR_MS, start), end)
    written.update(evaluate_day(registry, tracks, start, context.now, context.progress))
    return written


def _static(context: SampleContext, layer_id: str, features: list[dict[str, Any]]) -> dict[str, int]:
    registry = context.registry
    layer = registry.get(layer_id)
    if registry.store.layer_state(layer).feature_count > 0:
        if not context.replace:
            return {}
        registry.drop(layer.id)
        registry.register(layer)
    records = [_record(layer, f) for f in features]
    registry.store.insert(layer, records)
    context.progress(layer_id, len(records), len(records))
    return {layer_id: len(records)}


def _record(layer: LayerDefinition, feature: dict[str, Any]) -> FeatureRecord:
    geometry = feature["geometry"]
    geometry = geometry if hasattr(geometry, "geom_type") else shape(geometry)
    return FeatureRecord(check_geometry(layer, geometry), check_properties(layer, feature["properties"]))


def _vehicle_features(tracks: Iterable[Track]) -> list[dict[str, Any]]:
    features = []
    for item in tracks:
        b = item.batch
        properties = {**item.spec.properties(), "last_seen_at": from_ms(int(b.t[-1])),
                      "last_speed_kmh": float(b.speed[-1]), "last_heading_deg": float(b.heading[-1])}
        features.append({"geometry": Point(float(b.lon[-1]), float(b.lat[-1])), "properties": properties})
    return features


def load_positions(context: SampleContext, tracks: list[Track], start_ms: int, end_ms: int) -> int:
    """Write the tracks' positions in [start, end); vehicles already stored whole are skipped."""
    positions = position_store(context.registry.store)
    expected = int((end_ms - start_ms) // (DAY_MS // SLOTS))
    stored = positions.counts(start_ms, end_ms)
    total = expected * len(tracks)
    done = sum(min(stored.get(t.spec.plate, 0), expected) for t in tracks)
    written = 0
    context.progress(POSITIONS, done, total)
    for chunk in _chunks(tracks):
        missing = [t for t in chunk if stored.get(t.spec.plate, 0) < expected]
        if not missing:
            continue
        batch = _concat(t.batch for t in missing)
        batch = batch.take((batch.t >= start_ms) & (batch.t < end_ms))
        written += positions.write(batch).stored
        done += sum(expected - min(stored.get(t.spec.plate, 0), expected) for t in missing)
        context.progress(POSITIONS, done, total)
    return written


def evaluate_day(registry: LayerRegistry, tracks: list[Track], start_ms: int, now: Any,
                 progress: Callable[[str, int, int], None]) -> dict[str, int]:
    """Alerts, clues and driving states from the whole day's tracks."""
    reference = Reference.of(registry)
    positions = position_store(registry.store)
    try:
        registry.get(CLUES)
        clues_known = True
    except LayerNotFound:
        clues_known = False
    counts = {ALERTS: 0, CLUES: 0}
    for number, chunk in enumerate(_chunks(tracks), start=1):
        day = _concat(t.batch for t in chunk).sorted()
        episodes, ends = evaluate(day, day, reference)
        writes = record_episodes(registry, episodes, describer(reference))
        counts[ALERTS] += len(writes.inserted)
        if clues_known and reference.zones is not None:
            dangerous = day.take(reference.is_dangerous_goods(day.plate))
            entries = find_entries(dangerous, reference.zones, {p: start_ms for p in dangerous.distinct_plates()})
            counts[CLUES] += len(write_clues(registry, entries, reference, now, bulk=True).inserted)
        positions.write_states(ends)
        progress("rt_alerts+enf_clues", number * CHUNK, len(tracks))
    if not clues_known:
        counts.pop(CLUES)
    return counts


def _clear_day(registry: LayerRegistry, start_ms: int, end_ms: int) -> None:
    """With `replace`: the day's positions, the alerts and the clues this domain made for it go first."""
    position_store(registry.store).delete_between(start_ms, end_ms)
    alerts = registry.get(ALERTS)
    if registry.store.layer_state(alerts).feature_count > 0:
        registry.drop(ALERTS)
        registry.register(alerts)
    try:
        layer = registry.get(CLUES)
    except LayerNotFound:
        return
    ours = features_where(registry.store, layer, {"op": "and", "args": [
        {"op": "=", "args": [{"property": "source"}, SOURCE]},
        {"op": ">=", "args": [{"property": "observed_at"}, timestamp_literal(start_ms)]}]})
    registry.store.delete_where_fids(layer, [int(f["id"]) for f in ours])


def _chunks(tracks: list[Track]) -> Iterable[list[Track]]:
    for i in range(0, len(tracks), CHUNK):
        yield tracks[i:i + CHUNK]


def _concat(batches: Iterable[PositionBatch]) -> PositionBatch:
    parts = list(batches)
    return PositionBatch(*(np.concatenate(column) for column in zip(*(b.columns() for b in parts), strict=True)))
