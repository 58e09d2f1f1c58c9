"""Enforcement clues (执法线索) for dangerous-goods vehicles entering restricted zones, in `enf_clues`.

The layer belongs to the enforcement domain; this module writes the clue's own facts: `source`
(`dg_restricted_zone`), `plate`, `zone_id`, `observed_at` (the entry), `adcode` (the zone's
prefecture), `enterprise_code` (the carrier), a `description`, `evidence_track` (GeoJSON LineString
text) and `dedup_key` = `plate|zone_id|YYYYMMDDHH` (China-time hour of the entry): one clue per
vehicle, zone and hour. Clues are workflow items: they are created through the workflow engine
(`domains.workflow.create_item`; the sample loader's bulk path `insert_items`), which sets the
supervision fields and records the creation step, held by the prefecture's enforcement detachment.
A clue already stored for the same entry whose evidence track is shorter than what is known now
(the vehicle has since left the zone) gets the longer track, unless its record changed meanwhile.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shapely.geometry import Point

from domains.base.geography import prefecture
from domains.road_transport.lookup import features_in, instant_ms
from domains.road_transport.positions.batch import CST, china_hour_key, from_ms
from domains.road_transport.reference import Reference
from domains.road_transport.zones.entries import Entry
from domains.workflow import Actor, create_item, insert_items
from domains.workflow.deadlines import deadline_for, is_overdue
from domains.workflow.items import with_initial_state
from layers.errors import VersionConflict
from layers.model import LayerDefinition
from layers.query import OutputCrs
from layers.registry import LayerRegistry
from layers.stores.base import FeatureRecord
from layers.validation import check_properties
from layers.workflow import (
    DEADLINE_FIELD,
    HOLDER_FIELD,
    HOLDER_ORG_FIELD,
    OVERDUE_FIELD,
    SINCE_FIELD,
    STATE_FIELD,
    HistoryEntry,
)

CLUES = "enf_clues"
SOURCE = "dg_restricted_zone"
RULE_ACTOR = "rule:rt_dg_restricted_zone"
#: Sample clues are created this long after their entry (the rule runs when the batch arrives).
CREATION_DELAY_MS = 40_000
STORAGE_LONLAT = OutputCrs(4490, lat_first=False)


@dataclass
class ClueWrites:
    inserted: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    #: Entries whose clue (same vehicle, zone and hour) was already stored.
    duplicates: int = 0


def dedup_key(entry: Entry) -> str:
    return f"{entry.plate}|{entry.zone_id}|{china_hour_key(entry.t_ms)}"


def track_json(track: Sequence[tuple[float, float]], entry_index: int, max_length: int | None) -> str:
    """The track as GeoJSON LineString text, thinned (keeping the ends and the entry) to fit `max_length`."""
    coords = [(round(lon, 6), round(lat, 6)) for lon, lat in track] or [(0.0, 0.0)]
    if len(coords) == 1:
        coords = coords * 2
    step = 1
    while True:
        keep = sorted({0, len(coords) - 1, min(entry_index, len(coords) - 1), *range(0, len(coords), step)})
        text = json.dumps({"type": "LineString", "coordinates": [list(coords[i]) for i in keep]},
                          separators=(",", ":"))
        if max_length is None or len(text) <= max_length or len(keep) <= 3:
            return text
        step *= 2


def write_clues(registry: LayerRegistry, entries: Sequence[Entry], reference: Reference, now: datetime, *,
                bulk: bool = False) -> ClueWrites:
    """New clues for fresh entries whose key is not stored yet; longer evidence for stored clues of the
    same entry (fresh or from the look-back).

    `bulk` (sample loading): all new clues in one transaction, each created at its entry's time.
    """
    writes = ClueWrites()
    if not entries:
        return writes
    layer = registry.get(CLUES)
    store = registry.store
    keys = {dedup_key(entry): entry for entry in reversed(entries)}  # the first entry of each key wins
    writes.duplicates = sum(1 for entry in entries if entry.fresh) - sum(1 for e in keys.values() if e.fresh)
    stored = {str(f["properties"].get("dedup_key")): f for f in features_in(store, layer, "dedup_key", list(keys))}
    fresh: list[tuple[Entry, FeatureRecord]] = []
    for key, entry in sorted(keys.items(), key=lambda item: item[1].t_ms):
        found = stored.get(key)
        if found is None:
            if not entry.fresh:
                continue  # judged with its own batch (no clue layer then, or another key): not re-raised
            properties = with_initial_state(layer, _properties(layer, entry, key, reference))
            fresh.append((entry, FeatureRecord(Point(entry.lon, entry.lat), check_properties(layer, properties))))
            continue
        writes.duplicates += int(entry.fresh)
        if _extend_evidence(registry, layer, found, entry):
            writes.updated.append(int(found["id"]))
    if bulk and fresh:
        writes.inserted = insert_items(store, layer, [_as_sample(layer, entry, record, now) for entry, record in fresh])
    else:
        for entry, record in fresh:
            writes.inserted.append(create_item(store, layer, record, rule_actor(entry.adcode), now=now))
    return writes


def rule_actor(adcode: str | None) -> Actor:
    """The restricted-zone rule as the creator of its clues: held by the prefecture's detachment."""
    organisation = None
    if adcode is not None:
        organisation = f"{prefecture(adcode).name_zh}交通运输综合行政执法支队"
    return Actor(RULE_ACTOR, frozenset({"system"}), organisation, adcode, "危险货物车辆闯禁行规则")


