"""What field work writes about edits: receipts of applied edits and conflict records of the others,
as features of the layers in `records`, and what it reads back (which edits were handled already,
the versions this package's applied edits left its items at).

A receipt is one `insert` (one transaction). A conflict record is one `create_item` (the item and
its creation step in one transaction); a photo edit's bytes then go on the record as an attachment
in a second transaction, and `repair_conflict_photo` puts it there on a later sync if that second
write never happened.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
import shapely
from shapely.geometry import Point, box, shape
from shapely.geometry.base import BaseGeometry

from domains.fieldwork.apply import Applied, attachment_id_for, has_attachment
from domains.fieldwork.edits import FieldEdit
from domains.fieldwork.reader import PackageInfo
from domains.fieldwork.records import CONFLICTS_LAYER, RECEIPTS_LAYER, SYNC_ROLE
from domains.workflow.actor import Actor
from domains.workflow.engine import STORAGE
from domains.workflow.fields import REGION_FIELD, title_of
from domains.workflow.items import create_item, with_initial_state
from layers.filters.parse import parse_filter
from layers.model import FieldType, LayerDefinition
from layers.query import FeatureQuery, StoredFeature
from layers.stores.base import FeatureRecord, FeatureStore
from layers.stores.history import Attachment, plain_values
from layers.validation import check_properties

CHUNK = 500
PAGE = 5_000


def _rows(store: FeatureStore, layer: LayerDefinition, expression: dict[str, Any],
          properties: tuple[str, ...]) -> Iterable[tuple[int, dict[str, Any]]]:
    cql = parse_filter(orjson.dumps(expression).decode(), "cql2-json", layer)
    offset = 0
    while True:
        page = store.query(layer, FeatureQuery(cql=cql, limit=PAGE, offset=offset, crs=STORAGE, count=False,
                                               skip_geometry=True, properties=properties))
        for feature in orjson.loads(page.features_json):
            yield int(feature["id"]), feature["properties"]
        if page.number_returned < PAGE:
            return
        offset += PAGE


def handled(store: FeatureStore, edit_ids: Sequence[str]) -> dict[str, tuple[str, int, str]]:
    """Edit id → (layer id, record fid, edit kind) for the edits already receipted or filed as conflicts."""
    found: dict[str, tuple[str, int, str]] = {}
    for start in range(0, len(edit_ids), CHUNK):
        chunk = list(edit_ids[start:start + CHUNK])
        for layer in (RECEIPTS_LAYER, CONFLICTS_LAYER):
            expression = {"op": "in", "args": [{"property": "edit_id"}, chunk]}
            for fid, props in _rows(store, layer, expression, ("edit_id", "kind")):
                found.setdefault(str(props["edit_id"]), (layer.id, fid, str(props["kind"])))
    return found


def applied_versions(store: FeatureStore, package_id: str) -> dict[tuple[str, int], int]:
    """(layer id, fid) → the highest item version this package's applied edits left (earlier syncs)."""
    versions: dict[tuple[str, int], int] = {}
    expression = {"op": "=", "args": [{"property": "package_id"}, package_id]}
    for _, props in _rows(store, RECEIPTS_LAYER, expression, ("source_layer", "source_fid", "result_version")):
        if props.get("result_version") is None:
            continue
        key = (str(props["source_layer"]), int(props["source_fid"]))
        versions[key] = max(versions.get(key, 0), int(props["result_version"]))
    return versions


def _point(*candidates: BaseGeometry | None, layer: LayerDefinition) -> Point:
    for geometry in candidates:
        if geometry is not None and not geometry.is_empty:
            point = shapely.point_on_surface(geometry)
            if isinstance(point, Point):
                return point
    return shapely.point_on_surface(box(*layer.valid_extent))


def _fit(layer: LayerDefinition, properties: Mapping[str, Any]) -> dict[str, Any]:
    """Properties of a record cut to the layer's text lengths (app-supplied text may be longer), checked."""
    fitted: dict[str, Any] = {}
    for name, value in properties.items():
        spec = layer.field(name)
        if spec is not None and spec.type is FieldType.STRING and isinstance(value, str) and spec.max_length:
            value = value[:spec.max_length]
        fitted[name] = value
    return check_properties(layer, fitted)


