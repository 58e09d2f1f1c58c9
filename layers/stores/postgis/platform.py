"""The platform tables as SQLAlchemy Core objects, and the advisory-lock keys the store uses.

The tables are created by the Alembic migration `0001_platform_tables`; these objects only
describe them for queries (the migration keeps its own frozen copy of the DDL).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

layers_table = sa.Table(
    "onemap_layers",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("definition", JSONB, nullable=False),
    sa.Column("data_version", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

meta_table = sa.Table(
    "onemap_meta",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

#: The `onemap_meta` key whose value grows on every register/drop.
REGISTRY_REVISION = "registry_revision"

#: Alembic's bookkeeping table; prefixed so that no layer id can collide with it.
VERSION_TABLE = "onemap_alembic_version"

#: pg_advisory_xact_lock keys: one for migrations, one for registry changes.
MIGRATION_LOCK = 0x6F6E656D6170_01
REGISTRY_LOCK = 0x6F6E656D6170_02


def bump_data_version(conn: sa.Connection, layer_id: str) -> int | None:
    """Increment a layer's data version in the caller's transaction; None if it is not registered."""
    row = conn.execute(
        sa.update(layers_table)
        .where(layers_table.c.id == layer_id)
        .values(data_version=layers_table.c.data_version + 1)
        .returning(layers_table.c.data_version)
    ).first()
    return None if row is None else int(row[0])


def bump_registry_revision(conn: sa.Connection) -> None:
    conn.execute(
        sa.update(meta_table)
        .where(meta_table.c.key == REGISTRY_REVISION)
        .values(value=meta_table.c.value + 1)
    )
