"""Seeding: render the tiles of some layers over a lon/lat box at some zooms into the cache.

The job is cut into chunks of up to `CHUNK` × `CHUNK` tiles (one tileset, one zoom), dealt out in
turn to `workers` processes (spawned, each opening its own store and `TileService`; the disk and
Redis tiers are what they fill), so every core works and each gets its share of every zoom.
Finished chunks go into the job's journal (`journal.py`); a re-run of the same job skips them.
Ctrl-C (SIGINT) in the parent asks the workers to stop after their current tile (they ignore
SIGINT themselves) and returns with `interrupted` set; every tile already written is whole
(atomic writes), and the chunks in progress are redone — from the cache — next time.

A tileset here is what one URL serves: a single layer (`/collections/{id}/tiles/…`) or an
ordered list of layers (`/tiles/…?collections=a,b`). As in the routers, a tile holds only the
layers whose zoom range includes it, and zooms where none does are skipped.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import queue as queue_module
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from layers.errors import InvalidQuery, LayerNotFound
from layers.model import LayerDefinition
from tiles.cache.journal import Journal
from tiles.cache.keys import layer_set_name
from tiles.cache.settings import CacheSettings, default_disk_dir
from tiles.matrix_sets import get_tms, matrix_range
from tiles.model import TileAddress

#: Chunk side, in tiles.
CHUNK = 8
#: Where seed journals live, inside the namespace directory (dot: never taken for a layer set).
JOURNAL_DIR = ".seed"
#: Nudge so a bbox edge lying exactly on a tile edge does not pull in the next tile.
_EPS = 1e-9


@dataclass(frozen=True)
class SeedJob:
    #: Each entry is one tileset: the ids of its layers, in order.
    layer_sets: tuple[tuple[str, ...], ...]
    tms: str
    zooms: tuple[int, ...]
    #: west, south, east, north in lon/lat degrees.
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Chunk:
    set_index: int
    z: int
    row0: int
    col0: int
    row1: int
    col1: int

    @property
    def id(self) -> str:
        return f"{self.set_index}/{self.z}/{self.row0}/{self.col0}"

    @property
    def tiles(self) -> int:
        return (self.row1 - self.row0 + 1) * (self.col1 - self.col0 + 1)

    def addresses(self, tms: str) -> Iterator[TileAddress]:
        for row in range(self.row0, self.row1 + 1):
            for col in range(self.col0, self.col1 + 1):
                yield TileAddress(tms, self.z, row, col)


@dataclass
class SeedReport:
    total_tiles: int = 0
    #: Tiles of chunks the journal already had when the run started.
    skipped_tiles: int = 0
    done_tiles: int = 0
    rendered: int = 0
    pids: set[int] = field(default_factory=set)
    interrupted: bool = False
    errors: list[str] = field(default_factory=list)
    journal: Path | None = None


# -- parsing ------------------------------------------------------------------------------------------
def parse_zooms(text: str) -> tuple[int, ...]:
    """`5-12`, `8`, `5,7,9` or `5-8,12` → sorted distinct zooms."""
    zooms: set[int] = set()
    try:
        for part in text.split(","):
            low, dash, high = part.strip().partition("-")
            first, last = int(low), int(high if dash else low)
            if first > last or first < 0 or last > 30:
                raise ValueError
            zooms.update(range(first, last + 1))
    except ValueError:
        raise InvalidQuery(f"缩放级别格式错误 / zooms must look like 5-12, 8 or 5,7,9: {text!r}",
                           parameter="zooms") from None
    return tuple(sorted(zooms))


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """`minx,miny,maxx,maxy` in lon/lat degrees."""
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        raise InvalidQuery(f"范围须为 minx,miny,maxx,maxy（经纬度）/ bbox must be minx,miny,maxx,maxy in "
                           f"lon/lat: {text!r}", parameter="bbox") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise InvalidQuery(f"范围无效 / bbox out of range or empty: {text!r}", parameter="bbox")
    return (west, south, east, north)


# -- planning -------------------------------------------------------------------------------------------
def shown_layers(layers: Sequence[LayerDefinition], tms: str, z: int) -> list[LayerDefinition]:
    """The layers a tile of matrix `z` holds (the routers leave out layers outside their zoom range)."""
    shown = []
    for layer in layers:
        low, high = matrix_range(tms, layer.min_zoom, layer.max_zoom)
        if low <= z <= high:
            shown.append(layer)
    return shown


def tile_range(tms_id: str, bbox: tuple[float, float, float, float], z: int) -> tuple[int, int, int, int] | None:
    """(row0, col0, row1, col1) of the tiles of matrix `z` that the bbox covers, or None."""
    tms = get_tms(tms_id)
    if not tms.minzoom <= z <= tms.maxzoom:
        return None
    west, south, east, north = bbox
    top_left = tms.tile(west + _EPS, north - _EPS, z)
    bottom_right = tms.tile(east - _EPS, south + _EPS, z)
    matrix = tms.matrix(z)
    row0, row1 = max(0, top_left.y), min(matrix.matrixHeight - 1, bottom_right.y)
    col0, col1 = max(0, top_left.x), min(matrix.matrixWidth - 1, bottom_right.x)
    if row0 > row1 or col0 > col1:
        return None
    return row0, col0, row1, col1


def plan_chunks(job: SeedJob, layers: dict[str, LayerDefinition]) -> list[Chunk]:
    chunks = []
    for index, ids in enumerate(job.layer_sets):
        for z in job.zooms:
            if not shown_layers([layers[i] for i in ids], job.tms, z):
                continue
            bounds = tile_range(job.tms, job.bbox, z)
            if bounds is None:
                continue
            row0, col0, row1, col1 = bounds
            for r in range(row0, row1 + 1, CHUNK):
                for c in range(col0, col1 + 1, CHUNK):
                    chunks.append(Chunk(index, z, r, c, min(r + CHUNK - 1, row1), min(c + CHUNK - 1, col1)))
    return chunks


def resolve_layers(job: SeedJob, registered: Sequence[LayerDefinition]) -> dict[str, LayerDefinition]:
    known = {layer.id: layer for layer in registered}
    missing = sorted({i for ids in job.layer_sets for i in ids} - set(known))
    if missing:
        raise LayerNotFound(f"图层不存在 / no collection with id {missing[0]!r}", parameter="layers")
    get_tms(job.tms)
    return known


def journal_path(settings: CacheSettings, namespace: str, job: SeedJob, layers: dict[str, LayerDefinition]) -> Path:
    root = settings.disk_dir or default_disk_dir() or Path("var/tiles")
    names = [layer_set_name([layers[i] for i in ids]) for ids in job.layer_sets]
    description = f"{namespace}|{job.tms}|{job.zooms}|{job.bbox}|{CHUNK}|{names}"
    digest = hashlib.blake2b(description.encode(), digest_size=10).hexdigest()
    return root / namespace / JOURNAL_DIR / f"{digest}.sqlite"


# -- running ----------------------------------------------------------------------------------------------
def _work(database_url: str, settings: CacheSettings, job: SeedJob, chunks: list[Chunk],
          messages: Any, stop: Any) -> None:
    """A worker process: render its chunks through a TileService (cache tiers included)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; we stop when `stop` is set
    pid = os.getpid()
    from layers.stores import open_store
    from tiles.service import TileService

    store = None
    service = None
    try:
        store = open_store(database_url)
        layers = {layer.id: layer for layer in store.load_layer_definitions()}
        service = TileService(store, settings)
        for chunk in chunks:
            shown = shown_layers([layers[i] for i in job.layer_sets[chunk.set_index]], job.tms, chunk.z)
            before = service.rendered
            for address in chunk.addresses(job.tms):
                if stop.is_set():
                    return
                service.tile(shown, address)
            messages.put(("done", pid, chunk.id, chunk.tiles, service.rendered - before))
    except BaseException as exc:  # reported to the parent, which shows it and exits non-zero
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        messages.put(("failed", pid, message))
    finally:
        if service is not None:
            service.close()
        if store is not None:
            store.close()
        messages.put(("exit", pid))


