"""The tile service: cache in front of the renderer; what the HTTP routers call.

`TileService.tile(layers, address)` returns the gzip-compressed tile and its ETag. Per request:

1. the current data versions of the tile's layers (`VersionBoard`: a microsecond check of the
   store's change watch; one small query only after some write has committed);
2. the memory tier at exactly those versions — a hit costs a few dictionary look-ups, no I/O;
3. otherwise every tier in turn, serving an older entry that no edit since touches (restamped),
   or else rendering, compressing and storing the tile in every tier, stamped with the versions
   read in step 1 (read *before* rendering, so a write racing the render can only make the entry
   look older than it is, never newer).

Renderer errors propagate and nothing is stored: errors are never cached.

`TileService.tile_async` does the same on the event loop, for renderers that can render there
(PostGIS: psycopg's async connections), and declines — returns None, so the caller uses a worker
thread — whenever a step could block: a version re-read, an older entry to check, Redis.
"""

from __future__ import annotations

from collections.abc import Sequence

import anyio.to_thread

from layers.model import LayerDefinition
from layers.stores.base import FeatureStore
from tiles.cache import CacheSettings, LayerSets, TileCache, TileKey
from tiles.cache.response import TileResponse, compress
from tiles.model import TileAddress, TileRenderer

__all__ = ["TileResponse", "TileService", "compress"]

#: Rendered tiles larger than this are gzipped in a worker thread by `tile_async` (~0.3 ms of zlib).
ASYNC_GZIP_BYTES = 64 * 1024


class TileService:
    def __init__(self, store: FeatureStore, settings: CacheSettings | None = None, *,
                 renderer: TileRenderer | None = None) -> None:
        self.store = store
        if renderer is None:
            from tiles.renderers import renderer_for

            renderer = renderer_for(store)
        self.renderer = renderer
        self.settings = settings if settings is not None else CacheSettings.from_env()
        self.cache = TileCache(store, self.settings)
        self.layer_sets = LayerSets()
        #: Tiles rendered by this service (cache misses), for the seeder and for benchmarks.
        self.rendered = 0

    def cached(self, layers: Sequence[LayerDefinition], address: TileAddress) -> TileResponse | None:
        """The tile if the memory tier holds it at the current versions; never blocks on I/O beyond
        the change watch, so an async route may call it on the event loop before going to a thread."""
        name, ids = self.layer_sets.of(layers)
        versions = self.cache.versions(ids)
        if versions is None:
            return None
        return self.cache.get_memory((name, address.tms, address.z, address.row, address.col), versions)

    def tile(self, layers: Sequence[LayerDefinition], address: TileAddress) -> TileResponse:
        name, ids = self.layer_sets.of(layers)
        versions = self.cache.versions(ids)
        key = TileKey(name, address.tms, address.z, address.row, address.col)
        if versions is not None:
            hit = self.cache.get_memory(key, versions)
            if hit is not None:
                return hit
            found = self.cache.get(key, ids, versions, address)
            if found is not None:
                return found
        response = compress(self.renderer.render(layers, address))
        self.rendered += 1
        if versions is not None:
            self.cache.put(key, versions, response)
        return response

    async def tile_async(self, layers: Sequence[LayerDefinition], address: TileAddress) -> TileResponse | None:
        """`tile()` on the event loop when nothing in it would block: a renderer with `render_async`,
        no Redis tier, versions known without a query, and no older cached entry to validate against
        the edit log. None otherwise — then call `tile()` in a worker thread. Memory and disk tiers are
        read and written on the loop (a file open, or a small write and a rename)."""
        render_async = getattr(self.renderer, "render_async", None)
        if render_async is None or self.cache.redis is not None:
            return None
        name, ids = self.layer_sets.of(layers)
        current = self.cache.board.peek()
        if current is None or not all(layer_id in current for layer_id in ids):
            return None
        versions = tuple([current[layer_id] for layer_id in ids])
        key = TileKey(name, address.tms, address.z, address.row, address.col)
        found = self.cache.get_local(key, versions)
        if found is True:
            return None
        if found is not False:
            return found
        rendered = await render_async(layers, address)
        if rendered is None:
            return None
        if len(rendered.data) > ASYNC_GZIP_BYTES:  # a heavy tile's gzip would hold up the loop
            response = await anyio.to_thread.run_sync(compress, rendered)
        else:
            response = compress(rendered)
        self.rendered += 1
        self.cache.put(key, versions, response)
        return response

    async def aclose(self) -> None:
        """Release what the renderer holds on the event loop (call from the loop that served tiles)."""
        aclose = getattr(self.renderer, "aclose", None)
        if callable(aclose):
            await aclose()

    def close(self) -> None:
        self.cache.close()
        close = getattr(self.renderer, "close", None)
        if callable(close):
            close()
