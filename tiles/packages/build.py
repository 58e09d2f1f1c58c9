"""Building a package: plan, render (both cores, resumable), then write the file in one go.

`build_package(request, database_url)`:

1. reads the chosen layers' data versions, plans the tiles (`plan.plan_package`) and opens the work
   file `<out>.work` (`workfile.WorkFile`) — resuming a build of the same request at the same data
   versions, or starting afresh;
2. renders the chunks not yet done in worker processes (`render.render_chunks`), storing each chunk
   with its tiles as it arrives and reporting progress; Ctrl-C stops after the workers' current tile
   and keeps everything finished;
3. writes the package (`container.create_package`): the tiles in (z, x, y) order, the style, sprites
   and glyphs (`style.style_parts`), any extra parts (field work), and the manifest with the hash of
   every part; the file appears under its name only when complete; then removes the work file and
   appends a `package_build` record (who, what, the file's SHA-256) to the store's audit trail.

`estimate(plan, database_url)` renders a few tiles per zoom to guess the size (for `--dry-run`).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import shapely

from layers.model import LayerDefinition
from layers.protect.audit_events import record_package_build
from tiles.cache.seed import CHUNK
from tiles.documents import vector_layer_json
from tiles.packages.area import Area
from tiles.packages.container import PackageMetadata, VectorLayer, create_package
from tiles.packages.manifest import MANIFEST_PART, Manifest, PackageLayer, new_package_id, now_text, sha256
from tiles.packages.plan import PackagePlan, plan_package
from tiles.packages.render import RenderRun, render_chunk, render_chunks
from tiles.packages.style import style_parts
from tiles.packages.workfile import WorkFile, tiles_digest

FORMATS = ("mbtiles", "pmtiles")
ATTRIBUTION = "吉林省交通运输厅 / Jilin Provincial Department of Transport"


@dataclass(frozen=True)
class BuildRequest:
    area: Area
    zooms: tuple[int, ...]
    layers: tuple[LayerDefinition, ...]
    fmt: str
    out: Path
    builder: str
    #: Extra file parts (name → bytes), e.g. the field-work GeoPackage, and what the manifest says of them.
    extra_parts: Mapping[str, bytes] = field(default_factory=dict)
    fieldwork: dict[str, object] | None = None
    #: The package id to give the manifest (a part that names its package — field work — needs it first).
    package_id: str | None = None


@dataclass
class BuildReport:
    plan: PackagePlan
    total_tiles: int = 0
    #: Tiles of chunks a resumed build found done.
    skipped_tiles: int = 0
    done_tiles: int = 0
    stored_tiles: int = 0
    interrupted: bool = False
    errors: list[str] = field(default_factory=list)
    resumed: bool = False
    manifest: Manifest | None = None
    path: Path | None = None
    seconds: float = 0.0


def work_path(out: Path) -> Path:
    return out.with_name(out.name + ".work")


def job_description(request: BuildRequest, versions: Mapping[str, int]) -> str:
    """What the work file must match to be resumed: format, zooms, area, layers and their versions, and
    what of each layer its requester sees (their views' rows, fields and masks)."""
    return orjson.dumps({
        "format": request.fmt, "zooms": list(request.zooms),
        "area": sha256(shapely.to_wkb(request.area.geometry, output_dimension=2)),
        "layers": [[layer.id, versions.get(layer.id, -1)] for layer in request.layers],
        "views": [sha256(_seen(layer).encode()) for layer in request.layers],
    }).decode()


def _seen(layer: LayerDefinition) -> str:
    fields = [f"{spec.name}{'*' if spec.masked else ''}" for spec in layer.fields]
    return orjson.dumps({"rows": layer.row_filter, "fields": fields}).decode()


def _versions(database_url: str, layer_ids: list[str]) -> dict[str, int]:
    from layers.stores import open_store

    store = open_store(database_url)
    try:
        current = store.layer_versions()
    finally:
        store.close()
    return {layer_id: current.get(layer_id, 0) for layer_id in layer_ids}


def build_package(request: BuildRequest, database_url: str, *, workers: int | None = None,
                  on_start: Callable[[BuildReport], None] | None = None,
                  on_progress: Callable[[int], None] | None = None) -> BuildReport:
    if request.fmt not in FORMATS:
        raise ValueError(f"不支持的格式 / unsupported format {request.fmt!r}; use mbtiles or pmtiles")
    started = time.perf_counter()
    plan = plan_package(request.area, request.zooms, request.layers)
    versions = _versions(database_url, [layer.id for layer in request.layers])
    report = BuildReport(plan, total_tiles=plan.tile_count)
    request.out.parent.mkdir(parents=True, exist_ok=True)
    work = WorkFile(work_path(request.out), job_description(request, versions))
    try:
        done = work.done()
        todo = [chunk for chunk in plan.chunks if chunk.id not in done]
        report.resumed = work.resumed
        report.skipped_tiles = report.total_tiles - sum(chunk.count for chunk in todo)
        if on_start is not None:
            on_start(report)
        run = RenderRun()
        chunks = render_chunks(database_url, tuple(request.layers), todo,
                               workers or os.cpu_count() or 2, run)
        try:
            for chunk_id, planned, tiles in chunks:
                work.add_chunk(chunk_id, planned, tiles)
                report.done_tiles += planned
                if on_progress is not None:
                    on_progress(planned)
        except KeyboardInterrupt:
            run.interrupted = True
        finally:
            chunks.close()
        report.interrupted, report.errors = run.interrupted, run.errors
        if run.interrupted or run.errors or report.done_tiles + report.skipped_tiles < report.total_tiles:
            if not run.interrupted and not run.errors:
                report.errors.append("工作进程意外退出 / the workers ended before finishing")
            work.close()
            return report
        report.manifest = write_package(work, request, versions)
        report.stored_tiles = report.manifest.tile_count
        report.path = request.out
    except BaseException:
        work.close()
        raise
    work.remove()
    record_package_build(database_url, path=request.out, manifest=report.manifest)  # the audit trail
    report.seconds = time.perf_counter() - started
    return report


def package_metadata(request: BuildRequest, manifest: Manifest) -> PackageMetadata:
    west, south, east, north = request.area.bbox
    layers = tuple(VectorLayer(**vector_layer_json(layer)) for layer in request.layers)
    return PackageMetadata(
        name=f"{request.area.name} 离线包 / offline package",
        description="、".join(layer.title_zh for layer in request.layers),
        bounds=(west, south, east, north),
        center=((west + east) / 2, (south + north) / 2, min(request.zooms)),
        min_zoom=min(request.zooms), max_zoom=max(request.zooms),
        vector_layers=layers, attribution=ATTRIBUTION,
        extra={"package_id": manifest.package_id, "kind": manifest.kind, "manifest": MANIFEST_PART},
    )


def write_package(work: WorkFile, request: BuildRequest, versions: Mapping[str, int], *,
                  package_id: str | None = None) -> Manifest:
    """The package file from a complete work file: tiles in order, parts, manifest last."""
    parts = dict(style_parts(request.layers, min(request.zooms), max(request.zooms), request.area.bbox))
    parts.update(request.extra_parts)
    manifest = Manifest(
        package_id=package_id or request.package_id or new_package_id(), kind="package", format=request.fmt,
        area=request.area.to_json(), zooms=list(request.zooms),
        layers=[PackageLayer.of(layer, versions[layer.id]) for layer in request.layers],
        tile_count=work.tile_count(),
        parts={"tiles": tiles_digest(work.tiles()), **{name: sha256(data) for name, data in sorted(parts.items())}},
        built_at=now_text(), builder=request.builder, fieldwork=request.fieldwork,
    )
    writer = create_package(request.out, request.fmt)
    try:
        writer.put_tiles(work.tiles())
        for name, data in parts.items():
            writer.put_file(name, data)
        writer.put_file(MANIFEST_PART, manifest.to_bytes())
        writer.finish(package_metadata(request, manifest))
    except BaseException:
        writer.abort()
        raise
    return manifest


@dataclass(frozen=True)
class Estimate:
    tiles: int
    tiles_by_zoom: dict[int, int]
    bytes: int
    sampled: int


def estimate(plan: PackagePlan, database_url: str, *, per_zoom: int = 12, seed: int = 1) -> Estimate:
    """Tile count, and a size guessed from up to `per_zoom` rendered sample tiles of every zoom."""
    from layers.stores import open_store
    from tiles.renderers import renderer_for

    rng = random.Random(seed)
    counts = plan.count_by_zoom()
    store = open_store(database_url)
    renderer = renderer_for(store)
    total = 0.0
    sampled = 0
    try:
        for z in plan.zooms:
            chunks = [chunk for chunk in plan.chunks if chunk.z == z]
            picks = rng.sample(chunks, min(per_zoom, len(chunks)))
            sizes: list[int] = []
            for chunk in picks:
                single = next(iter(chunk.tiles()))
                bit = (single[0] - chunk.row0) * CHUNK + (single[1] - chunk.col0)
                tiles = render_chunk(renderer, list(plan.layers), type(chunk)(z, chunk.row0, chunk.col0, 1 << bit))
                sizes.append(sum(len(tile[3]) for tile in tiles or []))
            sampled += len(sizes)
            if sizes:
                total += sum(sizes) / len(sizes) * counts[z]
    finally:
        close = getattr(renderer, "close", None)
        if callable(close):
            close()
        store.close()
    return Estimate(plan.tile_count, counts, int(total), sampled)


__all__ = ["FORMATS", "BuildReport", "BuildRequest", "Estimate", "build_package", "estimate", "job_description",
           "package_metadata", "work_path", "write_package"]
