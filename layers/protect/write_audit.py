"""The audit record of a store write, appended inside the write's own transaction.

Every write funnel of both stores calls `record_write` as the LAST statement of its transaction, so
the record commits or rolls back with the write it describes, and on PostGIS the trail's advisory
lock (taken by the append) is held only from there to the commit: writers of different layers do not
queue behind each other's row locks, and a writer holding the trail lock waits for nothing else.
One record per call: the operation, the feature ids (the first `FID_CAP` and how many), the data
version, and how the actor came (`audit_context`).
May import: sqlalchemy, this package.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from layers.protect.audit import AuditTrail
from layers.protect.audit_context import current_actor

#: Feature ids listed in one record; beyond this only the count is kept.
FID_CAP = 100

_trails: dict[str, AuditTrail] = {}


class _StoreKind:
    """What `AuditTrail` needs to pick a backend; `append_in` only uses the caller's connection."""

    def __init__(self, kind: str, engine: sa.Engine) -> None:
        self.kind = kind
        self.engine = engine
        self.read_engine = engine


def _trail(kind: str, conn: sa.Connection) -> AuditTrail:
    trail = _trails.get(kind)
    if trail is None:
        trail = _trails[kind] = AuditTrail(_StoreKind(kind, conn.engine))
    return trail


def fid_detail(fids: Iterable[int]) -> dict[str, Any]:
    """`{"fids": [first FID_CAP], "count": n}` (plus `"fids_truncated": true` when cut)."""
    listed: list[int] = []
    count = 0
    for fid in fids:
        if count < FID_CAP:
            listed.append(int(fid))
        count += 1
    detail: dict[str, Any] = {"fids": listed, "count": count}
    if count > FID_CAP:
        detail["fids_truncated"] = True
    return detail


def record_write(conn: sa.Connection, kind: str, layer_id: str, operation: str, *, action: str = "write",
                 target: str | None = None, **detail: Any) -> None:
    """Append the record of one write (`kind`: the store, "postgis" or "geopackage") in `conn`'s
    transaction, as the current actor."""
    actor = current_actor()
    body = {"operation": operation, **{k: v for k, v in detail.items() if v is not None}, "via": actor.detail()}
    _trail(kind, conn).append_in(conn, actor.name, action, target or f"layer:{layer_id}", body)


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def partitions_detail(changes: Sequence[Any], results: Sequence[Sequence[int]], deleted: Mapping[str, int],
                      versions: Mapping[str, int]) -> tuple[str, dict[str, Any]]:
    """Target and detail of one `replace_partitions` call (`changes`: its PartitionChange list; `results`:
    the new fids per change; `deleted`: rows removed per layer; `versions`: the layers that changed and
    their new data versions)."""
    ids = sorted(versions)
    target = f"layer:{ids[0]}" if len(ids) == 1 else "layers:" + ",".join(ids)
    parts = [{"layer": change.layer.id, "field": change.field, "value": _plain(change.value),
              "inserted": len(fids)} for change, fids in zip(changes, results, strict=True)]
    detail: dict[str, Any] = {
        **fid_detail(fid for fids in results for fid in fids),
        "layers": {layer_id: {"data_version": versions[layer_id], "deleted": int(deleted.get(layer_id, 0))}
                   for layer_id in ids},
        "partitions": parts[:FID_CAP], "partition_count": len(parts),
    }
    return target, detail


def transition_detail(change: Any) -> dict[str, Any]:
    """The detail of a guarded transition (`layers.stores.history.GuardedTransition`)."""
    step = change.history
    return {**fid_detail([change.fid]), "transition": step.transition, "from_state": change.expected_state,
            "to_state": step.to_state, "expected_version": int(change.expected_version)}


def attachment_detail(attachment: Any) -> dict[str, Any]:
    """The detail of a stored attachment (`layers.stores.history.Attachment`), without its content."""
    return {**fid_detail([attachment.fid]), "attachment_id": attachment.id, "name": attachment.name,
            "filename": attachment.filename, "media_type": attachment.media_type, "size": int(attachment.size),
            "sha256": attachment.sha256}


def permissions_of(layer: Any) -> dict[str, Any]:
    """Who may read and write a layer (`layers.model.LayerDefinition`), as an audit detail records it."""
    return {"read_roles": list(layer.read_roles), "write_roles": list(layer.write_roles),
            "access": layer.access.model_dump(mode="json"),
            "secret_fields": [spec.name for spec in layer.fields if spec.secret],
            "field_roles": {spec.name: list(spec.read_roles) for spec in layer.fields if spec.read_roles}}


def record_registration(conn: sa.Connection, kind: str, old: Any | None, new: Any,
                        data_version: int | None = None) -> None:
    """The record of a registration that changed something: `layer_register` for a new layer or a new
    definition with the same permissions, `permission_change` (before/after) when the roles, access rules,
    secret fields or field roles changed."""
    after = permissions_of(new)
    if old is None:
        record_write(conn, kind, new.id, "create", action="layer_register", permissions=after,
                     fields=len(new.fields), data_version=data_version)
        return
    before = permissions_of(old)
    if before != after:
        record_write(conn, kind, new.id, "replace", action="permission_change", before=before, after=after,
                     data_version=data_version)
    else:
        record_write(conn, kind, new.id, "replace", action="layer_register", fields=len(new.fields),
                     data_version=data_version)


def record_drop(conn: sa.Connection, kind: str, layer_id: str, last_version: int | None = None) -> None:
    record_write(conn, kind, layer_id, "drop", action="layer_drop", data_version=last_version)
