"""The SQLite work database a package is built in (`<package>.building`): open, resume, commit, remove.

Both writers build in SQLite: the MBTiles writer in the MBTiles database itself, the PMTiles writer in a
scratch database that `finish()` turns into the PMTiles file. The work file runs in WAL mode with
`synchronous=NORMAL` and every write is its own transaction, so a build killed at any point keeps every
tile `put_tile` returned for, at the price of one cheap commit per tile. Writers may be called from
several threads; a lock serialises transactions.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tiles.packages.container import work_path

log = logging.getLogger(__name__)

_SIDECARS = ("-wal", "-shm", "-journal")


def remove_sqlite_file(path: Path) -> None:
    """Delete a SQLite database file and its journal/WAL side files, if there."""
    for suffix in ("", *_SIDECARS):
        Path(str(path) + suffix).unlink(missing_ok=True)


class WorkFile:
    """An open work file: `marker_table` says which writer made it, `schema` creates its tables."""

    def __init__(self, final: Path, *, resume: bool, marker_table: str, schema: str) -> None:
        self.final = final
        self.path = work_path(final)
        self._lock = threading.Lock()
        self.closed = False
        self.resumed = False
        if resume and self.path.exists():
            self.conn = self._reopen(marker_table)
            self.resumed = self.conn is not None
        else:
            self.conn = None
        if self.conn is None:
            remove_sqlite_file(self.path)
            self.conn = self._connect()
        self.conn.executescript(schema)

    def _connect(self) -> sqlite3.Connection:
        self.final.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _reopen(self, marker_table: str) -> sqlite3.Connection | None:
        """The existing work file if it is one of this writer's, else None (it will be replaced)."""
        conn: sqlite3.Connection | None = None
        try:
            conn = self._connect()
            found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                 (marker_table,)).fetchone()
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            log.warning("work file %s is unreadable (%s); starting a fresh build", self.path, exc)
            return None
        if found:
            return conn
        conn.close()
        log.warning("work file %s belongs to another format; starting a fresh build", self.path)
        return None

    def _require_open(self) -> sqlite3.Connection:
        if self.closed or self.conn is None:
            raise RuntimeError("离线包写入器已关闭 / the package writer is closed")
        return self.conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed write: everything inside lands together or not at all."""
        with self._lock:
            conn = self._require_open()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a read-only query."""
        with self._lock:
            return self._require_open().execute(sql, params).fetchone()

    def execute(self, sql: str) -> None:
        """A statement outside any transaction (PRAGMA, ANALYZE)."""
        with self._lock:
            self._require_open().execute(sql).fetchall()

    def rows(self, sql: str, batch: int = 500) -> Iterator[tuple[Any, ...]]:
        """Every row of a query, fetched in batches; the lock is never held while the caller works."""
        with self._lock:
            cursor = self._require_open().execute(sql)
        while True:
            with self._lock:
                rows = cursor.fetchmany(batch)
            if not rows:
                return
            yield from rows

    def close(self) -> None:
        """Close the connection and keep the work file (a later `resume=True` picks it up)."""
        with self._lock:
            if self.conn is not None and not self.closed:
                self.conn.close()
            self.closed = True

    def discard(self) -> None:
        """Close and delete the work file."""
        self.close()
        remove_sqlite_file(self.path)
