"""Setting up a database: the PostGIS extension and the platform tables at the Alembic head.

Both run in one transaction holding a transaction-level advisory lock, so several workers
starting at once take turns and all but the first find nothing to do.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from layers.errors import StoreUnavailable
from layers.stores.postgis.platform import MIGRATION_LOCK, VERSION_TABLE

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: sa.Connection | None = None, url: str | None = None) -> Config:
    """An Alembic config built in code: no alembic.ini, works from an installed package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(conn: sa.Connection) -> str | None:
    context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def ensure_postgis(conn: sa.Connection) -> None:
    """Create the postgis extension if it is missing; StoreUnavailable if that is not possible."""
    present = conn.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first()
    if present is not None:
        return
    try:
        with conn.begin_nested():
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    except sa.exc.DBAPIError as exc:
        raise StoreUnavailable(
            "数据库未安装 PostGIS 扩展且无权创建 / the PostGIS extension is not installed in this database "
            f"and could not be created (ask a superuser to run CREATE EXTENSION postgis): {exc.orig}"
        ) from exc


def upgrade(conn: sa.Connection) -> None:
    """PostGIS plus migrations to head, under the migration advisory lock, in the caller's transaction."""
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    ensure_postgis(conn)
    command.upgrade(alembic_config(connection=conn), "head")
