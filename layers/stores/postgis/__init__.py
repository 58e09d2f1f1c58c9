"""The production feature store: PostgreSQL + PostGIS through SQLAlchemy Core, GeoAlchemy2 and psycopg 3.

Owns: the platform tables (`onemap_layers`, `onemap_meta`, under Alembic migrations in
`migrations/`), one table per layer, and the SQL that answers feature queries — the GeoJSON
page is built inside PostgreSQL. May import: `layers.model`, `layers.query`, `layers.errors`,
`layers.filters`, `layers.stores.base`.
"""

from layers.stores.postgis.store import PostgisStore

__all__ = ["PostgisStore"]
