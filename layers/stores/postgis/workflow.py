"""Workflow writes on PostGIS: guarded transitions with their history row, items inserted with their
histories in bulk, and the overdue sweep.

A transition is one transaction: the layer's data version is bumped first (the row lock every
writer takes first, so writers of one layer queue in one order), then
`UPDATE … WHERE fid = :fid AND workflow_state = :state AND _version = :version RETURNING …`; under
READ COMMITTED a second, concurrent UPDATE of the same row waits for the first and re-checks its
WHERE clause against the committed row, so exactly one of several racing transitions matches.
A miss rolls everything back and says why (gone, another state, another version). The history
row is inserted in the same transaction, numbered after the item's last step, with the item's
geometry copied from its row; the edit log gets the item's box so tiles showing it re-render, and
the audit trail its record (last, so its lock is held only until the commit).
Bulk inserts COPY the features (`copy.copy_records`) and then their history rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import psycopg
import shapely
import sqlalchemy as sa
from psycopg.types.json import Jsonb

from layers.errors import LayerNotFound
from layers.model import LayerDefinition
from layers.protect.write_audit import fid_detail, record_write, transition_detail
from layers.query import StoredFeature
from layers.stores.base import EditBox, ItemWithHistory, Progress
from layers.stores.history import GuardedTransition, HistoryRow, OverdueSweep, missed_transition, plain_values
from layers.stores.postgis import copy, edits
from layers.stores.postgis.geojson_sql import geometry_sql
from layers.stores.postgis.platform import bump_data_version
from layers.stores.postgis.reads import STORAGE, stored_feature
from layers.stores.postgis.support import translated
from layers.stores.postgis.tables import layer_table
from layers.stores.postgis.workflow_tables import HISTORY_COPY_COLUMNS, HISTORY_COPY_TYPES, history_table
from layers.workflow import DEADLINE_FIELD, OVERDUE_FIELD, STATE_FIELD

KIND = "postgis"

#: Above this many changed features a sweep logs one union box instead of one box per feature.
BOX_PER_FEATURE_LIMIT = 1_000


def transition(engine: sa.Engine, layer: LayerDefinition, change: GuardedTransition) -> StoredFeature:
    table = layer_table(layer)
    values: dict[str, Any] = {name: value for name, value in change.properties.items() if name in table.c}
    values["_version"] = table.c["_version"] + 1
    values["_updated_at"] = sa.func.now()
    geometry = sa.literal_column(f"ST_AsBinary({geometry_sql(STORAGE)})", sa.LargeBinary).label("wkb")
    statement = (
        sa.update(table)
        .where(table.c.fid == int(change.fid), table.c[STATE_FIELD] == change.expected_state,
               table.c["_version"] == int(change.expected_version))
        .values(values)
        .returning(table.c.fid, table.c["_version"], table.c["_updated_at"], geometry,
                   *(table.c[name] for name in layer.field_names), *edits.box_columns(table.c.geom))
    )
    with translated(layer.id, writing=True), engine.begin() as conn:
        version = bump_data_version(conn, layer.id)
        if version is None:
            raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}")
        row = conn.execute(statement).first()
        if row is None:
            _explain_miss(conn, layer, change)
        assert row is not None
        _append(conn, table, change.fid, change.history)
        edits.record(conn, layer.id, version, [edits.as_box(row[-4:])])
        record_write(conn, KIND, layer.id, "transition", action="transition", **transition_detail(change),
                     data_version=version)
        return stored_feature(layer, row)


def _append(conn: sa.Connection, table: sa.Table, fid: int, entry: HistoryRow) -> None:
    h = history_table.c
    next_seq = (sa.select(sa.func.coalesce(sa.func.max(h.seq), 0) + 1)
                .where(h.layer_id == entry.layer_id, h.fid == int(fid)).scalar_subquery())
    geom = sa.select(table.c.geom).where(table.c.fid == int(fid)).scalar_subquery()
    conn.execute(sa.insert(history_table).values(
        layer_id=entry.layer_id, fid=int(fid), seq=next_seq, at=entry.at, actor=entry.actor,
        actor_org=entry.actor_org, holder_org=entry.holder_org, region=entry.region, domain=entry.domain,
        transition=entry.transition, from_state=entry.from_state, to_state=entry.to_state, comment=entry.comment,
        values_json=plain_values(entry.values), geom=geom, state_since=entry.state_since, deadline=entry.deadline,
        late=entry.late))


def _explain_miss(conn: sa.Connection, layer: LayerDefinition, change: GuardedTransition) -> None:
    table = layer_table(layer)
    current = conn.execute(sa.select(table.c[STATE_FIELD], table.c["_version"])
                           .where(table.c.fid == int(change.fid))).first()
    raise missed_transition(layer, change, current)


# -- bulk insert with history ------------------------------------------------------------------
def insert_with_history(engine: sa.Engine, layer: LayerDefinition, items: Iterable[ItemWithHistory],
                        progress: Progress | None = None) -> list[int]:
    pairs = list(items)
    with translated(layer.id, writing=True), engine.begin() as conn:
        version = bump_data_version(conn, layer.id) if pairs else _registered(conn, layer.id)
        if version is None:
            raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}")
        if not pairs:
            return []
        fids, boxes = copy.copy_records(conn, engine, layer, [record for record, _ in pairs], progress)
        _copy_history(conn, layer, pairs, fids)
        edits.record(conn, layer.id, int(version), boxes)
        record_write(conn, KIND, layer.id, "insert_with_history", **fid_detail(fids), data_version=int(version))
    if progress is not None:
        progress(len(fids))
    return fids


def _registered(conn: sa.Connection, layer_id: str) -> int | None:
    return conn.execute(sa.text("SELECT data_version FROM onemap_layers WHERE id = :i"), {"i": layer_id}).scalar()


def _copy_history(conn: sa.Connection, layer: LayerDefinition, pairs: Sequence[ItemWithHistory],
                  fids: Sequence[int]) -> None:
    rows: list[HistoryRow] = []
    owners: list[int] = []
    geometries: list[Any] = []
    for (record, steps), fid in zip(pairs, fids, strict=True):
        for step in steps:
            rows.append(step)
            owners.append(int(fid))
            geometries.append(step.geometry if step.geometry is not None else record.geometry)
    if not rows:
        return
    wkbs = shapely.to_wkb(np.asarray(geometries, dtype=object), output_dimension=2)
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    sql = f"COPY onemap_history ({', '.join(HISTORY_COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
    with copy._copy_errors(layer.id), raw.cursor() as cursor, cursor.copy(sql) as stream:
        stream.set_types(list(HISTORY_COPY_TYPES))
        for step, fid, wkb in zip(rows, owners, wkbs, strict=True):
            stream.write_row((layer.id, fid, step.seq, step.at, step.actor, step.actor_org, step.holder_org,
                              step.region, step.domain, step.transition, step.from_state, step.to_state,
                              step.comment, Jsonb(plain_values(step.values)), wkb, step.state_since,
                              step.deadline, bool(step.late)))


# -- overdue sweep -----------------------------------------------------------------------------
def sweep_overdue(engine: sa.Engine, read_engine: sa.Engine, layer: LayerDefinition, now: datetime) -> OverdueSweep:
    if layer.workflow is None:
        return OverdueSweep(layer.id)
    table = layer_table(layer)
    terminal = sorted(layer.workflow.terminal_states)
    target = sa.func.coalesce(sa.and_(table.c[DEADLINE_FIELD] < now, table.c[STATE_FIELD].notin_(terminal)), sa.false())
    differs = table.c[OVERDUE_FIELD].is_distinct_from(target)
    with translated(layer.id), read_engine.connect() as conn:
        if conn.execute(sa.select(table.c.fid).where(differs).limit(1)).first() is None:
            return OverdueSweep(layer.id)
    statement = (sa.update(table).where(differs)
                 .values({OVERDUE_FIELD: target, "_version": table.c["_version"] + 1, "_updated_at": sa.func.now()})
                 .returning(table.c[OVERDUE_FIELD], *edits.box_columns(table.c.geom)))
    with translated(layer.id, writing=True), engine.begin() as conn:
        version = bump_data_version(conn, layer.id)  # the layer row first, as every writer
        if version is None:
            raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}")
        rows = conn.execute(statement).all()
        edits.record(conn, layer.id, version, _boxes([edits.as_box(row[1:]) for row in rows]))
        became = sum(1 for row in rows if row[0])
        record_write(conn, KIND, layer.id, "sweep_overdue", count=len(rows), became_overdue=became,
                     cleared=len(rows) - became, data_version=version)
    return OverdueSweep(layer.id, became_overdue=became, cleared=len(rows) - became)


def _boxes(boxes: list[EditBox | None]) -> list[EditBox | None]:
    """Per-feature boxes, or their union when there are many."""
    if len(boxes) <= BOX_PER_FEATURE_LIMIT:
        return boxes
    return [copy.union_box(np.asarray([box for box in boxes if box is not None], dtype=float).reshape(-1, 4))]
