"""The progress journal of a seed job: which chunks of tiles are done, in a small SQLite file.

One file per job, named by a hash of the job's parameters (database namespace, layer sets with
their definition fingerprints, tile matrix set, zooms, bbox, chunk size), so running the same
command again resumes it and any other command starts its own. Each finished chunk is committed
at once: an interrupted run loses at most the chunks in progress, whose tiles are found in the
cache on the next run anyway.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path


class Journal:
    def __init__(self, path: Path, description: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS job (description TEXT NOT NULL)")
        self._conn.execute("CREATE TABLE IF NOT EXISTS done (chunk TEXT PRIMARY KEY, tiles INTEGER NOT NULL) "
                           "WITHOUT ROWID")
        if self._conn.execute("SELECT count(*) FROM job").fetchone()[0] == 0:
            self._conn.execute("INSERT INTO job VALUES (?)", (description,))

    def done(self) -> set[str]:
        return {row[0] for row in self._conn.execute("SELECT chunk FROM done")}

    def mark(self, chunks: Iterable[tuple[str, int]]) -> None:
        self._conn.executemany("INSERT OR REPLACE INTO done VALUES (?, ?)", list(chunks))

    def close(self) -> None:
        self._conn.close()


def journal_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.sqlite")) if directory.is_dir() else []
