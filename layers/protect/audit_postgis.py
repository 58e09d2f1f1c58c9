"""The audit trail's persistence on PostGIS: `onemap_audit` (created by the Alembic migration
`0004_audit_trail`, where triggers refuse UPDATE, DELETE and TRUNCATE).

Appends are serialised by a transaction-level advisory lock: the last (seq, hash) is read and the new
row inserted while holding it, so concurrent writers (threads, worker processes) extend one chain.
`detail` is a `json` column (kept verbatim, unlike `jsonb`), read back as text, so what is hashed is
exactly what was written.
May import: sqlalchemy, psycopg, layers.errors, layers.stores.postgis, this package.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg.errors
import sqlalchemy as sa

from layers.errors import StoreUnavailable
from layers.protect.audit_chain import GENESIS, AuditRecord, canonical_json, record_filter
from layers.protect.errors import AuditError
from layers.stores.postgis.support import translate

#: pg_advisory_xact_lock key serialising appends ("onemap" + 03; 01/02 are the store's own locks).
AUDIT_LOCK = 0x6F6E656D6170_03

Builder = Callable[[int, str], AuditRecord]

_SELECT = "SELECT seq, at, actor, action, target, detail::text AS detail, prev_hash, hash FROM onemap_audit"
_INSERT = sa.text("INSERT INTO onemap_audit (seq, at, actor, action, target, detail, prev_hash, hash) "
                  "VALUES (:seq, :at, :actor, :action, :target, CAST(:detail AS json), :prev_hash, :hash)")


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except sa.exc.DBAPIError as exc:
        if isinstance(exc.orig, psycopg.errors.UndefinedTable):
            raise StoreUnavailable("审计表不存在，请先初始化数据库 / the audit table onemap_audit is missing: "
                                   "initialize the store (migrations) first") from exc
        error = translate(exc, None, writing=False)
        if isinstance(error, StoreUnavailable):
            raise error from exc
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        raise AuditError(f"审计记录数据库错误 / audit trail database error: {detail}") from exc


def append_in(conn: sa.Connection, build: Builder) -> AuditRecord:
    """Append inside the caller's transaction (the lock is held until it ends)."""
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK})
    last = conn.execute(sa.text("SELECT seq, hash FROM onemap_audit ORDER BY seq DESC LIMIT 1")).first()
    record = build(0, GENESIS) if last is None else build(int(last[0]), str(last[1]))
    conn.execute(_INSERT, {**record.payload(), "at": record.at, "detail": canonical_json(record.detail),
                           "hash": record.hash})
    return record


def _record(row: Any) -> AuditRecord:
    return AuditRecord(seq=int(row.seq), at=row.at.astimezone(UTC), actor=row.actor, action=row.action,
                       target=row.target, detail=json.loads(row.detail), prev_hash=row.prev_hash, hash=row.hash)


class PostgisAuditBackend:
    def __init__(self, store: Any) -> None:
        self.engine: sa.Engine = store.engine
        self.read_engine: sa.Engine = getattr(store, "read_engine", store.engine)

    def append(self, build: Builder) -> AuditRecord:
        with _translated(), self.engine.begin() as conn:
            return append_in(conn, build)

    def append_in(self, conn: sa.Connection, build: Builder) -> AuditRecord:
        with _translated():
            return append_in(conn, build)

    def select(self, *, after_seq: int | None = None, since: datetime | None = None, limit: int | None = None,
               newest: bool = False) -> list[AuditRecord]:
        tail, params = record_filter(after_seq=after_seq, since=since, limit=limit, newest=newest)
        sql = _SELECT + tail
        with _translated(), self.read_engine.connect() as conn:
            rows = [_record(row) for row in conn.execute(sa.text(sql), params)]
        return rows[::-1] if newest else rows

    def count(self) -> int:
        with _translated(), self.read_engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM onemap_audit")).scalar_one())
