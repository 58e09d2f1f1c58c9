"""Where the identity tables live: read and write transactions on the store's engine (PostGIS or the
GeoPackage's `BEGIN IMMEDIATE`), the store's audit trail, the clock, and database errors turned into
`StoreUnavailable` with a message a person can act on.
May import: sqlalchemy, psycopg, layers.errors, layers.protect, layers.stores, this package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from layers.errors import StoreUnavailable
from layers.protect import AuditTrail

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (the GeoPackage gives naive UTC back)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Storage:
    """The identity tables of one opened store (a PostgisStore or GeoPackageStore)."""

    def __init__(self, store: Any, *, clock: Clock | None = None) -> None:
        self.store = store
        self.kind = getattr(store, "kind", None)
        if self.kind not in ("postgis", "geopackage"):
            raise StoreUnavailable(f"此存储不支持账户 / no accounts on stores of kind {self.kind!r}")
        self.clock: Clock = clock or utc_now
        self.audit = AuditTrail(store, clock=lambda: self.clock())
        if self.kind == "geopackage":
            from layers.identity.geopackage import ensure_tables

            with self._translated():
                ensure_tables(store)

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    @contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """One write transaction: commits on success, rolls back on any exception."""
        if self.kind == "geopackage":
            from layers.stores.geopackage.engine import writing

            with self._translated(), writing(self.store.engine) as conn:
                yield conn
        else:
            with self._translated(), self.store.engine.begin() as conn:
                yield conn

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        if self.kind == "geopackage":
            from layers.stores.geopackage.engine import reading

            with self._translated(), reading(self.store.engine) as conn:
                yield conn
        else:
            with self._translated(), self.store.read_engine.connect() as conn:
                yield conn

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except sa.exc.IntegrityError:
            raise  # the caller knows what a duplicate means
        except sa.exc.DBAPIError as exc:
            text = str(exc.orig)
            if "no such table" in text or "does not exist" in text:
                raise StoreUnavailable("账户表不存在，请先初始化数据库 / the identity tables are missing: initialize "
                                       "the store (migrations) first") from exc
            if isinstance(exc, sa.exc.OperationalError):
                raise StoreUnavailable(f"账户数据库暂时不可用 / identity store unavailable: "
                                       f"{text.strip().splitlines()[0] if text.strip() else exc}") from exc
            raise
