"""`replace_partitions` in the GeoPackage: delete-where-equal and insert, across layers, one transaction.

One `BEGIN IMMEDIATE` transaction holds the whole call. Per change: the box of the partition
that goes is read from the layer's R-tree (float32 bounds rounded outwards, so never smaller than
the features), the rows are deleted, the records inserted (`writer.insert_rows`). Then every
layer that changed gets one data-version bump, its edit-log boxes and its exact extent (read
through the R-tree) in `gpkg_contents`, and the call one audit record, still in the same transaction.
May import: sqlalchemy, layers.*, this package.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from layers.errors import InvalidQuery, LayerNotFound
from layers.model import LayerDefinition
from layers.protect.write_audit import partitions_detail, record_write
from layers.stores.base import EditBox, PartitionChange, Progress
from layers.stores.geopackage import edits
from layers.stores.geopackage.engine import writing
from layers.stores.geopackage.schema import quote, rtree_name
from layers.stores.geopackage.values import to_db
from layers.stores.geopackage.writer import (
    _save_extent,
    bump_data_version,
    exact_extent,
    insert_rows,
    integrity_errors,
    require_layer,
)


def replace_partitions(engine: sa.Engine, changes: Sequence[PartitionChange],
                       progress: Progress | None = None) -> list[list[int]]:
    for change in changes:
        if change.layer.field(change.field) is None:
            raise InvalidQuery(f"图层 {change.layer.id} 没有字段 {change.field} / collection {change.layer.id!r} "
                               f"has no field {change.field!r}", parameter="field")
    layers: dict[str, LayerDefinition] = {change.layer.id: change.layer for change in changes}
    boxes: dict[str, list[EditBox | None]] = {layer_id: [] for layer_id in layers}
    shrunk: set[str] = set()
    grown: set[str] = set()
    results: list[list[int]] = []
    deleted: dict[str, int] = {}
    written = 0
    with integrity_errors(), writing(engine) as conn:
        for layer_id in sorted(layers):
            require_layer(conn, layers[layer_id])
        for change in changes:
            layer, table, rtree = change.layer, quote(change.layer.id), quote(rtree_name(change.layer.id))
            spec = layer.field(change.field)
            assert spec is not None
            value = to_db(spec.type, change.value)
            try:
                box = conn.exec_driver_sql(
                    f"SELECT min(minx), min(miny), max(maxx), max(maxy), "
                    f"(SELECT count(*) FROM {table} WHERE {quote(change.field)} IS ?) FROM {rtree} "
                    f"WHERE id IN (SELECT fid FROM {table} WHERE {quote(change.field)} IS ?)", (value, value)).one()
                if box[4]:
                    deleted[layer.id] = deleted.get(layer.id, 0) + int(box[4])
                    conn.exec_driver_sql(f"DELETE FROM {table} WHERE {quote(change.field)} IS ?", (value,))
                    boxes[layer.id].append(edits.as_box(box[:4]))
                    shrunk.add(layer.id)
            except sa.exc.OperationalError as exc:
                if "no such table" in str(exc.orig):
                    raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}") from exc
                raise
            fids, added, _ = insert_rows(conn, layer, change.records, None, progress, written)
            written += len(fids)
            if fids:
                boxes[layer.id].extend(added)
                grown.add(layer.id)
            results.append(fids)
        versions: dict[str, int] = {}
        for layer_id in sorted(shrunk | grown):
            layer = layers[layer_id]
            versions[layer_id] = bump_data_version(conn, layer)
            edits.record(conn, layer_id, versions[layer_id], boxes[layer_id])
            _save_extent(conn, layer_id, exact_extent(conn, layer_id))
        if versions:
            target, detail = partitions_detail(changes, results, deleted, versions)
            record_write(conn, "geopackage", min(versions), "replace_partitions", target=target, **detail)
    return results

