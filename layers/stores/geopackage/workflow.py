"""Workflow writes in the GeoPackage: guarded transitions with their history row, items inserted with
their histories in bulk, and the overdue sweep.

Each is one `BEGIN IMMEDIATE` transaction, which holds the database's write lock from its first
statement: racing transitions from threads or worker processes queue, and each runs
`UPDATE … WHERE fid = ? AND workflow_state = ? AND _version = ?` against what the previous one
committed, so exactly one of them matches. A miss rolls back and says why. Every write bumps
the layer's data version, logs the changed boxes in the edit log, touches `gpkg_contents` and
appends its audit record, as the plain writes in `writer` do.
May import: sqlalchemy, shapely, numpy, orjson, layers.*, this package.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from layers.model import LayerDefinition
from layers.protect.write_audit import fid_detail, record_write, transition_detail
from layers.query import STORAGE_SRID, StoredFeature
from layers.stores.base import EditBox, ItemWithHistory, Progress
from layers.stores.geopackage import edits
from layers.stores.geopackage import geometry as gpb
from layers.stores.geopackage.engine import reading, writing
from layers.stores.geopackage.reader import STORAGE_OUTPUT, read_feature
from layers.stores.geopackage.schema import quote
from layers.stores.geopackage.values import format_datetime, to_db
from layers.stores.geopackage.writer import (
    _current_extent,
    _now,
    _save_extent,
    bump_data_version,
    insert_rows,
    integrity_errors,
    require_layer,
)
from layers.stores.history import GuardedTransition, HistoryRow, OverdueSweep, missed_transition, plain_values
from layers.workflow import DEADLINE_FIELD, OVERDUE_FIELD, STATE_FIELD

KIND = "geopackage"

#: Above this many changed features a sweep logs one union box instead of one box per feature.
BOX_PER_FEATURE_LIMIT = 1_000

_HISTORY_COLUMNS = ("layer_id", "fid", "seq", "at", "actor", "actor_org", "holder_org", "region", "domain",
                    "transition", "from_state", "to_state", "comment", "values_json", "geom", "state_since",
                    "deadline", "late")
_INSERT_HISTORY = (f"INSERT INTO onemap_history ({', '.join(_HISTORY_COLUMNS)}) "
                   f"VALUES ({', '.join('?' for _ in _HISTORY_COLUMNS)})")


def _time(value: datetime | None) -> str | None:
    return None if value is None else format_datetime(value)


def history_params(layer_id: str, fid: int, seq: int, step: HistoryRow, blob: bytes | None) -> tuple[Any, ...]:
    """One history row as the INSERT's parameters."""
    return (layer_id, int(fid), int(seq), _time(step.at), step.actor, step.actor_org, step.holder_org, step.region,
            step.domain, step.transition, step.from_state, step.to_state, step.comment,
            orjson.dumps(plain_values(step.values)).decode(), blob, _time(step.state_since), _time(step.deadline),
            1 if step.late else 0)


def transition(engine: sa.Engine, layer: LayerDefinition, change: GuardedTransition) -> StoredFeature:
    specs = [spec for spec in layer.fields if spec.name in change.properties]
    assignments = "".join(f"{quote(spec.name)} = ?, " for spec in specs)
    sql = (f"UPDATE {quote(layer.id)} SET {assignments}_version = _version + 1, _updated_at = ? "
           f"WHERE fid = ? AND {quote(STATE_FIELD)} = ? AND _version = ? RETURNING geom")
    params = (*(to_db(spec.type, change.properties[spec.name]) for spec in specs), _now(), int(change.fid),
              change.expected_state, int(change.expected_version))
    with integrity_errors(), writing(engine) as conn:
        require_layer(conn, layer)
        row = conn.exec_driver_sql(sql, params).first()
        if row is None:
            _explain_miss(conn, layer, change)
        assert row is not None
        blob = row[0]
        seq = conn.exec_driver_sql("SELECT coalesce(max(seq), 0) + 1 FROM onemap_history WHERE layer_id = ? AND "
                                   "fid = ?", (layer.id, int(change.fid))).scalar_one()
        conn.exec_driver_sql(_INSERT_HISTORY, history_params(layer.id, change.fid, seq, change.history, blob))
        box = edits.from_envelope(gpb.envelope(blob)) if blob is not None else None
        version = bump_data_version(conn, layer)
        edits.record(conn, layer.id, version, [box])
        _save_extent(conn, layer.id, _current_extent(conn, layer.id))  # same geometry: only last_change moves
        record_write(conn, KIND, layer.id, "transition", action="transition", **transition_detail(change),
                     data_version=version)
        return read_feature(conn, layer, change.fid, STORAGE_OUTPUT, rounded=False)


