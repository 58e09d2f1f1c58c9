"""`PostgisTileRenderer`: a tile of any number of layers in one SQL statement (`ST_AsMVT`).

Per tile the Python work is small and fixed: the tile's bounds, a statement looked up in a cache
keyed by (layers, tile matrix set, zoom, feature limits) — built by `postgis_sql` on first use —
one round trip, and joining the layers' bytes. No geometry and no per-feature object passes
through Python. The budget loop (`budget.fit_to_budget`) renders again with smaller limits only
for a tile over 500 KB compressed.

Tiles use a connection pool of their own on the store's database (one per store, shared by its
renderers), tuned for this one statement: JIT and parallel workers off (their start-up costs more
than a tile), a larger `work_mem` for the thinning sorts of low-zoom tiles, the layers' subqueries
joined in the order written, autocommit, no ping on checkout (a connection found dead is
discarded and the tile tried once more), psycopg's raw cursor (`$n` parameters: the query text
is not parsed again per tile) and server-side prepared statements from the fifth use of a text
(the result type of a tile statement never changes, so a re-created table only causes a re-plan).

Layers are planned at the WebMercatorQuad-equivalent zoom of the tile matrix
(`tiles.matrix_sets.scale_zoom`); a layer outside its `min_zoom`–`max_zoom` at that zoom is left
out of the tile (its stats say 0 features).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import psycopg
import sqlalchemy as sa

from layers.model import LayerDefinition
from layers.stores.base import FeatureStore
from layers.stores.postgis.store import PostgisStore
from layers.stores.postgis.support import BoundedCache, translated
from tiles.matrix_sets import scale_zoom, tile_bounds
from tiles.model import LayerTileStats, RenderedTile, TileAddress
from tiles.plan import plan_layer
from tiles.renderers.budget import fit_to_budget
from tiles.renderers.postgis_sql import Frame, TileStatement, tile_parameters, tile_statement

#: Server settings of the tile connections (libpq `options`).
SESSION_OPTIONS = ("-c jit=off -c max_parallel_workers_per_gather=0 -c work_mem=64MB "
                   # the layers' one-row subqueries are joined as written: no join-order search
                   "-c join_collapse_limit=1 "
                   # a prepared tile statement is planned once, not again for every tile
                   "-c plan_cache_mode=force_generic_plan")

#: Statement cache key: the layers' identities (hashing a definition costs more than the look-up),
#: tile matrix set, zoom, limits. The cached entry keeps the layers, so an id is not reused meanwhile.
_Key = tuple[tuple[int, ...], str, int, tuple[int, ...]]
_Entry = tuple[tuple[LayerDefinition, ...], TileStatement]
_ENGINES: weakref.WeakKeyDictionary[PostgisStore, sa.Engine] = weakref.WeakKeyDictionary()
_ENGINES_LOCK = threading.Lock()


@lru_cache(maxsize=256)
def frame_for(tms: str, z: int) -> Frame:
    """The CRS and tile size of one tile matrix (quad matrix sets: every tile the same size)."""
    x0, y0, x1, y1, srid = tile_bounds(TileAddress(tms, z, 0, 0))
    return Frame(srid=srid, width=x1 - x0, height=y1 - y0)


@lru_cache(maxsize=1024)
def _build(layers: tuple[LayerDefinition, ...], zoom: int, frame: Frame, limits: tuple[int, ...]) -> TileStatement:
    """The statement for these definitions (by value: equal copies of a definition share it)."""
    return tile_statement([plan_layer(layer, zoom) for layer in layers], frame, limits)


def tile_engine(store: PostgisStore, *, pool_size: int = 16, max_overflow: int = 0,
                prepare_threshold: int | None = 5) -> sa.Engine:
    """A pool on the store's database for tile statements (see the module docstring).

    A steady pool, no overflow: an overflow connection is closed when returned to a full pool, and
    a new backend's first tile costs ~60 ms of PostGIS/PROJ set-up against ~2 ms on a warm one
    (docs/benchmarks.md, tiles)."""
    engine = sa.create_engine(
        store.url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=1800,
        isolation_level="AUTOCOMMIT",
        connect_args={"application_name": "onemap-tiles", "prepare_threshold": prepare_threshold,
                      "options": SESSION_OPTIONS},
    )

    # Set after SQLAlchemy's own first-connect queries (which pass dict parameters) have run.
    @sa.event.listens_for(engine, "connect")
    def _raw_cursor(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.cursor_factory = psycopg.RawCursor

    return engine


def shared_tile_engine(store: PostgisStore) -> sa.Engine:
    """One tile pool per store, shared by its renderers, disposed when the store is collected."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(store)
        if engine is None:
            engine = _ENGINES[store] = tile_engine(store)
            weakref.finalize(store, engine.dispose)
        return engine


