"""Knowing cheaply that a write has committed: LISTEN/NOTIFY plus an in-process write counter.

The `onemap_layers` trigger (migration 0002) sends `NOTIFY onemap_data` whenever a layer's data
version moves or a layer comes or goes, from whichever process writes (server workers, the CLI,
imports). A `NotifyWatch` keeps one dedicated connection LISTENing; `changed()` drains what has
arrived on its socket without blocking (one non-blocking `recv`, no round trip) and also compares
the store's `WriteCounter`, which every write through this process's store bumps once it has
ended, so a write made in this process is seen by the very next request even before its
notification arrives. On any connection trouble the watch answers "changed" and reconnects.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import sqlalchemy as sa

from layers.stores.base import ChangeWatch

CHANNEL = "onemap_data"
#: Seconds between attempts to re-establish a lost listening connection (meanwhile: always "changed").
RETRY_SECONDS = 1.0


class WriteCounter:
    """How many writes this process's store has finished (successfully or not)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def bump(self) -> None:
        with self._lock:
            self.value += 1

    @contextmanager
    def counting(self) -> Iterator[None]:
        try:
            yield
        finally:
            self.bump()


def libpq_dsn(url: str) -> str:
    """A SQLAlchemy `postgresql+psycopg://` URL as a plain libpq connection string."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class NotifyWatch(ChangeWatch):
    def __init__(self, url: str, counter: WriteCounter) -> None:
        self._dsn = libpq_dsn(url)
        self._counter = counter
        self._seen = -1
        self._conn: psycopg.Connection | None = None
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def changed(self) -> bool:
        with self._lock:
            local = self._counter.value
            changed = local != self._seen
            self._seen = local
            if self._conn is None:
                self._listen()
                return True  # whatever committed before LISTEN took effect went unheard
            try:
                pgconn = self._conn.pgconn
                pgconn.consume_input()
                while pgconn.notifies() is not None:
                    changed = True
            except (psycopg.Error, OSError):
                self._drop()
                return True
            return changed

    def _listen(self) -> None:
        now = time.monotonic()
        if now < self._retry_at:
            return
        try:
            conn = psycopg.connect(self._dsn, autocommit=True, application_name="onemap-watch", connect_timeout=5)
            conn.execute(f"LISTEN {CHANNEL}")
        except (psycopg.Error, OSError):
            self._retry_at = now + RETRY_SECONDS  # until then every call says "changed"
            return
        self._conn = conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except (psycopg.Error, OSError):
                pass

    def close(self) -> None:
        with self._lock:
            self._drop()

    def __del__(self) -> None:
        conn = getattr(self, "_conn", None)
        if conn is not None:
            try:
                conn.close()
            except Exception:  # interpreter shutdown: nothing more to do
                pass
