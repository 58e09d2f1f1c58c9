"""The SQLAlchemy engine on a GeoPackage file, and its read and write transactions.

Every connection: WAL journal (readers never wait for the writer), foreign keys on, a busy
timeout (writers from several worker processes queue instead of failing), and the SQL
functions of `functions.py`. Python's sqlite3 is put in manual transaction mode and each
transaction is opened explicitly: ``BEGIN`` for reads (one consistent snapshot for count and
page), ``BEGIN IMMEDIATE`` for writes (the write lock is taken up front, so a writer never
fails half-way while upgrading a read lock).

May import: sqlalchemy, layers.errors, this package's functions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from layers.errors import StoreUnavailable
from layers.stores.geopackage import functions

BUSY_TIMEOUT_SECONDS = 30.0
_WRITE = "onemap_write"


def create_engine(path: Path) -> sa.Engine:
    engine = sa.create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        pool_size=8,
        max_overflow=8,
        pool_pre_ping=False,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun explicitly below
        functions.register(dbapi_connection)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA cache_size = -32768")  # 32 MiB: R-tree inserts of bulk loads stay in memory
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


@contextmanager
def _unavailable_on_lock() -> Iterator[None]:
    try:
        yield
    except sa.exc.OperationalError as exc:
        text = str(exc.orig).lower()
        if "locked" in text or "busy" in text or "unable to open" in text or "disk i/o" in text:
            raise StoreUnavailable(
                f"GeoPackage 数据库暂时不可用 / GeoPackage database unavailable: {exc.orig}") from exc
        raise


@contextmanager
def reading(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A read transaction: one snapshot of the database for everything done inside."""
    with _unavailable_on_lock(), engine.connect() as conn, conn.begin():
        yield conn


@contextmanager
def writing(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A write transaction (BEGIN IMMEDIATE): commits on success, rolls back on any exception."""
    with _unavailable_on_lock(), engine.connect().execution_options(**{_WRITE: True}) as conn, conn.begin():
        yield conn
