"""The layer registry inside the GeoPackage: ``onemap_layers`` (definitions, data versions, order)
and ``onemap_meta`` (the registry revision every worker polls).

May import: sqlalchemy, layers.model, layers.errors, this package's schema.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from layers.errors import LayerExists, LayerNotFound
from layers.model import LayerDefinition
from layers.stores.geopackage import edits, schema
from layers.stores.geopackage.values import format_datetime

REVISION_KEY = "registry_revision"


def _now() -> str:
    return format_datetime(datetime.now(UTC))


def revision(conn: sa.Connection) -> int:
    value = conn.execute(sa.text("SELECT value FROM onemap_meta WHERE key = :k"), {"k": REVISION_KEY}).scalar()
    return int(value or 0)


def bump_revision(conn: sa.Connection) -> None:
    conn.execute(sa.text("UPDATE onemap_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = :k"),
                 {"k": REVISION_KEY})


def load_definitions(conn: sa.Connection) -> list[LayerDefinition]:
    rows = conn.execute(sa.text("SELECT definition FROM onemap_layers ORDER BY position, id")).scalars()
    return [LayerDefinition.model_validate_json(text) for text in rows]


def stored_definition(conn: sa.Connection, layer_id: str) -> LayerDefinition | None:
    text = conn.execute(sa.text("SELECT definition FROM onemap_layers WHERE id = :i"), {"i": layer_id}).scalar()
    return None if text is None else LayerDefinition.model_validate_json(text)


def _column_shape(layer: LayerDefinition) -> tuple[object, ...]:
    return (layer.geometry_type, tuple((f.name, f.type, f.max_length) for f in layer.fields))


def _conflicts(old: LayerDefinition, new: LayerDefinition) -> list[str]:
    """Changes that existing rows cannot follow: the geometry type, or the type of a kept field."""
    problems = []
    if old.geometry_type is not new.geometry_type:
        problems.append(f"几何类型 geometry type {old.geometry_type.value} → {new.geometry_type.value}")
    for spec in new.fields:
        before = old.field(spec.name)
        if before is not None and before.type is not spec.type:
            problems.append(f"字段 field {spec.name}: {before.type.value} → {spec.type.value}")
    return problems


def register(conn: sa.Connection, layer: LayerDefinition, *, replace: bool) -> None:
    """Store the definition and create or evolve the layer table (inside the caller's write transaction)."""
    old = stored_definition(conn, layer.id)
    if old is None:
        if schema.table_exists(conn, layer.id) or schema.table_exists(conn, schema.rtree_name(layer.id)):
            raise LayerExists(f"GeoPackage 中已有名为 {layer.id} 的表 / a table named {layer.id!r} already "
                              "exists in the GeoPackage", field="id")
        schema.create_layer_table(conn, layer)
        position = conn.execute(sa.text("SELECT coalesce(max(position), 0) + 1 FROM onemap_layers")).scalar_one()
        conn.execute(sa.text(
            "INSERT INTO onemap_layers (id, definition, data_version, position, updated_at) "
            "VALUES (:i, :d, :v, :p, :now)"),
            {"i": layer.id, "d": layer.model_dump_json(), "v": edits.starting_version(conn, layer.id),
             "p": position, "now": _now()})
    elif not replace:
        raise LayerExists(f"图层已存在 / collection {layer.id!r} already exists", field="id")
    elif old == layer:
        return  # re-registering an unchanged definition (every start-up does) changes nothing
    else:
        _evolve(conn, old, layer)
        version = conn.execute(sa.text(
            "UPDATE onemap_layers SET definition = :d, data_version = data_version + 1, updated_at = :now "
            "WHERE id = :i RETURNING data_version"),
            {"i": layer.id, "d": layer.model_dump_json(), "now": _now()}).scalar_one()
        edits.record_whole_layer(conn, layer.id, int(version))
    bump_revision(conn)


def _evolve(conn: sa.Connection, old: LayerDefinition, new: LayerDefinition) -> None:
    if _column_shape(old) == _column_shape(new):
        schema.sync_layer_metadata(conn, new)
        return
    empty = conn.exec_driver_sql(f"SELECT 1 FROM {schema.quote(new.id)} LIMIT 1").first() is None
    if empty:  # nothing to keep: rebuild so the declared column types match the new definition
        schema.drop_layer_table(conn, old)
        schema.create_layer_table(conn, new)
        return
    problems = _conflicts(old, new)
    if problems:
        raise LayerExists(f"图层 {new.id} 已有要素，不能做如下更改 / collection holds features, cannot change: "
                          f"{'; '.join(problems)}", field="fields")
    schema.add_missing_columns(conn, new)
    schema.sync_layer_metadata(conn, new)


def drop(conn: sa.Connection, layer_id: str) -> None:
    old = stored_definition(conn, layer_id)
    if old is None:
        raise LayerNotFound(f"图层不存在 / no collection with id {layer_id!r}")
    schema.drop_layer_table(conn, old)
    last = conn.execute(sa.text("DELETE FROM onemap_layers WHERE id = :i RETURNING data_version"),
                        {"i": layer_id}).scalar_one()
    edits.forget_layer(conn, layer_id, int(last))
    bump_revision(conn)
