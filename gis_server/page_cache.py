"""Item pages kept in memory until their layer changes: repeated queries skip the store.

Dashboards and map clients ask the same page again and again (the same bbox every refresh, the
first page of a filter). A `FeaturePage` is kept under the layer's data version, the layer
definition it was read with and the request's query parameters; it is served again while the
data version stays the same. The current versions come from the store's change watch (no round
trip while nothing was written: LISTEN/NOTIFY on PostGIS, `PRAGMA data_version` on a GeoPackage,
plus this process's own writes) and are re-read with one small query after any write — the same
`VersionBoard` the tile cache keys on. The
version is read *before* the store is queried, so a write racing the query can only make the
entry look older than it is — the next request misses and reads again — never newer.

Links and `timeStamp` are built per request, so the cached part holds nothing that depends on the
caller's host. Pages of layers a role restricts are cached like public ones: the read check runs
before the cache is asked. `ONEMAP_PAGE_CACHE_MB` (default 32; 0 turns it off) bounds the bytes
kept per process.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

from layers.model import LayerDefinition
from layers.query import FeaturePage
from layers.stores.base import FeatureStore
from tiles.cache.versions import VersionBoard

DEFAULT_MB = 32
#: Pages larger than this share of the budget are not kept (one huge page would evict everything).
_MAX_SHARE = 0.25


def budget_from_env() -> int:
    raw = os.environ.get("ONEMAP_PAGE_CACHE_MB", "").strip()
    return int(float(raw) * 1024 * 1024) if raw else DEFAULT_MB * 1024 * 1024


class PageCache:
    """Feature pages by (layer, data version, query), least recently used out first."""

    def __init__(self, store: FeatureStore, max_bytes: int | None = None) -> None:
        self.store = store
        self.max_bytes = budget_from_env() if max_bytes is None else max_bytes
        self.bytes = 0
        self.hits = 0
        self._board: VersionBoard | None = None
        self._items: OrderedDict[Hashable, tuple[LayerDefinition, FeaturePage]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def version(self, layer_id: str) -> int | None:
        """The layer's data version now (None: unknown, do not cache) — the tile cache's version board."""
        with self._lock:
            if self._board is None:
                self._board = VersionBoard(self.store)
            board = self._board
        return board.current().get(layer_id)

    def page(self, layer: LayerDefinition, params: Iterable[tuple[str, str]],
             read: Callable[[], FeaturePage]) -> FeaturePage:
        """The cached page for these parameters, or `read()`'s, kept for next time."""
        key, found = self.lookup(layer, params)
        if found is not None:
            return found
        page = read()
        if key is not None:
            self.keep(key, layer, page)
        return page

    def lookup(self, layer: LayerDefinition,
               params: Iterable[tuple[str, str]]) -> tuple[Hashable | None, FeaturePage | None]:
        """The key to keep a page under (None: do not cache) and the page kept under it, if any."""
        if not self.enabled:
            return None, None
        version = self.version(layer.id)
        if version is None:
            return None, None
        key = (layer.id, id(layer), version, tuple(sorted(params)))
        with self._lock:
            found = self._items.get(key)
            if found is not None and found[0] is layer:
                self._items.move_to_end(key)
                self.hits += 1
                return key, found[1]
        return key, None

    def keep(self, key: Hashable, layer: LayerDefinition, page: FeaturePage) -> None:
        """Keep a page read for `key` (from `lookup`), evicting the least recently used beyond the budget."""
        size = len(page.features_json) + 200
        if size > self.max_bytes * _MAX_SHARE:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= len(old[1].features_json) + 200
            self._items[key] = (layer, page)  # holding the layer keeps id(layer) unique
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, evicted) = self._items.popitem(last=False)
                self.bytes -= len(evicted.features_json) + 200

    def close(self) -> None:
        with self._lock:
            if self._board is not None:
                self._board.close()
                self._board = None
            self._items.clear()
            self.bytes = 0
