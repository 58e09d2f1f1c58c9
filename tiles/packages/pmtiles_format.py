"""PMTiles v3 packages (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md): writer and reader.

Encoding and decoding are the PyPI `pmtiles` package's (protomaps): its `Writer` dedups identical tiles
(by hash of the data) into one blob with run-lengths, and its `Reader` finds tiles. This module adds the
resumable build and the checks a field device needs before trusting a file.

A OneMap PMTiles package: tile_type MVT, tile_compression GZIP (tiles are the server's gzip MVT as
given), internal_compression GZIP, clustered (tiles written in tile-id order). Header: bounds and center
as e7 integers (so they read back rounded to 1e-7°), min/max zoom of the tiles present (the `pmtiles`
writer computes them). Metadata JSON: `name`, `description`, `attribution`, `vector_layers`,
`minzoom`/`maxzoom` (the package's declared zooms), `onemap` (= `PackageMetadata.extra`) and
`onemap:files` ({part name: base64 of its bytes}).

Building: tiles and parts go into a SQLite scratch database, the work file `<path>.building`, keyed by
PMTiles tile id; `finish()` streams them in tile-id order into `<path>.writing` and renames that to
`path`, then deletes the work file.

Reading: the file is memory-mapped; opening checks the magic, version 3, tile type and compressions,
that the file is as long as header + directories + metadata + tile data say (a truncated copy fails
here), that the metadata and root directory decode and that root entries point inside their sections.
Leaf directories are decoded when a tile needs them; any failure is a `PackageError`. PMTiles has no
checksums: bytes changed inside a tile's data are not detected here (the gzip CRC catches them when
the tile is decompressed).
"""

from __future__ import annotations

import base64
import gzip
import json
import mmap
import os
import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Self

from pmtiles.reader import MemorySource, Reader, all_tiles
from pmtiles.tile import (
    Compression,
    Entry,
    MagicNumberNotFound,
    SpecVersionUnsupported,
    TileType,
    deserialize_directory,
    deserialize_header,
    serialize_directory,
    serialize_header,
    zxy_to_tileid,
)
from pmtiles.writer import Writer

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

