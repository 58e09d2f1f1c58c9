"""Keeping each dangerous-goods vehicle's point in `rt_dg_vehicles` at its last known position.

A vehicle moves on the map when a batch brings a report newer than its `last_seen_at`. The vehicles
that moved are rewritten in one transaction (`replace_partitions` by plate, keeping each fid), at
most once per `REFRESH_SECONDS` per process and at most `MAX_MOVES` at a time, those shown longest
out of date first: rewriting costs a few milliseconds per vehicle, and the map needs minutes, not
every report (a fleet of 1,000 is current within about five minutes).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from shapely.geometry import Point

from domains.road_transport.lookup import features_in
from domains.road_transport.positions.batch import PositionBatch, from_ms
from domains.road_transport.reference import VEHICLES, Reference
from layers.errors import LayerNotFound
from layers.registry import LayerRegistry
from layers.stores.base import FeatureRecord, PartitionChange
from layers.validation import check_properties

REFRESH_SECONDS = 60.0
MAX_MOVES = 200
_lock = threading.Lock()
_last_refresh = 0.0


def refresh_due(now: float | None = None) -> bool:
    """Whether this process may refresh vehicle points now (and, if so, note that it does)."""
    global _last_refresh
    moment = time.monotonic() if now is None else now
    with _lock:
        if moment - _last_refresh < REFRESH_SECONDS:
            return False
        _last_refresh = moment
        return True


def latest_reports(batch: PositionBatch) -> dict[str, tuple[int, float, float, float, float]]:
    """Per plate: (time, lon, lat, speed, heading) of its newest report in the batch."""
    ordered = batch.sorted()
    result = {}
    starts = ordered.group_starts().tolist()
    ends = [*starts[1:], len(ordered)]
    for end in ends:
        i = end - 1
        result[str(ordered.plate[i])] = (int(ordered.t[i]), float(ordered.lon[i]), float(ordered.lat[i]),
                                         float(ordered.speed[i]), float(ordered.heading[i]))
    return result


def move_vehicles(registry: LayerRegistry, batch: PositionBatch) -> int:
    """Move the registered vehicles whose newest report is newer than their point; how many moved."""
    try:
        layer = registry.get(VEHICLES)
    except LayerNotFound:
        return 0
    reference = Reference.of(registry)
    latest = latest_reports(batch)
    behind = [(reference.vehicles[plate].last_seen_ms or -1, plate) for plate, report in latest.items()
              if plate in reference.vehicles and report[0] > (reference.vehicles[plate].last_seen_ms or -1)]
    moved = {plate: latest[plate] for _, plate in sorted(behind)[:MAX_MOVES]}
    if not moved:
        return 0
    store = registry.store
    current = {str(f["properties"]["plate"]): f for f in features_in(store, layer, "plate", list(moved))}
    changes = []
    for plate, (t, lon, lat, speed, heading) in sorted(moved.items()):
        feature = current.get(plate)
        if feature is None:
            continue
        properties: dict[str, Any] = {**feature["properties"], "last_seen_at": from_ms(t),
                                      "last_speed_kmh": round(speed, 1), "last_heading_deg": round(heading, 1)}
        properties = {k: v for k, v in properties.items() if layer.field(k) is not None}
        record = FeatureRecord(Point(lon, lat), check_properties(layer, properties), fid=int(feature["id"]))
        changes.append(PartitionChange(layer, "plate", plate, [record]))
    if changes:
        store.replace_partitions(changes)
    return len(changes)
