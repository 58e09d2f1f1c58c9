"""Rendering a package's chunks in worker processes, one per core, tiles sent back to the caller.

Each worker (spawned; SIGINT ignored — the parent decides) opens its own store and the store's tile
renderer, renders its share of chunks — a multi-layer tile of the layers shown at each zoom, gzip
compressed exactly as the server sends it (`tiles.service.compress`) — and sends every finished chunk
with its non-empty tiles to the parent, which stores it (`WorkFile.add_chunk`). A renderer that can
tell which layers have anything near a chunk (`layers_present`: PostGIS, one statement of index
probes) renders each of its tiles with those layers only — the same bytes, a fraction of the work
in a package of many layers. The tile cache is not
used: a package is rendered from the data, at the versions the build recorded, and a package build
does not fill the server's cache with tiles nobody asked it for.

`render_chunks(...)` yields `("chunk", chunk id, planned tiles, tiles)` as chunks finish, and stops
early (setting `RenderRun.interrupted`) on Ctrl-C, after each worker's current tile.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from layers.model import LayerDefinition
from tiles.cache.bounds import influence_box
from tiles.cache.seed import shown_layers
from tiles.model import TileAddress
from tiles.packages.plan import TMS, PackageChunk
from tiles.packages.workfile import Tile

#: (chunk id, tiles planned in it, its non-empty tiles)
RenderedChunk = tuple[str, int, list[Tile]]


@dataclass
class RenderRun:
    interrupted: bool = False
    errors: list[str] = field(default_factory=list)
    pids: set[int] = field(default_factory=set)


def chunk_influence_box(chunk: PackageChunk) -> tuple[float, float, float, float]:
    """The lon/lat box an edit (or a feature) must meet to be drawn in any tile of the chunk: the
    union of its corner tiles' influence boxes (the tile plus the renderers' clip buffer)."""
    rows = [row for row, _ in chunk.tiles()]
    cols = [col for _, col in chunk.tiles()]
    first = influence_box(TileAddress(TMS, chunk.z, min(rows), min(cols)))
    last = influence_box(TileAddress(TMS, chunk.z, max(rows), max(cols)))
    return (min(first[0], last[0]), min(first[1], last[1]), max(first[2], last[2]), max(first[3], last[3]))


def render_chunk(renderer: Any, layers: Sequence[Any], chunk: PackageChunk, stop: Any = None) -> list[Tile] | None:
    """The chunk's non-empty tiles (z, x, y, gzip MVT); None when `stop` was set meanwhile."""
    from tiles.service import compress

    shown = shown_layers(layers, TMS, chunk.z)
    tiles: list[Tile] = []
    present = getattr(renderer, "layers_present", None)
    if present is not None and len(shown) > 1:
        shown = present(shown, chunk_influence_box(chunk))
    if not shown:
        return tiles
    for row, col in chunk.tiles():
        if stop is not None and stop.is_set():
            return None
        rendered = renderer.render(shown, TileAddress(TMS, chunk.z, row, col))
        if rendered.data:
            tiles.append((chunk.z, col, row, compress(rendered).gzip_body))
    return tiles


def _work(database_url: str, layers: tuple[LayerDefinition, ...], chunks: list[PackageChunk], messages: Any,
          stop: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pid = os.getpid()
    from layers.stores import open_store
    from tiles.renderers import renderer_for

    store = renderer = None
    try:
        store = open_store(database_url)
        renderer = renderer_for(store)
        for chunk in chunks:
            tiles = render_chunk(renderer, list(layers), chunk, stop)
            if tiles is None:
                return
            messages.put(("chunk", pid, chunk.id, chunk.count, tiles))
    except BaseException as exc:  # reported to the parent, which stops the others and says why
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        messages.put(("failed", pid, message))
    finally:
        close = getattr(renderer, "close", None)
        if callable(close):
            close()
        if store is not None:
            store.close()
        messages.put(("exit", pid))


def render_chunks(database_url: str, layers: tuple[LayerDefinition, ...], todo: Sequence[PackageChunk], workers: int,
                  run: RenderRun) -> Iterator[RenderedChunk]:
    """Render `todo` in worker processes with these layer definitions (a caller's views of the layers:
    the package holds what its requester may see, masked as they see it)."""
    context = multiprocessing.get_context("spawn")
    messages = context.Queue(maxsize=256)
    stop = context.Event()
    shares = [list(todo[i::workers]) for i in range(max(1, workers))]
    processes = [context.Process(target=_work, args=(database_url, layers, share, messages, stop),
                                 name=f"onemap-package-{i}", daemon=True) for i, share in enumerate(shares) if share]
    for process in processes:
        process.start()
    running = len(processes)
    try:
        while running:
            try:
                message = messages.get(timeout=0.5)
            except queue_module.Empty:
                if not any(process.is_alive() for process in processes):
                    break
                continue
            except KeyboardInterrupt:
                run.interrupted = True
                stop.set()
                continue
            kind, pid = message[0], message[1]
            run.pids.add(pid)
            if kind == "chunk":
                yield message[2], message[3], message[4]
            elif kind == "failed":
                run.errors.append(message[2])
                stop.set()
            elif kind == "exit":
                running -= 1
    finally:
        stop.set()
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
        messages.close()


__all__ = ["RenderRun", "RenderedChunk", "render_chunk", "render_chunks"]