def _as_sample(layer: LayerDefinition, entry: Entry, record: FeatureRecord,
               now: datetime) -> tuple[FeatureRecord, list[HistoryEntry]]:
    """A clue as the rule would have created it when the entry was reported, as of `now`."""
    spec = layer.workflow
    assert spec is not None
    initial = spec.state(spec.initial)
    assert initial is not None
    created = from_ms(entry.t_ms + CREATION_DELAY_MS)
    actor = rule_actor(entry.adcode)
    deadline = deadline_for(initial, record.properties, created)
    properties = {**record.properties, STATE_FIELD: spec.initial, HOLDER_FIELD: actor.name,
                  HOLDER_ORG_FIELD: actor.organisation, SINCE_FIELD: created, DEADLINE_FIELD: deadline,
                  OVERDUE_FIELD: is_overdue(deadline, now, terminal=initial.terminal)}
    step = HistoryEntry(at=created, actor=actor.name, to_state=spec.initial, actor_org=actor.organisation,
                        geometry=record.geometry)
    return FeatureRecord(record.geometry, properties), [step]


def _evidence_length(layer: LayerDefinition) -> int | None:
    spec = layer.field("evidence_track")
    return None if spec is None else spec.max_length


def _entry_index(entry: Entry) -> int:
    return next((i for i, point in enumerate(entry.track) if point == (entry.lon, entry.lat)), 0)


def _properties(layer: LayerDefinition, entry: Entry, key: str, reference: Reference) -> dict[str, Any]:
    vehicle = reference.vehicles.get(entry.plate)
    seen = from_ms(entry.t_ms).astimezone(CST)
    properties: dict[str, Any] = {
        "source": SOURCE, "plate": entry.plate, "zone_id": entry.zone_id, "dedup_key": key,
        "evidence_track": track_json(entry.track, _entry_index(entry), _evidence_length(layer)),
        "observed_at": from_ms(entry.t_ms), "adcode": entry.adcode or (vehicle.adcode if vehicle else None),
        "enterprise_code": vehicle.enterprise_code if vehicle else None,
        "description": f"危险货物运输车辆 {entry.plate} 于 {seen:%Y-%m-%d %H:%M} 驶入{entry.zone_name_zh}"
                       f"（{entry.zone_id}，禁行时段内）",
    }
    return {name: value for name, value in properties.items() if layer.field(name) is not None}


def _extend_evidence(registry: LayerRegistry, layer: LayerDefinition, found: dict[str, Any], entry: Entry) -> bool:
    """Give a stored clue of the same entry the longer track; False when nothing changed."""
    if layer.field("evidence_track") is None or instant_ms(found["properties"].get("observed_at")) != entry.t_ms:
        return False
    try:
        old = json.loads(found["properties"].get("evidence_track") or "{}").get("coordinates", [])
    except (ValueError, AttributeError):
        old = []
    text = track_json(entry.track, _entry_index(entry), _evidence_length(layer))
    if len(json.loads(text)["coordinates"]) <= len(old):
        return False
    store = registry.store
    current = store.get(layer, int(found["id"]), STORAGE_LONLAT)
    properties = {**current.properties, "evidence_track": text}
    point = Point(*current.geometry["coordinates"][:2]) if current.geometry else Point(entry.lon, entry.lat)
    record = FeatureRecord(point, check_properties(layer, properties))
    try:
        store.replace(layer, current.fid, record, expected_version=current.version)
    except VersionConflict:
        return False  # handled meanwhile (a workflow step): leave the evidence as it was
    return True
