"""The edit log in the GeoPackage: `onemap_edits` rows written inside each write's transaction,
read back for the tile cache, pruned as they age; and where a re-registered layer's data version
continues from.

A row holds the data version of the write and the box (EPSG:4490) of what it changed; a row with
no box means the whole layer (the layer was re-created or redefined, or older rows were pruned).
May import: sqlalchemy, layers.stores.base.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from layers.stores.base import EDIT_LOG_KEEP, Edit, EditBox, as_box

#: Pruning runs when a write's data version is a multiple of this.
PRUNE_EVERY = 100

DDL = (
    """CREATE TABLE IF NOT EXISTS onemap_edits (
        layer_id TEXT NOT NULL, data_version INTEGER NOT NULL,
        minx DOUBLE, miny DOUBLE, maxx DOUBLE, maxy DOUBLE)""",
    "CREATE INDEX IF NOT EXISTS onemap_edits_layer_version ON onemap_edits (layer_id, data_version)",
)

_INSERT = "INSERT INTO onemap_edits (layer_id, data_version, minx, miny, maxx, maxy) VALUES (?, ?, ?, ?, ?, ?)"


def from_envelope(envelope: tuple[float, float, float, float] | None) -> EditBox | None:
    """A GeoPackage envelope (minx, maxx, miny, maxy) as an edit box (minx, miny, maxx, maxy)."""
    if envelope is None:
        return None
    minx, maxx, miny, maxy = envelope
    return (minx, miny, maxx, maxy)


def record(conn: sa.Connection, layer_id: str, data_version: int, boxes: Iterable[EditBox | None]) -> None:
    """Log the boxes a write changed (None boxes are skipped: a feature without geometry draws nothing)."""
    rows = [(layer_id, data_version, *box) for box in boxes if box is not None]
    if rows:
        conn.exec_driver_sql(_INSERT, rows)
    prune(conn, layer_id, data_version)


def record_whole_layer(conn: sa.Connection, layer_id: str, data_version: int) -> None:
    conn.exec_driver_sql(_INSERT, (layer_id, data_version, None, None, None, None))


def prune(conn: sa.Connection, layer_id: str, data_version: int) -> None:
    """Every PRUNE_EVERY versions, fold entries older than EDIT_LOG_KEEP versions into one whole-layer entry."""
    if data_version % PRUNE_EVERY or data_version <= EDIT_LOG_KEEP:
        return
    horizon = data_version - EDIT_LOG_KEEP
    conn.exec_driver_sql("DELETE FROM onemap_edits WHERE layer_id = ? AND data_version <= ?", (layer_id, horizon))
    record_whole_layer(conn, layer_id, horizon)


def forget_layer(conn: sa.Connection, layer_id: str, last_version: int) -> None:
    """A dropped layer: its log shrinks to one whole-layer entry just past its last version."""
    conn.exec_driver_sql("DELETE FROM onemap_edits WHERE layer_id = ?", (layer_id,))
    record_whole_layer(conn, layer_id, last_version + 1)


def starting_version(conn: sa.Connection, layer_id: str) -> int:
    """The data version a newly registered layer starts at: where a dropped namesake left off (else 0)."""
    value = conn.exec_driver_sql("SELECT max(data_version) FROM onemap_edits WHERE layer_id = ?", (layer_id,)).scalar()
    return int(value or 0)


def since(conn: sa.Connection, layer_id: str, data_version: int) -> list[Edit]:
    rows = conn.exec_driver_sql(
        "SELECT data_version, minx, miny, maxx, maxy FROM onemap_edits WHERE layer_id = ? AND data_version > ? "
        "ORDER BY data_version, rowid", (layer_id, int(data_version))).all()
    return [(int(row[0]), as_box(row[1:])) for row in rows]


def versions(conn: sa.Connection) -> dict[str, int]:
    return {row[0]: int(row[1]) for row in conn.exec_driver_sql("SELECT id, data_version FROM onemap_layers")}