def run_seed(job: SeedJob, database_url: str, settings: CacheSettings, *, workers: int = 2,
             on_start: Callable[[SeedReport], None] | None = None,
             on_progress: Callable[[int, int], None] | None = None) -> SeedReport:
    """Seed the cache; `on_start(report)` once the plan is known, `on_progress(tiles, rendered)` per chunk."""
    from layers.stores import open_store
    from tiles.cache.tiered import namespace

    if settings.disk_dir is None and not settings.redis_url:
        raise InvalidQuery("没有可预生成的缓存（磁盘与 Redis 均已关闭）/ nothing to seed into: the disk and Redis "
                           "tiers are both off", parameter="cache")
    store = open_store(database_url)
    try:
        layers = resolve_layers(job, store.load_layer_definitions())
        space = namespace(store)
    finally:
        store.close()
    chunks = plan_chunks(job, layers)
    report = SeedReport(total_tiles=sum(chunk.tiles for chunk in chunks))
    report.journal = journal_path(settings, space, job, layers)
    journal = Journal(report.journal, repr(job))
    try:
        done = journal.done()
        todo = [chunk for chunk in chunks if chunk.id not in done]
        report.skipped_tiles = report.total_tiles - sum(chunk.tiles for chunk in todo)
        if on_start is not None:
            on_start(report)
        if todo:
            _run_workers(job, database_url, replace(settings, memory_bytes=0), todo, max(1, workers),
                         journal, report, on_progress)
    finally:
        journal.close()
    return report


