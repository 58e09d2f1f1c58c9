"""Alembic environment for the platform tables.

Normally run by `layers.stores.postgis.migrate.upgrade`, which passes an open connection (already
inside a transaction holding the migration advisory lock) in `config.attributes["connection"]`.
With no connection, `sqlalchemy.url` from the config is used (e.g. for `alembic` on the command line),
and offline mode prints the SQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from layers.stores.postgis.platform import VERSION_TABLE


def run_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        literal_binds=True,
        version_table=VERSION_TABLE,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection: sa.Connection) -> None:
    context.configure(connection=connection, version_table=VERSION_TABLE, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    if context.is_offline_mode():
        run_offline()
        return
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_online(connection)
        return
    engine = sa.create_engine(str(context.config.get_main_option("sqlalchemy.url")), poolclass=sa.NullPool)
    with engine.begin() as conn:
        run_online(conn)
    engine.dispose()


main()
