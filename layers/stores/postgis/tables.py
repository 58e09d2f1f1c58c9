"""Per-layer tables: the SQLAlchemy `Table` built from a `LayerDefinition`, and their DDL.

A layer's table is named by the layer id, in the connection's default schema:
`fid` (identity primary key), `geom geometry(<type>, 4490) NOT NULL` with a GiST index, one
column per field (`text` for secret fields, which hold SM4 tokens), `_version` and `_updated_at`;
a btree index on the temporal field; Chinese titles as table and column comments. Identifiers come
only from validated definitions and are still quoted by SQLAlchemy.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from geoalchemy2 import Geometry

from layers.errors import InvalidFeature, LayerExists
from layers.model import FieldSpec, FieldType, LayerDefinition
from layers.query import STORAGE_SRID

_TYPES: dict[FieldType, type[sa.types.TypeEngine[object]]] = {
    FieldType.STRING: sa.Text,
    FieldType.INTEGER: sa.BigInteger,
    FieldType.NUMBER: sa.Double,
    FieldType.BOOLEAN: sa.Boolean,
    FieldType.DATE: sa.Date,
    FieldType.DATETIME: sa.DateTime,
}

#: Type families as `information_schema.columns.data_type` reports them.
_PG_TYPES: dict[FieldType, frozenset[str]] = {
    FieldType.STRING: frozenset({"text", "character varying"}),
    FieldType.INTEGER: frozenset({"bigint"}),
    FieldType.NUMBER: frozenset({"double precision"}),
    FieldType.BOOLEAN: frozenset({"boolean"}),
    FieldType.DATE: frozenset({"date"}),
    FieldType.DATETIME: frozenset({"timestamp with time zone"}),
}


def column_length(spec: FieldSpec) -> int | None:
    """The declared length of a string column: none for a secret field, whose SM4 token is longer than
    the plaintext `max_length` limits (validation still holds the plaintext to it)."""
    return None if spec.secret else spec.max_length


def column_type(spec: FieldSpec) -> sa.types.TypeEngine[object]:
    length = column_length(spec)
    if spec.type is FieldType.STRING and length is not None:
        return sa.String(length)
    if spec.type is FieldType.DATETIME:
        return sa.DateTime(timezone=True)
    return _TYPES[spec.type]()


def index_name(layer_id: str, suffix: str) -> str:
    """`<layer>_<suffix>`, shortened with a hash when it would pass PostgreSQL's 63-byte limit."""
    name = f"{layer_id}_{suffix}"
    if len(name) <= 63:
        return name
    digest = hashlib.sha1(layer_id.encode()).hexdigest()[:8]
    return f"{layer_id[: 62 - len(suffix) - 9]}_{digest}_{suffix}"


def field_column(spec: FieldSpec) -> sa.Column[object]:
    return sa.Column(spec.name, column_type(spec), nullable=True, comment=spec.title_zh)


@lru_cache(maxsize=512)
def layer_table(layer: LayerDefinition) -> sa.Table:
    """The Core table of a layer (cached per definition; definitions are immutable)."""
    table = sa.Table(
        layer.id,
        sa.MetaData(),
        sa.Column("fid", sa.BigInteger, sa.Identity(always=False), primary_key=True),
        sa.Column(
            "geom",
            Geometry(layer.geometry_type.value.upper(), srid=STORAGE_SRID, spatial_index=False),
            nullable=False,
            comment="几何 / geometry (CGCS2000, EPSG:4490)",
        ),
        *(field_column(spec) for spec in layer.fields),
        sa.Column("_version", sa.Integer, nullable=False, server_default="1",
                  comment="要素版本 / feature version"),
        sa.Column("_updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now(),
                  comment="更新时间 / last updated"),
        comment=layer.title_zh,
    )
    sa.Index(index_name(layer.id, "geom_gist"), table.c.geom, postgresql_using="gist")
    if layer.temporal_field is not None:
        sa.Index(index_name(layer.id, f"{layer.temporal_field}_idx"), table.c[layer.temporal_field])
    return table


def relation_exists(conn: sa.Connection, name: str) -> bool:
    """Whether any table, view or sequence of that name is visible on the search path."""
    found = conn.execute(sa.text("SELECT to_regclass(quote_ident(:name))"), {"name": name}).scalar()
    return found is not None


def create_layer_table(conn: sa.Connection, layer: LayerDefinition) -> None:
    """CREATE TABLE with comments and indexes; a name taken by another relation → LayerExists."""
    if relation_exists(conn, layer.id):
        raise LayerExists(
            f"数据库中已有同名对象 {layer.id!r}，不能用作图层名 / a database object named {layer.id!r} "
            "already exists and cannot hold this layer"
        )
    layer_table(layer).create(conn)


def evolve_layer_table(conn: sa.Connection, layer: LayerDefinition) -> None:
    """Bring an existing table in line with a replacing definition: add columns, never drop any.

    A field whose type family changed cannot be converted in place → InvalidFeature naming it.
    String length changes are applied (a narrowing that existing data breaks fails the transaction).
    """
    if not relation_exists(conn, layer.id):
        create_layer_table(conn, layer)
        return
    existing = {
        row.column_name: row
        for row in conn.execute(
            sa.text(
                "SELECT column_name, data_type, character_maximum_length FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = :name"
            ),
            {"name": layer.id},
        )
    }
    _check_geometry_type(conn, layer)
    ops = Operations(MigrationContext.configure(conn))
    for spec in layer.fields:
        current = existing.get(spec.name)
        if current is None:
            ops.add_column(layer.id, field_column(spec))
            continue
        if current.data_type not in _PG_TYPES[spec.type]:
            raise InvalidFeature(
                f"字段 {spec.name} 已存在且类型为 {current.data_type}，不能改为 {spec.type.value} / "
                f"field {spec.name!r} exists as {current.data_type} and cannot become {spec.type.value}",
                field=spec.name,
            )
        if spec.type is FieldType.STRING and current.character_maximum_length != column_length(spec):
            ops.alter_column(layer.id, spec.name, type_=column_type(spec))
        ops.alter_column(layer.id, spec.name, comment=spec.title_zh, existing_type=column_type(spec))
    ops.create_table_comment(layer.id, layer.title_zh)
    if layer.temporal_field is not None:
        ops.create_index(index_name(layer.id, f"{layer.temporal_field}_idx"), layer.id,
                         [layer.temporal_field], if_not_exists=True)


def _check_geometry_type(conn: sa.Connection, layer: LayerDefinition) -> None:
    current = conn.execute(
        sa.text("SELECT type FROM geometry_columns WHERE f_table_schema = current_schema() "
                "AND f_table_name = :name AND f_geometry_column = 'geom'"),
        {"name": layer.id},
    ).scalar()
    wanted = layer.geometry_type.value.upper()
    if current is not None and current.upper() != wanted:
        raise InvalidFeature(
            f"图层 {layer.id} 的几何类型为 {current}，不能改为 {layer.geometry_type.value} / "
            f"geometry type {current} cannot change to {layer.geometry_type.value}",
            field="geometry_type",
        )


def drop_layer_table(conn: sa.Connection, layer_id: str) -> None:
    conn.execute(sa.text(f"DROP TABLE IF EXISTS {quote(conn, layer_id)}"))


def quote(conn: sa.Connection, identifier: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(identifier)
