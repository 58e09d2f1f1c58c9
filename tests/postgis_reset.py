"""Between PostGIS tests: the session database back to a freshly migrated, empty platform.

Re-running the migrations for every test costs ~0.15 s each (about 1,300 PostGIS tests), so the
platform tables the migrations make are kept and emptied — truncated past their append-only
triggers, identities restarted, user triggers enabled again (a tampering test may have switched
them off), the rows the migrations seed put back — and every other table (layers, positions, ...)
is dropped. When the platform tables are not as the migrations leave them (a test dropped one, or
the database was emptied by hand), everything is dropped and migrated again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from layers.stores.postgis.migrate import head_revision
from layers.stores.postgis.store import PostgisStore

VERSION_TABLE = "onemap_alembic_version"
_TABLES = ("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
           "AND tablename NOT IN ('spatial_ref_sys')")


@dataclass(frozen=True)
class Platform:
    """The tables a fresh migration leaves and the rows it seeds in them."""

    tables: frozenset[str]
    seeded: dict[str, list[dict[str, Any]]]


def _quoted(names: Any) -> str:
    return ", ".join(f'"{name}"' for name in sorted(names))


def drop_everything(url: str) -> None:
    """Every table of the public schema dropped (PostGIS's own kept): a database as created."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        tables = conn.execute(sa.text(_TABLES)).scalars().all()
        if tables:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {_quoted(tables)} CASCADE"))
    engine.dispose()


def migrate(url: str) -> Platform:
    """Drop everything, migrate to head and note what the migrations made."""
    drop_everything(url)
    store = PostgisStore(url)
    try:
        store.initialize()
    finally:
        store.close()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        tables = frozenset(conn.execute(sa.text(_TABLES)).scalars().all())
        seeded = {table: [dict(row) for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')).mappings()]
                  for table in sorted(tables - {VERSION_TABLE})}
    engine.dispose()
    return Platform(tables, {table: rows for table, rows in seeded.items() if rows})


def reset(url: str, platform: Platform) -> None:
    """Empty the platform tables and drop the rest (one transaction); migrate afresh (to the same
    platform) when it is not intact."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            tables = set(conn.execute(sa.text(_TABLES)).scalars().all())
            intact = platform.tables <= tables and conn.execute(
                sa.text(f'SELECT version_num FROM "{VERSION_TABLE}"')).scalars().all() == [head_revision()]
            if intact:
                _empty(conn, platform, tables - platform.tables)
    finally:
        engine.dispose()
    if not intact:
        migrate(url)


def _empty(conn: sa.Connection, platform: Platform, others: set[str]) -> None:
    if others:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {_quoted(others)} CASCADE"))
    emptied = sorted(platform.tables - {VERSION_TABLE})
    for table in emptied:  # past the append-only guards (the audit trail refuses TRUNCATE)
        conn.execute(sa.text(f'ALTER TABLE "{table}" DISABLE TRIGGER USER'))
    conn.execute(sa.text(f"TRUNCATE {_quoted(emptied)} RESTART IDENTITY CASCADE"))
    for table in emptied:
        conn.execute(sa.text(f'ALTER TABLE "{table}" ENABLE TRIGGER USER'))
    for table, rows in platform.seeded.items():
        columns = list(rows[0])
        names = ", ".join(f'"{c}"' for c in columns)
        values = ", ".join(f":{c}" for c in columns)
        conn.execute(sa.text(f'INSERT INTO "{table}" ({names}) VALUES ({values})'), rows)
