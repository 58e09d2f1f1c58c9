"""The embedded store: a GeoPackage 1.3 file on Python's sqlite3 (no SpatiaLite needed).

- `geometry`: GeoPackage binary geometry ↔ shapely
- `functions`: SQL functions registered per connection (R-tree trigger functions, predicates)
- `schema`: GeoPackage core tables and each layer's table, R-tree and triggers
- `registry`: the platform's layer registry tables
- `dialect`: the `SqlDialect` the shared CQL2 translator uses
- `values`, `tables`: field values and SQLAlchemy table views
- `engine`: connections and transactions; `reader`, `writer`, `encode`: the store's work
- `store`: `GeoPackageStore`, the `FeatureStore` implementation

May import: `layers.model`, `layers.query`, `layers.errors`, `layers.filters`, `layers.crs`.
"""

from layers.stores.geopackage.store import GeoPackageStore

__all__ = ["GeoPackageStore"]