def _common(edit: FieldEdit, info: PackageInfo, source: LayerDefinition,
            properties: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"edit_id": edit.edit_id, "package_id": info.package_id, "source_layer": source.id,
            "source_fid": edit.fid, "title": title_of(source, edit.fid, properties or {}), "kind": edit.kind,
            "recorded_at": edit.recorded_at}


def write_receipt(store: FeatureStore, edit: FieldEdit, info: PackageInfo, source: LayerDefinition,
                  applied: Applied | None, current: StoredFeature | None, synced_by: Actor, now: datetime,
                  fallback: BaseGeometry | None = None) -> int:
    """Record an applied edit (a note: recorded with its text, nothing else changes); the receipt's fid."""
    properties = {
        **_common(edit, info, source, current.properties if current else None),
        "recorded_by": edit.recorded_by, "note": edit.comment, "transition": edit.transition,
        "attachment_id": applied.attachment_id if applied else None,
        "result_version": applied.version if applied else None, "synced_by": synced_by.name, "synced_at": now,
    }
    geometry = _point(applied.geometry if applied else None,
                      shape(current.geometry) if current and current.geometry else None, fallback,
                      layer=RECEIPTS_LAYER)
    return store.insert(RECEIPTS_LAYER, [FeatureRecord(geometry, _fit(RECEIPTS_LAYER, properties))])[0]


def write_conflict(store: FeatureStore, edit: FieldEdit, info: PackageInfo, source: LayerDefinition, *,
                   cause: str, reason: str, exported_version: int, server: StoredFeature | None, person: Actor,
                   now: datetime, exported_geometry: BaseGeometry | None) -> int:
    """File the edit as a conflict record holding both versions (and its photo); the record's fid."""
    server_geometry = shape(server.geometry) if server and server.geometry else None
    moved = Point(edit.lon, edit.lat) if edit.lon is not None and edit.lat is not None else None
    properties = {
        **_common(edit, info, source, server.properties if server else None),
        "recorded_by": person.name, "recorded_roles": orjson.dumps(sorted(person.roles)).decode(),
        "recorded_org": person.organisation, "cause": cause, "reason": reason,
        "field_edit": orjson.dumps(edit.as_json()).decode(), "exported_version": exported_version,
        "server_version": server.version if server else None,
        "server_properties": orjson.dumps(plain_values(server.properties)).decode() if server else None,
        "server_geometry": orjson.dumps(server.geometry).decode() if server and server.geometry else None,
        REGION_FIELD: (server.properties.get(REGION_FIELD) if server else None) or person.region,
    }
    geometry = _point(server_geometry, exported_geometry, moved, layer=source)
    record = FeatureRecord(geometry, _fit(CONFLICTS_LAYER, with_initial_state(CONFLICTS_LAYER, properties)))
    filer = Actor(name=person.name, roles=frozenset({SYNC_ROLE}), organisation=person.organisation,
                  region=person.region, display_name=person.display_name)
    fid = create_item(store, CONFLICTS_LAYER, record, filer, now=now)
    if edit.kind == "attachment":
        repair_conflict_photo(store, fid, edit, person, now)
    return fid


def repair_conflict_photo(store: FeatureStore, conflict_fid: int, edit: FieldEdit, person: Actor,
                          now: datetime) -> bool:
    """Put a photo edit's bytes on its conflict record unless they are there; whether they were added."""
    ident = attachment_id_for(edit, "conflict")
    if edit.attachment is None or has_attachment(store, CONFLICTS_LAYER, conflict_fid, ident):
        return False
    store.put_attachment(CONFLICTS_LAYER, Attachment(
        id=ident, layer_id=CONFLICTS_LAYER.id, fid=conflict_fid, name=edit.attachment_name or "photo",
        filename=edit.attachment_filename or "attachment",
        media_type=edit.attachment_media_type or "application/octet-stream", size=len(edit.attachment),
        sha256=hashlib.sha256(edit.attachment).hexdigest(), uploaded_by=person.name, uploaded_at=now,
        content=edit.attachment))
    return True
