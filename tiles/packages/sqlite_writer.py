"""What both package writers share: a SQLite work file (`work_db.WorkFile`) that tiles and file parts
are put into — one tile per transaction with `put_tile`, in batches with `put_tiles` — and left in
place by `close()` so that `create_package(..., resume=True)` carries on. Subclasses say how a tile is
stored (`_store`), how one is found (`has_tile`) and how the finished file is made (`finish`).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Self

from tiles.packages.container import PackageMetadata, check_file_name
from tiles.packages.work_db import WorkFile


class SqliteWorkWriter:
    format: str
    #: The work file's table of file parts (name, data).
    files_table: str

    def __init__(self, path: Path, *, resume: bool, marker_table: str, schema: str) -> None:
        self.path = path
        self._work = WorkFile(path, resume=resume, marker_table=marker_table, schema=schema)

    @property
    def resumed(self) -> bool:
        """True when this writer picked up an existing work file."""
        return self._work.resumed

    def put_tile(self, z: int, x: int, y: int, data: bytes) -> None:
        with self._work.transaction() as conn:
            self._store(conn, z, x, y, data)

    def put_tiles(self, tiles: Iterable[tuple[int, int, int, bytes]], *, batch: int = 1000) -> int:
        """Many tiles, committed `batch` at a time (much faster than `put_tile` each); returns how many."""
        count = 0
        for chunk in itertools.batched(tiles, batch):
            with self._work.transaction() as conn:
                for z, x, y, data in chunk:
                    self._store(conn, z, x, y, data)
            count += len(chunk)
        return count

    def put_file(self, name: str, data: bytes) -> None:
        check_file_name(name)
        with self._work.transaction() as conn:
            conn.execute(f"INSERT OR REPLACE INTO {self.files_table} (name, data) VALUES (?, ?)", (name, bytes(data)))

    def _store(self, conn: sqlite3.Connection, z: int, x: int, y: int, data: bytes) -> None:
        raise NotImplementedError

    def has_tile(self, z: int, x: int, y: int) -> bool:
        raise NotImplementedError

    def finish(self, metadata: PackageMetadata) -> Path:
        raise NotImplementedError

    def abort(self) -> None:
        self._work.discard()

    def close(self) -> None:
        """Stop without finishing; the work file stays for `create_package(..., resume=True)`."""
        self._work.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["SqliteWorkWriter"]