def _run_workers(job: SeedJob, database_url: str, settings: CacheSettings, todo: list[Chunk], workers: int,
                 journal: Journal, report: SeedReport, on_progress: Callable[[int, int], None] | None) -> None:
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    stop = context.Event()
    shares = [share for share in (todo[i::workers] for i in range(workers)) if share]
    processes = [context.Process(target=_work, args=(database_url, settings, job, share, messages, stop),
                                 name=f"onemap-seed-{i}", daemon=True) for i, share in enumerate(shares)]
    for process in processes:
        process.start()
    running = len(processes)
    try:
        while running:
            try:
                running -= _handle(messages.get(timeout=0.5), journal, report, on_progress)
            except queue_module.Empty:
                if not any(process.is_alive() for process in processes):
                    break
            if report.errors:
                stop.set()
    except KeyboardInterrupt:
        report.interrupted = True
        stop.set()
        while running:  # the workers finish their current tile; a second Ctrl-C ends them at once
            try:
                running -= _handle(messages.get(timeout=0.5), journal, report, on_progress)
            except queue_module.Empty:
                if not any(process.is_alive() for process in processes):
                    break
            except KeyboardInterrupt:
                for process in processes:
                    process.terminate()
                break
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
        messages.close()
    expected = sum(chunk.tiles for chunk in todo)
    if not report.interrupted and not report.errors and report.done_tiles < expected:
        codes = ", ".join(str(process.exitcode) for process in processes)
        report.errors.append(f"工作进程意外退出 / worker processes ended before finishing (exit codes {codes})")


def _handle(message: tuple[Any, ...], journal: Journal, report: SeedReport,
            on_progress: Callable[[int, int], None] | None) -> int:
    """Book one worker message; 1 when it says the worker exited."""
    kind, pid = message[0], message[1]
    report.pids.add(pid)
    if kind == "done":
        _, _, chunk_id, tiles, rendered = message
        journal.mark([(chunk_id, tiles)])
        report.done_tiles += tiles
        report.rendered += rendered
        if on_progress is not None:
            on_progress(tiles, rendered)
    elif kind == "failed":
        report.errors.append(message[2])
    return 1 if kind == "exit" else 0
