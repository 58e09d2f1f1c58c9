"""`replace_partitions` on PostGIS: delete-where-equal and insert, across several layers, one transaction.

The layer rows are locked first, in id order (the order every multi-layer writer keeps, so two
such writers cannot deadlock), which also proves each layer is registered. Each change then
deletes its partition (`DELETE … WHERE field = value`, the box of what went from the deleted
rows) and COPYs its records in (`copy.copy_records`). Every layer that changed gets one data
version bump and its edit-log boxes, and the call one audit record, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from layers.errors import InvalidQuery, LayerNotFound
from layers.protect.write_audit import partitions_detail, record_write
from layers.stores.base import EditBox, PartitionChange, Progress
from layers.stores.postgis import copy, edits
from layers.stores.postgis.platform import bump_data_version, layers_table
from layers.stores.postgis.support import translated
from layers.stores.postgis.tables import layer_table


def replace_partitions(engine: sa.Engine, changes: Sequence[PartitionChange],
                       progress: Progress | None = None) -> list[list[int]]:
    for change in changes:
        if change.layer.field(change.field) is None:
            raise InvalidQuery(f"图层 {change.layer.id} 没有字段 {change.field} / collection {change.layer.id!r} "
                               f"has no field {change.field!r}", parameter="field")
    ids = sorted({change.layer.id for change in changes})
    results: list[list[int]] = []
    boxes: dict[str, list[EditBox | None]] = {layer_id: [] for layer_id in ids}
    changed: set[str] = set()
    deleted_by_layer: dict[str, int] = {}
    written = 0
    with translated(writing=True), engine.begin() as conn:
        locked = set(conn.execute(sa.select(layers_table.c.id).where(layers_table.c.id.in_(ids))
                                  .order_by(layers_table.c.id).with_for_update()).scalars())
        missing = [layer_id for layer_id in ids if layer_id not in locked]
        if missing:
            raise LayerNotFound(f"图层不存在 / no collection with id {missing[0]!r}")
        for change in changes:
            table = layer_table(change.layer)
            gone = (sa.delete(table).where(table.c[change.field] == change.value)
                    .returning(table.c.geom).cte("gone"))
            with translated(change.layer.id, writing=True):
                deleted, *box = conn.execute(
                    sa.select(sa.func.count(), *edits.box_columns(sa.func.ST_Extent(gone.c.geom)))).one()
                fids, added = copy.copy_records(conn, engine, change.layer, change.records, progress, written)
            written += len(fids)
            deleted_by_layer[change.layer.id] = deleted_by_layer.get(change.layer.id, 0) + int(deleted)
            if deleted or fids:
                changed.add(change.layer.id)
                boxes[change.layer.id].extend([edits.as_box(box), *added])
            results.append(fids)
        versions: dict[str, int] = {}
        for layer_id in ids:
            if layer_id in changed:
                version = bump_data_version(conn, layer_id)
                assert version is not None
                edits.record(conn, layer_id, version, boxes[layer_id])
                versions[layer_id] = version
        if versions:
            target, detail = partitions_detail(changes, results, deleted_by_layer, versions)
            record_write(conn, "postgis", ids[0], "replace_partitions", target=target, **detail)
    if progress is not None:
        progress(written)
    return results