def _explain_miss(conn: sa.Connection, layer: LayerDefinition, change: GuardedTransition) -> None:
    current = conn.exec_driver_sql(f"SELECT {quote(STATE_FIELD)}, _version FROM {quote(layer.id)} WHERE fid = ?",
                                   (int(change.fid),)).first()
    raise missed_transition(layer, change, current)


def insert_with_history(engine: sa.Engine, layer: LayerDefinition, items: Iterable[ItemWithHistory],
                        progress: Progress | None = None) -> list[int]:
    pairs = list(items)
    with integrity_errors(), writing(engine) as conn:
        require_layer(conn, layer)
        if not pairs:
            return []
        extent = _current_extent(conn, layer.id)
        fids, boxes, extent = insert_rows(conn, layer, [record for record, _ in pairs], extent, progress)
        _insert_history(conn, layer, pairs, fids)
        version = bump_data_version(conn, layer)
        edits.record(conn, layer.id, version, boxes)
        _save_extent(conn, layer.id, extent)
        record_write(conn, KIND, layer.id, "insert_with_history", **fid_detail(fids), data_version=version)
    return fids


def _insert_history(conn: sa.Connection, layer: LayerDefinition, pairs: Sequence[ItemWithHistory],
                    fids: Sequence[int]) -> None:
    rows: list[tuple[Any, ...]] = []
    for (record, steps), fid in zip(pairs, fids, strict=True):
        if not steps:
            continue
        own = gpb.encode(record.geometry, STORAGE_SRID)
        for step in steps:
            blob = own if step.geometry is None else gpb.encode(step.geometry, STORAGE_SRID)
            rows.append(history_params(layer.id, fid, step.seq, step, blob))
    if rows:
        conn.exec_driver_sql(_INSERT_HISTORY, rows)


def sweep_overdue(engine: sa.Engine, layer: LayerDefinition, now: datetime) -> OverdueSweep:
    if layer.workflow is None:
        return OverdueSweep(layer.id)
    terminal = sorted(layer.workflow.terminal_states)
    marks = ", ".join("?" for _ in terminal)
    target = (f"coalesce({quote(DEADLINE_FIELD)} < ? AND {quote(STATE_FIELD)} NOT IN ({marks}), 0)")
    differs = f"{quote(OVERDUE_FIELD)} IS NOT {target}"
    params = (format_datetime(now), *terminal)
    with reading(engine) as conn:
        if conn.exec_driver_sql(f"SELECT 1 FROM {quote(layer.id)} WHERE {differs} LIMIT 1", params).first() is None:
            return OverdueSweep(layer.id)
    sql = (f"UPDATE {quote(layer.id)} SET {quote(OVERDUE_FIELD)} = {target}, _version = _version + 1, "
           f"_updated_at = ? WHERE {differs} RETURNING {quote(OVERDUE_FIELD)}, geom")
    with writing(engine) as conn:
        require_layer(conn, layer)
        rows = conn.exec_driver_sql(sql, (*params, _now(), *params)).all()
        became = sum(1 for row in rows if row[0])
        if rows:
            boxes = [edits.from_envelope(gpb.envelope(row[1])) if row[1] is not None else None for row in rows]
            version = bump_data_version(conn, layer)
            edits.record(conn, layer.id, version, _boxes(boxes))
            _save_extent(conn, layer.id, _current_extent(conn, layer.id))
            record_write(conn, KIND, layer.id, "sweep_overdue", count=len(rows), became_overdue=became,
                         cleared=len(rows) - became, data_version=version)
    return OverdueSweep(layer.id, became_overdue=became, cleared=len(rows) - became)


def _boxes(boxes: list[EditBox | None]) -> list[EditBox | None]:
    present = [box for box in boxes if box is not None]
    if len(present) <= BOX_PER_FEATURE_LIMIT:
        return present
    return [(min(b[0] for b in present), min(b[1] for b in present), max(b[2] for b in present),
             max(b[3] for b in present))]