class PostgisTileRenderer:
    """Renders tiles from the PostGIS store's layer tables."""

    def __init__(self, store: FeatureStore, *, engine: sa.Engine | None = None, cache_size: int = 4096) -> None:
        if not isinstance(store, PostgisStore):
            raise TypeError(f"PostgisTileRenderer needs a PostgisStore, not {type(store).__name__}")
        self.store = store
        self.engine = engine if engine is not None else shared_tile_engine(store)
        self._statements: BoundedCache[_Entry] = BoundedCache(cache_size)

    def render(self, layers: Sequence[LayerDefinition], address: TileAddress) -> RenderedTile:
        zoom = scale_zoom(address.tms, address.z)
        active = tuple(layer for layer in layers if layer.min_zoom <= zoom <= layer.max_zoom)
        stats = {layer.id: LayerTileStats(0) for layer in layers}
        if not active:
            return RenderedTile(b"", stats)
        frame = frame_for(address.tms, address.z)
        params = tile_parameters(frame, tile_bounds(address), active)

        ids = tuple(id(layer) for layer in active)

        def once(limits: Mapping[str, int]) -> RenderedTile:
            key = (ids, address.tms, address.z, tuple(limits[layer.id] for layer in active))
            return self._execute(self._statement(key, active, zoom, frame), params)

        tile = fit_to_budget(once, {layer.id: layer.tiles.feature_limit for layer in active})
        stats.update(tile.layers)
        return RenderedTile(tile.data, stats)

    def _statement(self, key: _Key, layers: tuple[LayerDefinition, ...], zoom: int, frame: Frame) -> TileStatement:
        entry = self._statements.get(key)
        if entry is not None and all(a is b for a, b in zip(entry[0], layers, strict=True)):
            return entry[1]
        statement = _build(layers, zoom, frame, key[3])
        self._statements.put(key, (layers, statement))
        return statement

    def _execute(self, statement: TileStatement, params: tuple[object, ...]) -> RenderedTile:
        with translated(",".join(statement.layer_ids)):
            try:
                row = self._fetch(statement.sql, params)
            except sa.exc.DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                row = self._fetch(statement.sql, params)  # a pooled connection had died: once more
        parts: list[bytes] = []
        stats: dict[str, LayerTileStats] = {}
        for i, layer_id in enumerate(statement.layer_ids):
            data, written, candidates = row[3 * i], int(row[3 * i + 1]), row[3 * i + 2]
            if data:
                parts.append(bytes(data))
            dropped = max(0, int(candidates) - written) if candidates is not None else 0
            stats[layer_id] = LayerTileStats(features=written, dropped=dropped, thinned=dropped > 0)
        return RenderedTile(b"".join(parts), stats)

    def _fetch(self, sql: str, params: tuple[object, ...]) -> sa.Row[Any]:
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(sql, params).one()


__all__ = ["SESSION_OPTIONS", "PostgisTileRenderer", "frame_for", "shared_tile_engine", "tile_engine"]
