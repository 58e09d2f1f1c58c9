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
`render_async` runs the same statements from a coroutine through the event loop's
`AsyncTilePool` (same session settings), so a server's cache misses need no worker thread.

Layers are planned at the WebMercatorQuad-equivalent zoom of the tile matrix
(`tiles.matrix_sets.scale_zoom`); a layer outside its `min_zoom`–`max_zoom` at that zoom is left
out of the tile (its stats say 0 features).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import anyio.to_thread
import psycopg
import sqlalchemy as sa

from layers.model import LayerDefinition
from layers.query import STORAGE_SRID
from layers.stores.base import FeatureStore
from layers.stores.postgis.store import PostgisStore
from layers.stores.postgis.support import BoundedCache, translated
from tiles.matrix_sets import scale_zoom, tile_bounds
from tiles.model import LayerTileStats, RenderedTile, TileAddress
from tiles.plan import plan_layer
from tiles.renderers.budget import BudgetSteps, budget_steps, fit_to_budget, surely_fits
from tiles.renderers.postgis_async import AsyncTilePool
from tiles.renderers.postgis_sql import Frame, TileStatement, q, tile_parameters, tile_statement

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
log = logging.getLogger("onemap")


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


@dataclass(frozen=True)
class _TileJob:
    """One tile's fixed inputs: the layers shown at its zoom, its frame and bound parameters."""

    address: TileAddress
    layers: tuple[LayerDefinition, ...]
    active: tuple[LayerDefinition, ...]
    ids: tuple[int, ...]
    zoom: int
    frame: Frame
    params: tuple[object, ...]
    limits: dict[str, int]

    @classmethod
    def of(cls, layers: Sequence[LayerDefinition], address: TileAddress) -> _TileJob:
        zoom = scale_zoom(address.tms, address.z)
        active = tuple(layer for layer in layers if layer.min_zoom <= zoom <= layer.max_zoom)
        frame = frame_for(address.tms, address.z)
        params = tile_parameters(frame, tile_bounds(address), active) if active else ()
        return cls(address, tuple(layers), active, tuple(id(layer) for layer in active), zoom, frame, params,
                   {layer.id: layer.tiles.feature_limit for layer in active})

    def finish(self, tile: RenderedTile) -> RenderedTile:
        """The tile with stats for every requested layer (0 features for those not shown)."""
        stats = {layer.id: LayerTileStats(0) for layer in self.layers}
        stats.update(tile.layers)
        return RenderedTile(tile.data, stats)


def _parsed(statement: TileStatement, row: Sequence[Any]) -> RenderedTile:
    """The tile from the statement's row: per layer (MVT bytes, features written, candidates)."""
    parts: list[bytes] = []
    stats: dict[str, LayerTileStats] = {}
    for i, layer_id in enumerate(statement.layer_ids):
        data, written, candidates = row[3 * i], int(row[3 * i + 1]), row[3 * i + 2]
        if data:
            parts.append(bytes(data))
        dropped = max(0, int(candidates) - written) if candidates is not None else 0
        stats[layer_id] = LayerTileStats(features=written, dropped=dropped, thinned=dropped > 0)
    return RenderedTile(b"".join(parts), stats)


def _advance(steps: BudgetSteps, tile: RenderedTile) -> tuple[bool, RenderedTile | dict[str, int]]:
    """Send the budget loop a rendered tile: (True, the final tile) or (False, the next limits)."""
    try:
        return False, steps.send(tile)
    except StopIteration as done:
        return True, done.value


