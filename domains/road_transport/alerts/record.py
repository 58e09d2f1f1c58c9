"""Keeping alerts one per episode in `rt_alerts`.

Episodes found in a window are matched with the stored alerts of the same vehicle and kind whose
time span overlaps theirs: the window may show only part of an episode (its start lies before the
window, or it goes on after it), so a match is the same episode seen again, and the stored alert
is extended (earliest start, latest end, highest speed) — rewritten only if that changes it. An
episode with no match is a new alert. Evaluating the same positions twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import shape

from domains.road_transport.alerts.episodes import Episode
from domains.road_transport.lookup import features_in, instant_ms, timestamp_literal
from domains.road_transport.positions.batch import MINUTE_MS, from_ms
from layers.model import LayerDefinition
from layers.registry import LayerRegistry
from layers.stores.base import FeatureRecord
from layers.validation import check_properties

ALERTS = "rt_alerts"

#: Properties describing where and who (route, prefecture, carrier) for an episode.
Describe = Callable[[Episode], dict[str, Any]]


@dataclass
class AlertWrites:
    inserted: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)


@dataclass
class _Stored:
    #: None: found in this window, not stored yet.
    fid: int | None
    plate: str
    kind: str
    start: int
    end: int
    geometry: dict[str, Any]
    properties: dict[str, Any]
    changed: bool = False


def record_episodes(registry: LayerRegistry, episodes: Sequence[Episode], describe: Describe) -> AlertWrites:
    """Insert new episodes (one transaction) and extend the stored alerts they continue."""
    writes = AlertWrites()
    if not episodes:
        return writes
    layer = registry.get(ALERTS)
    store = registry.store
    known = _stored_alerts(registry, layer, episodes)
    for episode in sorted(episodes, key=lambda e: (e.plate, e.kind, e.started_ms)):
        match = next((s for s in known if s.plate == episode.plate and s.kind == episode.kind
                      and episode.started_ms <= s.end and episode.ended_ms >= s.start), None)
        if match is not None:
            _extend(match, episode)
            continue
        known.append(_Stored(None, episode.plate, episode.kind, episode.started_ms, episode.ended_ms,
                             {"type": "Point", "coordinates": [episode.lon, episode.lat]},
                             _properties(episode, describe(episode))))
    fresh = [item for item in known if item.fid is None]
    if fresh:
        writes.inserted = store.insert(layer, [_record(layer, item) for item in fresh])
    for item in known:
        if item.fid is not None and item.changed:
            store.replace(layer, item.fid, _record(layer, item))
            writes.updated.append(item.fid)
    return writes


def _record(layer: LayerDefinition, item: _Stored) -> FeatureRecord:
    return FeatureRecord(shape(item.geometry), check_properties(layer, item.properties))


def _stored_alerts(registry: LayerRegistry, layer: LayerDefinition, episodes: Sequence[Episode]) -> list[_Stored]:
    earliest = min(e.started_ms for e in episodes) - MINUTE_MS
    kinds = sorted({e.kind for e in episodes})
    extra = [{"op": ">=", "args": [{"property": "ended_at"}, timestamp_literal(earliest)]},
             {"op": "in", "args": [{"property": "kind"}, kinds]}]
    found = features_in(registry.store, layer, "plate", [e.plate for e in episodes], extra)
    result = []
    for feature in found:
        p = feature["properties"]
        start, end = instant_ms(p.get("started_at")), instant_ms(p.get("ended_at"))
        if start is None or end is None:
            continue
        result.append(_Stored(int(feature["id"]), str(p["plate"]), str(p["kind"]), start, end,
                              feature["geometry"], dict(p)))
    return result


def _extend(item: _Stored, episode: Episode) -> None:
    p = item.properties
    start, end = min(item.start, episode.started_ms), max(item.end, episode.ended_ms)
    top = round(max(float(p.get("max_speed_kmh") or 0.0), episode.max_speed), 1)
    driving = p.get("driving_min")
    if episode.driving_ms is not None:
        driving = round(max(float(driving or 0.0), episode.driving_ms / MINUTE_MS), 1)
    if (start, end, top, driving) == (item.start, item.end, p.get("max_speed_kmh"), p.get("driving_min")):
        return
    if episode.started_ms < item.start:  # the alert sits where the episode began
        item.geometry = {"type": "Point", "coordinates": [episode.lon, episode.lat]}
    item.start, item.end = start, end
    p.update(started_at=from_ms(start), ended_at=from_ms(end), max_speed_kmh=top, driving_min=driving,
             duration_min=round((end - start) / MINUTE_MS, 1))
    item.changed = True


def _properties(episode: Episode, described: dict[str, Any]) -> dict[str, Any]:
    return {
        "plate": episode.plate,
        "kind": episode.kind,
        "started_at": from_ms(episode.started_ms),
        "ended_at": from_ms(episode.ended_ms),
        "duration_min": round((episode.ended_ms - episode.started_ms) / MINUTE_MS, 1),
        "max_speed_kmh": round(episode.max_speed, 1),
        "limit_kmh": None if episode.limit_kmh is None else round(episode.limit_kmh),
        "driving_min": None if episode.driving_ms is None else round(episode.driving_ms / MINUTE_MS, 1),
        **described,
    }
