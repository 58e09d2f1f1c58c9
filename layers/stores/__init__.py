"""Feature stores. `open_store(url)` picks one by the `ONEMAP_DATABASE_URL` setting.

- `postgresql://…` or `postgresql+psycopg://…` → `PostgisStore` (production)
- `geopackage:///path/file.gpkg`, `gpkg:…` or a path ending in `.gpkg` → `GeoPackageStore` (embedded)

May import: `layers.model`, `layers.query`, `layers.errors`, `layers.filters`.
"""

from __future__ import annotations

from pathlib import Path

from layers.errors import StoreUnavailable
from layers.stores.base import FeatureRecord, FeatureStore

__all__ = ["FeatureRecord", "FeatureStore", "open_store"]


def open_store(url: str) -> FeatureStore:
    """Open (and initialize) the store a URL names."""
    if url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        from layers.stores.postgis import PostgisStore

        store: FeatureStore = PostgisStore(url)
    elif url.startswith(("geopackage://", "gpkg://", "gpkg:")) or url.endswith(".gpkg"):
        from layers.stores.geopackage import GeoPackageStore

        path = url.split("://", 1)[1] if "://" in url else url.removeprefix("gpkg:")
        store = GeoPackageStore(Path(path))
    else:
        raise StoreUnavailable(f"无法识别的数据库地址 / unrecognised ONEMAP_DATABASE_URL: {url!r}")
    store.initialize()
    return store