HEADER_LENGTH = 127
#: Metadata key holding `PackageMetadata.extra`.
EXTRA_KEY = "onemap"
#: Metadata key holding the file parts: {name: base64}.
FILES_KEY = "onemap:files"
_TILES_TABLE = "pmtiles_work_tiles"
_FILES_TABLE = "pmtiles_work_files"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {_TILES_TABLE} (tile_id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS {_FILES_TABLE} (name TEXT PRIMARY KEY, data BLOB NOT NULL);
"""
#: What a broken file makes the `pmtiles` decoder raise.
_BROKEN = (EOFError, OSError, ValueError, KeyError, IndexError, TypeError, OverflowError, RecursionError,
           zlib.error, MagicNumberNotFound, SpecVersionUnsupported)


def _e7(value: float) -> int:
    return round(value * 10_000_000)


def metadata_document(metadata: PackageMetadata, files: dict[str, bytes]) -> dict[str, Any]:
    """The PMTiles metadata JSON of a package."""
    return {
        "name": metadata.name,
        "description": metadata.description,
        "attribution": metadata.attribution,
        "vector_layers": vector_layers_to_json(metadata.vector_layers),
        "minzoom": metadata.min_zoom,
        "maxzoom": metadata.max_zoom,
        EXTRA_KEY: dict(metadata.extra),
        FILES_KEY: {name: base64.b64encode(data).decode("ascii") for name, data in files.items()},
    }


def header_fields(metadata: PackageMetadata) -> dict[str, Any]:
    """The header fields the package sets; the `pmtiles` writer fills in offsets, counts and zooms."""
    west, south, east, north = metadata.bounds
    lon, lat, zoom = metadata.center
    return {
        "tile_type": TileType.MVT, "tile_compression": Compression.GZIP,
        "min_zoom": metadata.min_zoom, "max_zoom": metadata.max_zoom,
        "min_lon_e7": _e7(west), "min_lat_e7": _e7(south), "max_lon_e7": _e7(east), "max_lat_e7": _e7(north),
        "center_zoom": int(zoom), "center_lon_e7": _e7(lon), "center_lat_e7": _e7(lat),
    }


def _write_empty(f: IO[bytes], header: dict[str, Any], document: dict[str, Any]) -> None:
    """A valid archive without tiles (the `pmtiles` writer needs at least one), from its serializers."""
    root = serialize_directory([])
    meta = gzip.compress(json.dumps(document).encode(), mtime=0)
    end = HEADER_LENGTH + len(root) + len(meta)
    header.update(root_offset=HEADER_LENGTH, root_length=len(root), metadata_offset=HEADER_LENGTH + len(root),
                  metadata_length=len(meta), leaf_directory_offset=end, leaf_directory_length=0,
                  tile_data_offset=end, tile_data_length=0, addressed_tiles_count=0, tile_entries_count=0,
                  tile_contents_count=0, clustered=True, internal_compression=Compression.GZIP)
    f.write(serialize_header(header))
    f.write(root)
    f.write(meta)


class PMTilesWriter(SqliteWorkWriter):
    """Builds a PMTiles package: a SQLite scratch work file, turned into the archive by `finish()`."""

    format = "pmtiles"
    files_table = _FILES_TABLE

    def __init__(self, path: Path, *, resume: bool = False) -> None:
        super().__init__(path, resume=resume, marker_table=_TILES_TABLE, schema=_SCHEMA)
        self._partial = path.with_name(path.name + ".writing")

    def _store(self, conn: sqlite3.Connection, z: int, x: int, y: int, data: bytes) -> None:
        check_tile_address(z, x, y)
        check_tile_data(data)
        tile_id = zxy_to_tileid(z, x, y)
        if data:
            conn.execute(f"INSERT OR REPLACE INTO {_TILES_TABLE} (tile_id, data) VALUES (?, ?)", (tile_id, bytes(data)))
        else:
            conn.execute(f"DELETE FROM {_TILES_TABLE} WHERE tile_id = ?", (tile_id,))

    def has_tile(self, z: int, x: int, y: int) -> bool:
        check_tile_address(z, x, y)
        return self._work.one(f"SELECT 1 FROM {_TILES_TABLE} WHERE tile_id = ?", (zxy_to_tileid(z, x, y),)) is not None

    def finish(self, metadata: PackageMetadata) -> Path:
        files = {str(name): bytes(data) for name, data in self._work.rows(
            f"SELECT name, data FROM {_FILES_TABLE} ORDER BY name")}
        document = metadata_document(metadata, files)
        header = header_fields(metadata)
        try:
            with self._partial.open("wb") as f:
                self._write(f, header, document)
                f.flush()
                os.fsync(f.fileno())
            os.replace(self._partial, self.path)
        except BaseException:
            self._partial.unlink(missing_ok=True)
            raise
        self._work.discard()
        return self.path

    def _write(self, f: IO[bytes], header: dict[str, Any], document: dict[str, Any]) -> None:
        count = self._work.one(f"SELECT COUNT(*) FROM {_TILES_TABLE}")
        if not count or not count[0]:
            _write_empty(f, header, document)
            return
        writer = Writer(f)
        for tile_id, data in self._work.rows(f"SELECT tile_id, data FROM {_TILES_TABLE} ORDER BY tile_id"):
            writer.write_tile(tile_id, bytes(data))
        writer.finalize(header, document)

    def abort(self) -> None:
        self._work.discard()
        self._partial.unlink(missing_ok=True)


class PMTilesReader:
    """Reads a PMTiles package through the `pmtiles` reader over a memory map of the file."""

    format = "pmtiles"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        self._map: mmap.mmap | None = None
        try:
            self._file = path.open("rb")
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            self.close()
            raise PackageError(f"离线包无法读取 / the package cannot be read: {path}: {exc}") from exc
        try:
            self._source = MemorySource(self._map)
            self._reader = Reader(self._source)
            self._header = self._check_header()
            self._check_entries(deserialize_directory(self._section("root")))
            document = self._reader.metadata()
            self.metadata, self._files = self._read_metadata(document)
        except PackageError:
            self.close()
            raise
        except _BROKEN as exc:
            self.close()
            raise corrupted(f"{path}: {type(exc).__name__} {exc}") from exc

    def _section(self, name: str) -> bytes:
        offset = self._header[f"{name}_offset"]  # type: ignore[literal-required]
        return self._source(offset, self._header[f"{name}_length"])  # type: ignore[literal-required]

    def _check_header(self) -> Any:
        size = len(self._map or b"")
        if size < HEADER_LENGTH:
            raise PackageError(f"离线包不完整（文件被截断）/ the package is truncated: {size} bytes")
        try:
            header = deserialize_header(self._source(0, HEADER_LENGTH))
        except SpecVersionUnsupported:
            raise PackageError(f"不支持的 PMTiles 版本 / unsupported PMTiles version "
                               f"{self._source(7, 1)[0]} (need 3): {self.path}") from None
        sections = ("root", "metadata", "leaf_directory", "tile_data")
        needed = max(header[f"{s}_offset"] + header[f"{s}_length"] for s in sections)  # type: ignore[literal-required]
        if needed > size:
            raise PackageError(f"离线包不完整（文件被截断）/ the package is truncated: "
                               f"{size} bytes, its header says {needed}")
        for s in sections:
            if header[f"{s}_length"] and header[f"{s}_offset"] < HEADER_LENGTH:  # type: ignore[literal-required]
                raise corrupted(f"{self.path}: header: {s} overlaps the header")
        if header["root_length"] == 0:
            raise corrupted(f"{self.path}: header: no root directory")
        if header["tile_type"] != TileType.MVT or header["tile_compression"] != Compression.GZIP:
            raise PackageError(f"不是 gzip 矢量瓦片 PMTiles / not a gzip MVT PMTiles "
                               f"({header['tile_type'].name}, {header['tile_compression'].name}): {self.path}")
        if header["internal_compression"] != Compression.GZIP:
            raise PackageError(f"不支持的 PMTiles 目录压缩 / unsupported PMTiles directory compression "
                               f"{header['internal_compression'].name}: {self.path}")
        return header

    def _check_entries(self, entries: list[Entry]) -> None:
        """Directory entries ascend and point inside the leaf directories or the tile data."""
        last = -1
        for entry in entries:
            if entry.tile_id <= last:
                raise corrupted(f"{self.path}: directory: tile ids out of order at {entry.tile_id}")
            section = "leaf_directory" if entry.run_length == 0 else "tile_data"
            if entry.offset + entry.length > self._header[f"{section}_length"] or entry.length == 0:
                raise corrupted(f"{self.path}: directory: entry {entry} points outside the {section}")
            last = entry.tile_id

    def _read_metadata(self, document: Any) -> tuple[PackageMetadata, dict[str, str]]:
        if not isinstance(document, dict):
            raise corrupted(f"{self.path}: metadata is not a JSON object")
        extra = document.get(EXTRA_KEY, {})
        files = document.get(FILES_KEY, {})
        if not isinstance(extra, dict) or not isinstance(files, dict):
            raise corrupted(f"{self.path}: metadata {EXTRA_KEY!r} and {FILES_KEY!r} must be JSON objects")
        h = self._header
        metadata = PackageMetadata(
            name=str(document.get("name") or self.path.stem), description=str(document.get("description", "")),
            bounds=(h["min_lon_e7"] / 1e7, h["min_lat_e7"] / 1e7, h["max_lon_e7"] / 1e7, h["max_lat_e7"] / 1e7),
            center=(h["center_lon_e7"] / 1e7, h["center_lat_e7"] / 1e7, h["center_zoom"]),
            min_zoom=int(document.get("minzoom", h["min_zoom"])), max_zoom=int(document.get("maxzoom", h["max_zoom"])),
            vector_layers=vector_layers_from_json(document.get("vector_layers", [])),
            attribution=str(document.get("attribution", "")), extra=extra)
        return metadata, {str(name): str(data) for name, data in files.items()}

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        check_tile_address(z, x, y)
        try:
            data = self._reader.get(z, x, y)
        except _BROKEN as exc:
            raise corrupted(f"{self.path}: tile {z}/{x}/{y}: {type(exc).__name__} {exc}") from exc
        return bytes(data) if data else None

    def tiles(self) -> Iterator[tuple[int, int, int, bytes]]:
        try:
            for (z, x, y), data in all_tiles(self._source):
                if data:
                    yield z, x, y, bytes(data)
        except _BROKEN as exc:
            raise corrupted(f"{self.path}: {type(exc).__name__} {exc}") from exc

    def tile_count(self) -> int:
        counted = int(self._header["addressed_tiles_count"])
        return counted if counted else sum(1 for _ in self.tiles())

    def file(self, name: str) -> bytes | None:
        encoded = self._files.get(name)
        if encoded is None:
            return None
        try:
            return base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise corrupted(f"{self.path}: file part {name!r} is not base64") from exc

    def files(self) -> list[str]:
        return sorted(self._files)

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
