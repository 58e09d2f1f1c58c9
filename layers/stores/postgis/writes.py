"""Changing single features: replace and delete with optimistic versions, and deletes by fid list.

`UPDATE … WHERE fid = :fid AND _version = :expected`; when no row changes, a second look tells a
missing feature (FeatureNotFound) from a stale version (VersionConflict with the current one),
and the transaction is rolled back so nothing changes. Every successful write bumps the layer's
data version, logs the boxes it changed (`edits`) and appends its audit record, in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shapely
import sqlalchemy as sa

from layers.errors import FeatureNotFound, LayerNotFound, VersionConflict
from layers.model import LayerDefinition
from layers.protect.write_audit import fid_detail, record_write
from layers.query import StoredFeature
from layers.stores.base import FeatureRecord
from layers.stores.postgis import edits
from layers.stores.postgis.dialect import geometry_param
from layers.stores.postgis.geojson_sql import geometry_sql
from layers.stores.postgis.platform import bump_data_version, layers_table
from layers.stores.postgis.reads import STORAGE, stored_feature
from layers.stores.postgis.support import translated
from layers.stores.postgis.tables import layer_table

KIND = "postgis"


def replace(engine: sa.Engine, layer: LayerDefinition, fid: int, record: FeatureRecord,
            expected_version: int | None) -> StoredFeature:
    table = layer_table(layer)
    values: dict[str, Any] = {name: record.properties.get(name) for name in layer.field_names}
    values["geom"] = geometry_param(shapely.force_2d(record.geometry))
    values["_version"] = table.c["_version"] + 1
    values["_updated_at"] = sa.func.now()
    geometry = sa.literal_column(f"ST_AsBinary({geometry_sql(STORAGE)})", sa.LargeBinary).label("wkb")
    statement = (
        sa.update(table)
        .where(*_match(table, fid, expected_version))
        .values(values)
        .returning(table.c.fid, table.c["_version"], table.c["_updated_at"], geometry,
                   *(table.c[name] for name in layer.field_names))
    )
    old_box = sa.select(*edits.box_columns(table.c.geom)).where(table.c.fid == int(fid)).with_for_update()
    with translated(layer.id, writing=True), engine.begin() as conn:
        version = _lock_layer(conn, layer)
        old = conn.execute(old_box).first()
        row = conn.execute(statement).first()
        if row is None:
            _explain_miss(conn, layer, table, fid)
        assert row is not None and old is not None
        new = record.geometry.bounds if not record.geometry.is_empty else None
        edits.record(conn, layer.id, version, [edits.as_box(old), new])
        record_write(conn, KIND, layer.id, "replace", **fid_detail([fid]), data_version=version,
                     expected_version=expected_version)
        return stored_feature(layer, row)


def delete(engine: sa.Engine, layer: LayerDefinition, fid: int, expected_version: int | None) -> None:
    table = layer_table(layer)
    statement = (sa.delete(table).where(*_match(table, fid, expected_version))
                 .returning(table.c.fid, *edits.box_columns(table.c.geom)))
    with translated(layer.id, writing=True), engine.begin() as conn:
        version = _lock_layer(conn, layer)
        row = conn.execute(statement).first()
        if row is None:
            _explain_miss(conn, layer, table, fid)
        assert row is not None
        edits.record(conn, layer.id, version, [edits.as_box(row[1:])])
        record_write(conn, KIND, layer.id, "delete", **fid_detail([fid]), data_version=version,
                     expected_version=expected_version)


def delete_where_fids(engine: sa.Engine, layer: LayerDefinition, fids: Sequence[int]) -> int:
    table = layer_table(layer)
    wanted = sorted({int(fid) for fid in fids})
    fid_list = sa.bindparam("fids", wanted, type_=sa.ARRAY(sa.BigInteger))
    with translated(layer.id, writing=True), engine.begin() as conn:
        # Lock the layer row before any feature row, in the same order as every other writer.
        locked = conn.execute(
            sa.select(layers_table.c.id).where(layers_table.c.id == layer.id).with_for_update()
        ).first()
        if locked is None:
            raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}")
        if not wanted:
            return 0
        gone = sa.delete(table).where(table.c.fid == sa.any_(fid_list)).returning(table.c.geom).cte("gone")
        extent = sa.func.ST_Extent(gone.c.geom)
        deleted, *box = conn.execute(sa.select(sa.func.count(), *edits.box_columns(extent))).one()
        if deleted:
            version = bump_data_version(conn, layer.id)
            assert version is not None
            edits.record(conn, layer.id, version, [edits.as_box(box)])
            record_write(conn, KIND, layer.id, "delete_where_fids", **fid_detail(wanted), deleted=int(deleted),
                         data_version=version)
        return int(deleted)


def _match(table: sa.Table, fid: int, expected_version: int | None) -> list[sa.ColumnElement[bool]]:
    conditions = [table.c.fid == int(fid)]
    if expected_version is not None:
        conditions.append(table.c["_version"] == int(expected_version))
    return conditions


def _lock_layer(conn: sa.Connection, layer: LayerDefinition) -> int:
    """Bump the data version first: it also checks the layer is registered and orders writers."""
    version = bump_data_version(conn, layer.id)
    if version is None:
        raise LayerNotFound(f"图层不存在 / no collection with id {layer.id!r}")
    return version


def _explain_miss(conn: sa.Connection, layer: LayerDefinition, table: sa.Table, fid: int) -> None:
    current = conn.execute(sa.select(table.c["_version"]).where(table.c.fid == int(fid))).scalar()
    if current is None:
        raise FeatureNotFound(f"要素不存在 / no feature {fid} in collection {layer.id!r}")
    raise VersionConflict(
        f"要素已被他人修改（当前版本 {current}）/ feature {fid} was changed by someone else "
        f"(current version {current})",
        current_version=int(current),
    )
