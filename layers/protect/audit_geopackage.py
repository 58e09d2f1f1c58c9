"""The audit trail's persistence in the GeoPackage: `onemap_audit` (created with the platform tables by
`layers.stores.geopackage.audit_schema`; triggers refuse UPDATE and DELETE).

Appends run in a `BEGIN IMMEDIATE` transaction, which takes the file's write lock before the last
(seq, hash) is read, so writers in other threads and processes queue and extend one chain. `at` is
stored as its canonical UTC text and `detail` as its canonical JSON text.
May import: sqlalchemy, layers.errors, layers.stores.geopackage, this package.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from layers.errors import StoreUnavailable
from layers.protect.audit_chain import GENESIS, AuditRecord, canonical_json, format_at, parse_at, record_filter
from layers.protect.errors import AuditError
from layers.stores.geopackage.engine import reading, writing

Builder = Callable[[int, str], AuditRecord]

_SELECT = "SELECT seq, at, actor, action, target, detail, prev_hash, hash FROM onemap_audit"
_INSERT = sa.text("INSERT INTO onemap_audit (seq, at, actor, action, target, detail, prev_hash, hash) "
                  "VALUES (:seq, :at, :actor, :action, :target, :detail, :prev_hash, :hash)")


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except sa.exc.OperationalError as exc:
        if "no such table" in str(exc.orig).lower():
            raise StoreUnavailable("审计表不存在，请先初始化数据库 / the audit table onemap_audit is missing: "
                                   "initialize the store first") from exc
        raise
    except sa.exc.DatabaseError as exc:
        raise AuditError(f"审计记录数据库错误 / audit trail database error: {exc.orig}") from exc


def append_in(conn: sa.Connection, build: Builder) -> AuditRecord:
    """Append inside the caller's write (BEGIN IMMEDIATE) transaction."""
    last = conn.exec_driver_sql("SELECT seq, hash FROM onemap_audit ORDER BY seq DESC LIMIT 1").first()
    record = build(0, GENESIS) if last is None else build(int(last[0]), str(last[1]))
    conn.execute(_INSERT, {**record.payload(), "at": format_at(record.at), "detail": canonical_json(record.detail),
                           "hash": record.hash})
    return record


def _record(row: Any) -> AuditRecord:
    try:
        at, detail = parse_at(row.at), json.loads(row.detail)
    except (TypeError, ValueError):
        # A value no append writes: keep the row visible to verification as altered, not unreadable.
        at, detail = datetime(1970, 1, 1, tzinfo=UTC), {"_unreadable": [str(row.at), str(row.detail)]}
    return AuditRecord(seq=int(row.seq), at=at, actor=row.actor, action=row.action, target=row.target,
                       detail=detail, prev_hash=row.prev_hash, hash=row.hash)


class GeoPackageAuditBackend:
    def __init__(self, store: Any) -> None:
        self.store = store

    def append(self, build: Builder) -> AuditRecord:
        with _translated(), writing(self.store.engine) as conn:
            return append_in(conn, build)

    def append_in(self, conn: sa.Connection, build: Builder) -> AuditRecord:
        with _translated():
            return append_in(conn, build)

    def select(self, *, after_seq: int | None = None, since: datetime | None = None, limit: int | None = None,
               newest: bool = False) -> list[AuditRecord]:
        bound = format_at(since) if since is not None else None
        tail, params = record_filter(after_seq=after_seq, since=bound, limit=limit, newest=newest)
        sql = _SELECT + tail
        with _translated(), reading(self.store.engine) as conn:
            rows = [_record(row) for row in conn.execute(sa.text(sql), params)]
        return rows[::-1] if newest else rows

    def count(self) -> int:
        with _translated(), reading(self.store.engine) as conn:
            return int(conn.exec_driver_sql("SELECT count(*) FROM onemap_audit").scalar_one())