class PostgisTileRenderer:
    """Renders tiles from the PostGIS store's layer tables."""

    def __init__(self, store: FeatureStore, *, engine: sa.Engine | None = None, cache_size: int = 4096) -> None:
        if not isinstance(store, PostgisStore):
            raise TypeError(f"PostgisTileRenderer needs a PostgisStore, not {type(store).__name__}")
        self.store = store
        self.engine = engine if engine is not None else shared_tile_engine(store)
        self._statements: BoundedCache[_Entry] = BoundedCache(cache_size)
        self._pool_async: AsyncTilePool | None = None
        self._presence: dict[tuple[str, ...], str] = {}

    def render(self, layers: Sequence[LayerDefinition], address: TileAddress) -> RenderedTile:
        job = _TileJob.of(layers, address)
        if not job.active:
            return job.finish(RenderedTile(b"", {}))

        def once(limits: Mapping[str, int]) -> RenderedTile:
            statement = self._statement_for(job, limits)
            return _parsed(statement, self._execute(statement, job.params))

        return job.finish(fit_to_budget(once, job.limits))

    async def render_async(self, layers: Sequence[LayerDefinition], address: TileAddress) -> RenderedTile | None:
        """`render` from a coroutine through the loop's `AsyncTilePool`; None when it cannot (the
        pool belongs to another loop, or the database raised — the thread path, which retries a
        dead connection and translates errors, then renders it)."""
        pool = self._async_pool()
        if pool is None:
            return None
        job = _TileJob.of(layers, address)
        if not job.active:
            return job.finish(RenderedTile(b"", {}))
        steps = budget_steps(job.limits)
        limits = next(steps)
        while True:
            statement = self._statement_for(job, limits)
            try:
                row = await pool.fetch_one(statement.sql, job.params)
            except psycopg.Error:
                log.debug("async tile render failed; the thread path renders it", exc_info=True)
                return None
            tile = _parsed(statement, row)
            if surely_fits(tile.data):
                done, result = _advance(steps, tile)
            else:  # measuring means gzipping a big tile: not on the loop
                done, result = await anyio.to_thread.run_sync(_advance, steps, tile)
            if done:
                assert isinstance(result, RenderedTile)
                return job.finish(result)
            assert isinstance(result, dict)
            limits = result

    def layers_present(self, layers: Sequence[LayerDefinition],
                       bbox: tuple[float, float, float, float]) -> list[LayerDefinition]:
        """The layers with a feature whose box meets `bbox` (lon/lat, EPSG:4490): one statement of index
        probes. A package build asks this once per chunk of tiles and renders only those layers — the
        tiles are the same (a layer with nothing there adds nothing), but a statement over 60 layers
        costs ~0.25 ms of database time per absent layer and tile."""
        if len(layers) < 2:
            return list(layers)
        ids = tuple(layer.id for layer in layers)
        sql = self._presence.get(ids)
        if sql is None:
            envelope = f"ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, {STORAGE_SRID})"
            probes = [f'EXISTS (SELECT 1 FROM {q(layer_id)} t WHERE t."geom" && {envelope})'
                      for layer_id in ids]
            sql = self._presence[ids] = "SELECT " + ", ".join(probes)
        with translated(",".join(ids)):
            row = self._fetch(sql, bbox)
        return [layer for layer, hit in zip(layers, row, strict=True) if hit]

    def _async_pool(self) -> AsyncTilePool | None:
        if self._pool_async is None:
            self._pool_async = AsyncTilePool(self.store.url, SESSION_OPTIONS)
        return self._pool_async if self._pool_async.bound_to_running_loop() else None

    async def aclose(self) -> None:
        """Close the async pool (on the loop it belongs to; from another loop, leave it)."""
        pool, self._pool_async = self._pool_async, None
        if pool is not None and pool.bound_to_running_loop():
            await pool.close()

    def _statement_for(self, job: _TileJob, limits: Mapping[str, int]) -> TileStatement:
        key = (job.ids, job.address.tms, job.address.z, tuple(limits[layer.id] for layer in job.active))
        return self._statement(key, job.active, job.zoom, job.frame)

    def _statement(self, key: _Key, layers: tuple[LayerDefinition, ...], zoom: int, frame: Frame) -> TileStatement:
        entry = self._statements.get(key)
        if entry is not None and all(a is b for a, b in zip(entry[0], layers, strict=True)):
            return entry[1]
        statement = _build(layers, zoom, frame, key[3])
        self._statements.put(key, (layers, statement))
        return statement

    def _execute(self, statement: TileStatement, params: tuple[object, ...]) -> Sequence[Any]:
        with translated(",".join(statement.layer_ids)):
            try:
                return self._fetch(statement.sql, params)
            except sa.exc.DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                return self._fetch(statement.sql, params)  # a pooled connection had died: once more

    def _fetch(self, sql: str, params: tuple[object, ...]) -> sa.Row[Any]:
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(sql, params).one()


__all__ = ["SESSION_OPTIONS", "PostgisTileRenderer", "frame_for", "shared_tile_engine", "tile_engine"]
