"""Knowing cheaply that a write has committed to the GeoPackage: SQLite's `PRAGMA data_version`.

The pragma's value, read on one dedicated connection, changes whenever any other connection (in
this process or another) has committed to the file since the previous read; in WAL mode reading
it touches only the shared-memory index, no disk page, so it costs a few microseconds.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from layers.stores.base import ChangeWatch


class DataVersionWatch(ChangeWatch):
    def __init__(self, path: Path) -> None:
        self._path = path
        self._conn: sqlite3.Connection | None = None
        self._cursor: sqlite3.Cursor | None = None
        self._seen: int | None = None
        self._lock = threading.Lock()

    def changed(self) -> bool:
        with self._lock:
            try:
                if self._cursor is None:
                    self._conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
                    self._cursor = self._conn.cursor()
                value = self._cursor.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error:
                self._drop()
                return True
            changed = value != self._seen
            self._seen = value
            return changed

    def _drop(self) -> None:
        conn, self._conn, self._cursor, self._seen = self._conn, None, None, None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._drop()
