"""The resumable state of one package build: `<out>.work`, a SQLite file next to the output.

It holds the job's description (what is being built, from which data versions), the chunks already
rendered and their tiles. Each chunk is written in one transaction with its tiles, so an interrupted
build (Ctrl-C, a crash, a lost machine) loses at most the chunks in progress, and running the same
command again renders only what is missing. A work file whose description differs (other layers,
zooms, area, or data edited since) is discarded: a package never mixes tiles of two data versions.
When the build is done the package is written from here in tile order and the work file removed.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

Tile = tuple[int, int, int, bytes]


def tile_line(z: int, x: int, y: int, data: bytes) -> bytes:
    return f"{z}/{x}/{y}:{hashlib.sha256(data).hexdigest()}\n".encode()


def tiles_digest(tiles: Iterable[Tile]) -> str:
    """sha256 over the sorted lines `z/x/y:sha256(tile)\\n` — the manifest's hash of the tiles (any order in)."""
    digest = hashlib.sha256()
    for line in sorted(tile_line(*tile) for tile in tiles):
        digest.update(line)
    return digest.hexdigest()


class WorkFile:
    def __init__(self, path: Path, description: str) -> None:
        self.path = path
        self.resumed = False
        self._conn = self._open(description)

    def _open(self, description: str) -> sqlite3.Connection:
        if self.path.exists():
            try:
                conn = sqlite3.connect(self.path, isolation_level=None)
                row = conn.execute("SELECT description FROM job").fetchone()
                if row is not None and row[0] == description:
                    self.resumed = True
                    return conn
                conn.close()
            except sqlite3.DatabaseError:
                pass
            self._unlink()
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE job (description TEXT NOT NULL)")
        conn.execute("CREATE TABLE done (chunk TEXT PRIMARY KEY, tiles INTEGER NOT NULL) WITHOUT ROWID")
        conn.execute("CREATE TABLE tiles (z INTEGER, x INTEGER, y INTEGER, data BLOB NOT NULL, "
                     "PRIMARY KEY (z, x, y)) WITHOUT ROWID")
        conn.execute("INSERT INTO job VALUES (?)", (description,))
        return conn

    def done(self) -> set[str]:
        return {row[0] for row in self._conn.execute("SELECT chunk FROM done")}

    def add_chunk(self, chunk_id: str, planned: int, tiles: list[Tile]) -> None:
        """A finished chunk and its non-empty tiles, in one transaction."""
        with self._conn:
            self._conn.execute("BEGIN")
            self._conn.executemany("INSERT OR REPLACE INTO tiles VALUES (?, ?, ?, ?)", tiles)
            self._conn.execute("INSERT OR REPLACE INTO done VALUES (?, ?)", (chunk_id, planned))

    def tiles(self) -> Iterator[Tile]:
        yield from self._conn.execute("SELECT z, x, y, data FROM tiles ORDER BY z, x, y")

    def tile_count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM tiles").fetchone()[0])

    def tile_bytes(self) -> int:
        return int(self._conn.execute("SELECT coalesce(sum(length(data)), 0) FROM tiles").fetchone()[0])

    def close(self) -> None:
        self._conn.close()

    def _unlink(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def remove(self) -> None:
        self.close()
        self._unlink()


__all__ = ["Tile", "WorkFile", "tile_line", "tiles_digest"]
