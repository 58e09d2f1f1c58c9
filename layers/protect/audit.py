"""`AuditTrail`: the append-only, SM3-chained audit trail `onemap_audit` of a store.

Every record names who (`actor`) did what (`action`: login, write, transition, export, package_build,
permission_change, denied, …) to what (`target`), with a JSON `detail`; it carries the hash of the
record before it and its own hash (see `audit_chain`). `verify()` reads the whole trail and names every
altered, removed or reordered record. The trail works on both stores; the table is created by each
store's own set-up (PostGIS: Alembic migration 0004; GeoPackage: the platform tables).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa

from layers.protect.audit_chain import AuditProblem, AuditRecord, diagnose, intact_links, make_record
from layers.protect.errors import AuditError

#: Records read per round trip while verifying.
VERIFY_BATCH = 5000


class AuditBackend(Protocol):
    def append(self, build: Callable[[int, str], AuditRecord]) -> AuditRecord: ...

    def append_in(self, conn: sa.Connection, build: Callable[[int, str], AuditRecord]) -> AuditRecord: ...

    def select(self, *, after_seq: int | None = None, since: datetime | None = None, limit: int | None = None,
               newest: bool = False) -> list[AuditRecord]: ...

    def count(self) -> int: ...


def backend_for(store: Any) -> AuditBackend:
    kind = getattr(store, "kind", None)
    if kind == "postgis":
        from layers.protect.audit_postgis import PostgisAuditBackend

        return PostgisAuditBackend(store)
    if kind == "geopackage":
        from layers.protect.audit_geopackage import GeoPackageAuditBackend

        return GeoPackageAuditBackend(store)
    raise AuditError(f"此存储不支持审计日志 / no audit trail for stores of kind {kind!r}")


class AuditTrail:
    """The audit trail kept in `store` (a PostgisStore or GeoPackageStore, already initialised)."""

    def __init__(self, store: Any, *, clock: Callable[[], datetime] | None = None) -> None:
        self.backend = backend_for(store)
        self._clock = clock or (lambda: datetime.now(UTC))

    def _builder(self, actor: str, action: str, target: str,
                 detail: dict[str, Any] | None) -> Callable[[int, str], AuditRecord]:
        def build(last_seq: int, last_hash: str) -> AuditRecord:
            return make_record(seq=last_seq + 1, at=self._clock(), actor=actor, action=action, target=target,
                               detail=detail or {}, prev_hash=last_hash)

        make_record(seq=1, at=self._clock(), actor=actor, action=action, target=target, detail=detail or {},
                    prev_hash="")  # refuse a bad action or detail before taking the lock
        return build

    def append(self, actor: str, action: str, target: str = "", detail: dict[str, Any] | None = None) -> AuditRecord:
        """Append one record in its own transaction (serialised with every other writer) and return it."""
        return self.backend.append(self._builder(actor, action, target, detail))

    def append_in(self, conn: sa.Connection, actor: str, action: str, target: str = "",
                  detail: dict[str, Any] | None = None) -> AuditRecord:
        """Append inside a write transaction the caller holds on this store's engine, so the record commits
        or rolls back with the write it describes. (PostGIS: the append lock is held until that
        transaction ends.)"""
        return self.backend.append_in(conn, self._builder(actor, action, target, detail))

    def records(self, since: datetime | None = None, *, after_seq: int | None = None,
                limit: int | None = None) -> list[AuditRecord]:
        """Records in sequence order: at or after `since`, after sequence number `after_seq`, at most `limit`."""
        return self.backend.select(after_seq=after_seq, since=since, limit=limit)

    def latest(self, limit: int) -> list[AuditRecord]:
        """The newest `limit` records, oldest first."""
        return self.backend.select(limit=limit, newest=True)

    def count(self) -> int:
        return self.backend.count()

    def verify(self) -> list[AuditProblem]:
        """Every problem in the trail (empty: intact). Reads in batches while the chain holds; only a trail
        with a problem is read whole to name each one."""
        last: AuditRecord | None = None
        while True:
            batch = self.backend.select(after_seq=last.seq if last else None, limit=VERIFY_BATCH)
            if not batch:
                return []
            intact, last = intact_links(batch, last)
            if not intact:
                return diagnose(self.backend.select())
