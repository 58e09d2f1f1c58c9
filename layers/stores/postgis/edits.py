"""The edit log on PostGIS: `onemap_edits` rows written inside each write's transaction, read back
for the tile cache, pruned as they age; and the data version a re-registered layer continues from.

A row holds the data version of the write and the box (EPSG:4490) of what it changed; a row with
no box means the whole layer (the layer was re-created or redefined, or older rows were pruned).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from layers.stores.base import EDIT_LOG_KEEP, Edit, EditBox, as_box

metadata = sa.MetaData()

edits_table = sa.Table(
    "onemap_edits",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("layer_id", sa.Text, nullable=False),
    sa.Column("data_version", sa.BigInteger, nullable=False),
    sa.Column("minx", sa.Float(53)),
    sa.Column("miny", sa.Float(53)),
    sa.Column("maxx", sa.Float(53)),
    sa.Column("maxy", sa.Float(53)),
)

#: Pruning runs when a write's data version is a multiple of this.
PRUNE_EVERY = 100


def box_columns(geom: sa.ColumnElement[object]) -> list[sa.ColumnElement[float]]:
    """ST_XMin … ST_YMax of a geometry column (NULL for NULL geometries)."""
    return [sa.func.ST_XMin(geom), sa.func.ST_YMin(geom), sa.func.ST_XMax(geom), sa.func.ST_YMax(geom)]


def record(conn: sa.Connection, layer_id: str, data_version: int, boxes: Iterable[EditBox | None]) -> None:
    """Log the boxes a write changed (None boxes are skipped: a feature without geometry draws nothing)."""
    rows = [{"layer_id": layer_id, "data_version": data_version,
             "minx": box[0], "miny": box[1], "maxx": box[2], "maxy": box[3]} for box in boxes if box is not None]
    if rows:
        conn.execute(sa.insert(edits_table), rows)
    prune(conn, layer_id, data_version)


def record_whole_layer(conn: sa.Connection, layer_id: str, data_version: int) -> None:
    """Log that everything in the layer may have changed at `data_version`."""
    conn.execute(sa.insert(edits_table).values(layer_id=layer_id, data_version=data_version))


def prune(conn: sa.Connection, layer_id: str, data_version: int) -> None:
    """Every PRUNE_EVERY versions, fold entries older than EDIT_LOG_KEEP versions into one whole-layer entry."""
    if data_version % PRUNE_EVERY or data_version <= EDIT_LOG_KEEP:
        return
    horizon = data_version - EDIT_LOG_KEEP
    conn.execute(sa.delete(edits_table).where(edits_table.c.layer_id == layer_id,
                                              edits_table.c.data_version <= horizon))
    record_whole_layer(conn, layer_id, horizon)


def forget_layer(conn: sa.Connection, layer_id: str, last_version: int) -> None:
    """A dropped layer: its log shrinks to one whole-layer entry just past its last version."""
    conn.execute(sa.delete(edits_table).where(edits_table.c.layer_id == layer_id))
    record_whole_layer(conn, layer_id, last_version + 1)


def starting_version(layer_id: str) -> sa.ScalarSelect[int]:
    """The data version a newly registered layer starts at: where a dropped namesake left off (else 0)."""
    return (sa.select(sa.func.coalesce(sa.func.max(edits_table.c.data_version), 0))
            .where(edits_table.c.layer_id == layer_id).scalar_subquery())


def since(conn: sa.Connection, layer_id: str, data_version: int) -> list[Edit]:
    c = edits_table.c
    rows = conn.execute(
        sa.select(c.data_version, c.minx, c.miny, c.maxx, c.maxy)
        .where(c.layer_id == layer_id, c.data_version > int(data_version))
        .order_by(c.data_version, c.seq)
    ).all()
    return [(int(row[0]), as_box(row[1:])) for row in rows]
