"""MBTiles 1.3 packages (https://github.com/mapbox/mbtiles-spec/blob/master/1.3/spec.md): writer and reader.

Layout of a OneMap MBTiles package (stdlib sqlite3, journal_mode=DELETE once finished):

- `map(zoom_level, tile_column, tile_row, tile_id)` with the unique index `map_index` on the address, and
  `images(tile_id, tile_data)` — identical tiles are stored once, `tile_id` = sha256 hex of the data —
  joined by the `tiles` VIEW the spec reads (the mbutil layout; the spec allows a view).
  `tile_row` is TMS: `2^z - 1 - y` for the XYZ `y` of this API. `tile_data` is the gzip MVT as given.
- `metadata(name, value)`: `name`, `format` = `pbf`, `bounds` (w,s,e,n), `center` (lon,lat,zoom),
  `minzoom`, `maxzoom`, `json` = `{"vector_layers": [...]}`, `attribution`, `description`,
  `type` = `overlay`, `version` = `1`, and **`onemap`**: `PackageMetadata.extra` as a JSON object.
- `package_files(name TEXT PRIMARY KEY, data BLOB NOT NULL)`: the package's file parts.

The work file `<path>.building` IS this database, in WAL mode while building; `finish()` writes the
metadata, drops images no tile uses any more, switches to journal_mode=DELETE and renames it.

The reader opens any vector MBTiles (format `pbf`), also a plain `tiles` table without `package_files`;
metadata rows it lacks get defaults (whole world, zooms of the tiles present).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

from tiles.packages.container import (
    PackageError,
    PackageMetadata,
    check_tile_address,
    check_tile_data,
    corrupted,
    vector_layers_from_json,
    vector_layers_to_json,
)
from tiles.packages.sqlite_writer import SqliteWorkWriter
from tiles.packages.work_db import remove_sqlite_file

#: The row of `metadata` holding `PackageMetadata.extra` (a JSON object).
EXTRA_ROW = "onemap"
#: The table holding the package's file parts.
FILES_TABLE = "package_files"
#: Web Mercator's latitude limit: the default bounds of an MBTiles without a `bounds` row.
_MERCATOR_LAT = 85.0511287798066

_SCHEMA = """
CREATE TABLE IF NOT EXISTS metadata (name TEXT NOT NULL, value TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS metadata_name ON metadata (name);
CREATE TABLE IF NOT EXISTS map (
    zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL, tile_id TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS map_index ON map (zoom_level, tile_column, tile_row);
CREATE TABLE IF NOT EXISTS images (tile_id TEXT NOT NULL, tile_data BLOB NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS images_id ON images (tile_id);
CREATE VIEW IF NOT EXISTS tiles AS
    SELECT map.zoom_level AS zoom_level, map.tile_column AS tile_column, map.tile_row AS tile_row,
           images.tile_data AS tile_data
    FROM map JOIN images ON images.tile_id = map.tile_id;
CREATE TABLE IF NOT EXISTS package_files (name TEXT PRIMARY KEY, data BLOB NOT NULL);
"""


def tms_row(z: int, y: int) -> int:
    """The MBTiles (TMS, bottom-up) row of XYZ row `y`; the same formula turns it back."""
    return (1 << z) - 1 - y


def _number_list(values: tuple[float, ...]) -> str:
    return ",".join(str(v) for v in values)


def metadata_rows(metadata: PackageMetadata) -> list[tuple[str, str]]:
    """The `metadata` table of a package, as (name, value) rows."""
    return [
        ("name", metadata.name),
        ("format", "pbf"),
        ("bounds", _number_list(metadata.bounds)),
        ("center", _number_list(metadata.center)),
        ("minzoom", str(metadata.min_zoom)),
        ("maxzoom", str(metadata.max_zoom)),
        ("json", json.dumps({"vector_layers": vector_layers_to_json(metadata.vector_layers)}, ensure_ascii=False)),
        ("attribution", metadata.attribution),
        ("description", metadata.description),
        ("type", "overlay"),
        ("version", "1"),
        (EXTRA_ROW, json.dumps(dict(metadata.extra), ensure_ascii=False)),
    ]


class MBTilesWriter(SqliteWorkWriter):
    """Builds an MBTiles package in `<path>.building`; `finish()` renames it to `path`."""

    format = "mbtiles"
    files_table = FILES_TABLE

    def __init__(self, path: Path, *, resume: bool = False) -> None:
        super().__init__(path, resume=resume, marker_table=FILES_TABLE, schema=_SCHEMA)

    def _store(self, conn: sqlite3.Connection, z: int, x: int, y: int, data: bytes) -> None:
        check_tile_address(z, x, y)
        check_tile_data(data)
        address = (z, x, tms_row(z, y))
        if not data:
            conn.execute("DELETE FROM map WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?", address)
            return
        tile_id = hashlib.sha256(data).hexdigest()
        conn.execute("INSERT OR IGNORE INTO images (tile_id, tile_data) VALUES (?, ?)", (tile_id, bytes(data)))
        conn.execute("INSERT OR REPLACE INTO map (zoom_level, tile_column, tile_row, tile_id) VALUES (?, ?, ?, ?)",
                     (*address, tile_id))

    def has_tile(self, z: int, x: int, y: int) -> bool:
        check_tile_address(z, x, y)
        row = self._work.one("SELECT 1 FROM map WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                             (z, x, tms_row(z, y)))
        return row is not None

    def finish(self, metadata: PackageMetadata) -> Path:
        with self._work.transaction() as conn:
            conn.execute("DELETE FROM images WHERE tile_id NOT IN (SELECT tile_id FROM map)")
            conn.execute("DELETE FROM metadata")
            conn.executemany("INSERT INTO metadata (name, value) VALUES (?, ?)", metadata_rows(metadata))
        self._work.execute("ANALYZE")
        self._work.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._work.execute("PRAGMA journal_mode=DELETE")
        self._work.close()
        os.replace(self._work.path, self.path)
        remove_sqlite_file(self._work.path)
        return self.path


def check_sqlite_length(path: Path) -> None:
    """`PackageError` when the file is shorter than its own SQLite header says (a truncated copy)."""
    size = path.stat().st_size
    with path.open("rb") as f:
        header = f.read(100)
    if len(header) < 100:
        raise PackageError(f"离线包不完整（文件被截断）/ the package is truncated: {size} bytes")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The page count in the header is valid only when "version-valid-for" equals the change counter.
    if header[24:28] == header[92:96] and size < pages * page_size:
        raise PackageError(f"离线包不完整（文件被截断）/ the package is truncated: "
                           f"{size} bytes, its header says {pages * page_size}")


class MBTilesReader:
    """Reads a finished MBTiles package (or any vector MBTiles)."""

    format = "mbtiles"

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            check_sqlite_length(path)
            self._conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        except OSError as exc:
            raise PackageError(f"离线包无法读取 / the package cannot be read: {path}: {exc}") from exc
        except sqlite3.Error as exc:
            raise corrupted(f"{path}: {exc}") from exc
        try:
            self._has_files = self._check_schema()
            self.metadata = self._read_metadata()
        except sqlite3.Error as exc:
            self._conn.close()
            raise corrupted(f"{path}: {exc}") from exc
        except PackageError:
            self._conn.close()
            raise

    def _check_schema(self) -> bool:
        """Tables an MBTiles needs, then SQLite's own check; True when the package has file parts."""
        names = {row[0] for row in self._conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        try:
            self._conn.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles LIMIT 0")
            self._conn.execute("SELECT name, value FROM metadata LIMIT 0")
        except sqlite3.OperationalError as exc:
            raise PackageError(f"不是 MBTiles 文件 / not an MBTiles file: {self.path} ({exc})") from exc
        problems = [row[0] for row in self._conn.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise corrupted(f"{self.path}: PRAGMA quick_check: {'; '.join(map(str, problems))}")
        return FILES_TABLE in names

    def _read_metadata(self) -> PackageMetadata:
        rows = {str(name): "" if value is None else str(value)
                for name, value in self._conn.execute("SELECT name, value FROM metadata")}
        fmt = rows.get("format", "")
        if fmt != "pbf":
            raise PackageError(f"不是矢量瓦片 MBTiles / not a vector tile MBTiles (format={fmt!r}): {self.path}")
        zooms = self._conn.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
        min_zoom = _int_row(rows, "minzoom", zooms[0] if zooms[0] is not None else 0)
        max_zoom = _int_row(rows, "maxzoom", zooms[1] if zooms[1] is not None else min_zoom)
        bounds = _floats_row(rows, "bounds", 4, (-180.0, -_MERCATOR_LAT, 180.0, _MERCATOR_LAT))
        lon, lat, *zoom = _floats_row(rows, "center", 3, ((bounds[0] + bounds[2]) / 2,
                                                          (bounds[1] + bounds[3]) / 2, min_zoom))
        tilejson = _json_row(rows, "json", {})
        extra = _json_row(rows, EXTRA_ROW, {})
        if not isinstance(tilejson, dict) or not isinstance(extra, dict):
            raise corrupted(f"{self.path}: metadata rows 'json' and '{EXTRA_ROW}' must be JSON objects")
        return PackageMetadata(
            name=rows.get("name") or self.path.stem, description=rows.get("description", ""),
            bounds=(bounds[0], bounds[1], bounds[2], bounds[3]), center=(lon, lat, int(zoom[0])),
            min_zoom=min_zoom, max_zoom=max_zoom,
            vector_layers=vector_layers_from_json(tilejson.get("vector_layers", [])),
            attribution=rows.get("attribution", ""), extra=extra)

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise corrupted(f"{self.path}: {exc}") from exc

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        check_tile_address(z, x, y)
        rows = self._query("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                           (z, x, tms_row(z, y)))
        return bytes(rows[0][0]) if rows and rows[0][0] else None

    def tiles(self) -> Iterator[tuple[int, int, int, bytes]]:
        try:
            cursor = self._conn.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles")
            for z, x, row, data in cursor:
                if data:
                    yield z, x, tms_row(z, row), bytes(data)
        except sqlite3.Error as exc:
            raise corrupted(f"{self.path}: {exc}") from exc

    def tile_count(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM tiles WHERE length(tile_data) > 0")[0][0])

    def file(self, name: str) -> bytes | None:
        if not self._has_files:
            return None
        rows = self._query(f"SELECT data FROM {FILES_TABLE} WHERE name = ?", (name,))
        return bytes(rows[0][0]) if rows else None

    def files(self) -> list[str]:
        if not self._has_files:
            return []
        return [str(row[0]) for row in self._query(f"SELECT name FROM {FILES_TABLE} ORDER BY name")]

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _int_row(rows: dict[str, str], name: str, default: int) -> int:
    if not rows.get(name):
        return int(default)
    try:
        return int(float(rows[name]))
    except ValueError:
        raise corrupted(f"metadata {name}={rows[name]!r} is not a number") from None


def _floats_row(rows: dict[str, str], name: str, count: int, default: tuple[float, ...]) -> tuple[float, ...]:
    if not rows.get(name):
        return default
    try:
        values = tuple(float(part) for part in rows[name].split(","))
    except ValueError:
        values = ()
    if len(values) != count:
        raise corrupted(f"metadata {name}={rows[name]!r} is not {count} comma-separated numbers")
    return values


def _json_row(rows: dict[str, str], name: str, default: Any) -> Any:
    if not rows.get(name):
        return default
    try:
        return json.loads(rows[name])
    except ValueError:
        raise corrupted(f"metadata {name} is not JSON") from None
