"""Feature stores. `open_store(url)` picks one by the `ONEMAP_DATABASE_URL` setting.

- `postgresql://…` or `postgresql+psycopg://…` → `PostgisStore` (production)
- `geopackage:///path/file.gpkg`, `gpkg:…` or a path ending in `.gpkg` → `GeoPackageStore` (embedded)

`ONEMAP_COUNT_BUDGET_MS` (PostGIS only): how long a `numberMatched` count may run before the page
goes out without it (default 25; 0: always count).

May import: `layers.model`, `layers.query`, `layers.errors`, `layers.filters`.
"""

from __future__ import annotations

import os
from pathlib import Path

from layers.errors import StoreUnavailable
from layers.stores.base import FeatureRecord, FeatureStore

__all__ = ["FeatureRecord", "FeatureStore", "open_store"]


def open_store(url: str) -> FeatureStore:
    """Open (and initialize) the store a URL names."""
    if url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        from layers.stores.postgis import PostgisStore

        store: FeatureStore = PostgisStore(url, count_budget_ms=_count_budget())
    elif url.startswith(("geopackage://", "gpkg://", "gpkg:")) or url.endswith(".gpkg"):
        from layers.stores.geopackage import GeoPackageStore

        path = url.split("://", 1)[1] if "://" in url else url.removeprefix("gpkg:")
        store = GeoPackageStore(Path(path))
    else:
        raise StoreUnavailable(f"无法识别的数据库地址 / unrecognised ONEMAP_DATABASE_URL: {url!r}")
    store.initialize()
    return store


def _count_budget() -> int:
    from layers.stores.postgis.reads import DEFAULT_COUNT_BUDGET_MS

    raw = os.environ.get("ONEMAP_COUNT_BUDGET_MS", "").strip()
    if not raw:
        return DEFAULT_COUNT_BUDGET_MS
    if not raw.isdigit():
        raise StoreUnavailable("ONEMAP_COUNT_BUDGET_MS 应为非负整数（毫秒） / "
                               f"must be a whole number of milliseconds: {raw!r}")
    return int(raw)
