"""Incremental updates: a patch of only the tiles whose data changed since a package was built.

`build_patch(package, database_url, out)` reads the package's manifest (the data version of each
layer it was built from), asks the store's edit log what changed since (`edits_since`: the box of
each edit, or "the whole layer"), and takes as candidates the package's tiles whose influence box
(`tiles.cache.bounds.influence_box`: the tile plus the renderers' clip buffer — the same rule the
tile cache invalidates by) meets an edit, at every zoom of the package. It renders the candidates
and keeps those whose bytes differ from the package's, plus those that became empty (deleted). The
patch is a package file of the same format holding those tiles, a manifest (`kind: patch`, the base
package id, the deleted tiles, the new data versions) and the manifest of the package it produces.

`apply_patch(package, patch, out)` writes that package: the base's tiles with the patch's replaced
and deleted, the base's other parts, the new manifest — and checks the result's tile hash against
the one the patch promised, so the updated package is byte-for-byte what a fresh build of the same
area at the same data versions holds (tested), or the patch is refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import shapely

from layers.model import LayerDefinition
from tiles.cache.bounds import influence_box
from tiles.cache.seed import CHUNK, tile_range
from tiles.model import TileAddress
from tiles.packages.area import Area
from tiles.packages.container import PackageError, PackageMetadata, create_package, open_package
from tiles.packages.inspect import manifest_of, problems_of
from tiles.packages.manifest import MANIFEST_PART, Manifest, new_package_id, now_text, sha256
from tiles.packages.plan import TMS, PackageChunk, area_chunks, tile_boxes
from tiles.packages.render import RenderRun, render_chunk, render_chunks
from tiles.packages.workfile import Tile, tiles_digest

RESULT_MANIFEST = "result/manifest.json"
#: Candidates rendered in this process; more go to worker processes.
IN_PROCESS = 256

TileKey = tuple[int, int, int]  # z, x (col), y (row)


@dataclass
class PatchReport:
    base_id: str
    candidates: int
    changed: int
    deleted: int
    path: Path
    result: Manifest


def _area(manifest: Manifest) -> Area:
    return Area(manifest.area["name"], shapely.geometry.shape(manifest.area["geometry"]))


def _in_area(manifest: Manifest, keys: Iterable[TileKey]) -> set[TileKey]:
    """The keys whose tile meets the package's area (the planning rule, `plan.tile_boxes`)."""
    area = _area(manifest).geometry
    shapely.prepare(area)
    hits: set[TileKey] = set()
    by_zoom: dict[int, list[TileKey]] = {}
    for key in keys:
        by_zoom.setdefault(key[0], []).append(key)
    for z, at_z in by_zoom.items():
        boxes = tile_boxes(z, np.array([key[2] for key in at_z]), np.array([key[1] for key in at_z]))
        hits.update(key for key, hit in zip(at_z, shapely.intersects(area, boxes), strict=True) if hit)
    return hits


def _all_tiles(manifest: Manifest) -> set[TileKey]:
    area = _area(manifest)
    return {(chunk.z, col, row) for z in manifest.zooms for chunk in area_chunks(area, z) for row, col in chunk.tiles()}


def candidate_tiles(manifest: Manifest, edits: dict[str, list[tuple[int, tuple[float, float, float, float] | None]]]
                    ) -> set[TileKey]:
    """The package's tiles an edit since its data versions can have changed."""
    boxes = [box for entries in edits.values() for _, box in entries]
    if any(box is None for box in boxes):
        return _all_tiles(manifest)
    found: set[TileKey] = set()
    for z in manifest.zooms:
        for box in boxes:
            assert box is not None
            bounds = tile_range(TMS, box, z)
            if bounds is None:
                continue
            row0, col0, row1, col1 = bounds
            for row in range(max(0, row0 - 1), min(2 ** z - 1, row1 + 1) + 1):
                for col in range(max(0, col0 - 1), min(2 ** z - 1, col1 + 1) + 1):
                    west, south, east, north = influence_box(TileAddress(TMS, z, row, col))
                    if west <= box[2] and box[0] <= east and south <= box[3] and box[1] <= north:
                        found.add((z, col, row))
    return _in_area(manifest, found)


def _chunks(keys: Iterable[TileKey]) -> list[PackageChunk]:
    masks: dict[tuple[int, int, int], int] = {}
    for z, col, row in keys:
        origin = (z, row - row % CHUNK, col - col % CHUNK)
        masks[origin] = masks.get(origin, 0) | 1 << ((row % CHUNK) * CHUNK + col % CHUNK)
    return [PackageChunk(z, row0, col0, mask) for (z, row0, col0), mask in sorted(masks.items())]


def render_tiles(database_url: str, layers: list[LayerDefinition], keys: set[TileKey],
                 workers: int | None = None) -> dict[TileKey, bytes]:
    """The current tiles at `keys` (gzip MVT); empty tiles are absent."""
    chunks = _chunks(keys)
    rendered: list[Tile] = []
    if len(keys) <= IN_PROCESS:
        from layers.stores import open_store
        from tiles.renderers import renderer_for

        store = open_store(database_url)
        renderer = renderer_for(store)
        try:
            for chunk in chunks:
                rendered += render_chunk(renderer, layers, chunk) or []
        finally:
            close = getattr(renderer, "close", None)
            if callable(close):
                close()
            store.close()
    else:
        run = RenderRun()
        for _, _, tiles in render_chunks(database_url, tuple(layers), chunks,
                                         workers or os.cpu_count() or 2, run):
            rendered += tiles
        if run.errors or run.interrupted:
            raise PackageError(f"渲染失败 / rendering failed: {(run.errors or ['interrupted'])[0]}")
    return {(z, x, y): data for z, x, y, data in rendered}


def build_patch(package: Path, database_url: str, out: Path, *, workers: int | None = None,
                layers: Sequence[LayerDefinition] | None = None) -> PatchReport:
    """The patch of `package` up to the data as it is now, rendered with `layers` when given (the views
    of the requester the package was built for, so the patch holds what the package holds) or else
    the layers' declarations."""
    from layers.protect.audit_events import record_package_build
    from layers.stores import open_store

    with open_package(package) as reader:
        manifest = manifest_of(reader)
        if manifest.kind != "package":
            raise PackageError(f"只能为离线包制作更新 / not a package but a {manifest.kind}: {package}")
        problems = problems_of(reader, manifest)
        if problems:
            raise PackageError(f"离线包已损坏 / the package is damaged: {problems[0]}")
        store = open_store(database_url)
        try:
            known = {layer.id: layer for layer in store.load_layer_definitions()}
            missing = [layer.id for layer in manifest.layers if layer.id not in known]
            if missing:
                raise PackageError(f"离线包的图层已不存在 / the package's layer {missing[0]!r} no longer exists")
            current = store.layer_versions()
            edits = {layer.id: store.edits_since(layer.id, layer.data_version) for layer in manifest.layers
                     if current.get(layer.id, 0) != layer.data_version}
        finally:
            store.close()
        views = {layer.id: layer for layer in layers or ()}
        chosen = [views.get(layer.id) or known[layer.id] for layer in manifest.layers]
        candidates = candidate_tiles(manifest, edits) if edits else set()
        fresh = render_tiles(database_url, chosen, candidates, workers)
        changed = {key: data for key, data in fresh.items() if reader.tile(*key) != data}
        deleted = sorted(key for key in candidates if key not in fresh and reader.tile(*key) is not None)
        result_tiles = {(z, x, y): data for z, x, y, data in reader.tiles()}
        result_tiles.update(changed)
        for key in deleted:
            result_tiles.pop(key, None)
        versions = [replace(layer, data_version=current.get(layer.id, layer.data_version))
                    for layer in manifest.layers]
        result = replace(manifest, package_id=new_package_id(), layers=versions, tile_count=len(result_tiles),
                         parts={**manifest.parts, "tiles": tiles_digest((*k, v) for k, v in result_tiles.items())},
                         built_at=now_text())
        patch_parts = {RESULT_MANIFEST: result.to_bytes()}
        patch = replace(manifest, package_id=new_package_id(), kind="patch", base=manifest.package_id,
                        layers=versions, tile_count=len(changed), deleted=[list(key) for key in deleted],
                        parts={"tiles": tiles_digest((*k, v) for k, v in changed.items()),
                               RESULT_MANIFEST: sha256(patch_parts[RESULT_MANIFEST])},
                        built_at=now_text(), fieldwork=None)
        metadata = reader.metadata
    _write(out, manifest.format, sorted(changed.items()), {**patch_parts, MANIFEST_PART: patch.to_bytes()},
           replace(metadata, extra={**metadata.extra, "package_id": patch.package_id, "kind": "patch"}))
    record_package_build(database_url, path=out, manifest=patch)  # the audit trail
    return PatchReport(manifest.package_id, len(candidates), len(changed), len(deleted), out, result)


def _write(out: Path, fmt: str, tiles: Iterable[tuple[TileKey, bytes]], parts: dict[str, bytes],
           metadata: PackageMetadata) -> None:
    writer = create_package(out, fmt)
    try:
        writer.put_tiles((z, x, y, data) for (z, x, y), data in tiles)
        for name, data in parts.items():
            writer.put_file(name, data)
        writer.finish(metadata)
    except BaseException:
        writer.abort()
        raise


def apply_patch(package: Path, patch: Path, out: Path) -> Manifest:
    with open_package(patch) as patch_reader:
        patch_manifest = manifest_of(patch_reader)
        if patch_manifest.kind != "patch":
            raise PackageError(f"不是更新包 / not a patch: {patch}")
        problems = problems_of(patch_reader, patch_manifest)
        if problems:
            raise PackageError(f"更新包已损坏 / the patch is damaged: {problems[0]}")
        result_bytes = patch_reader.file(RESULT_MANIFEST)
        assert result_bytes is not None
        result = Manifest.from_bytes(result_bytes)
        replaced = {(z, x, y): data for z, x, y, data in patch_reader.tiles()}
    with open_package(package) as reader:
        manifest = manifest_of(reader)
        if manifest.package_id != patch_manifest.base:
            raise PackageError(f"更新包不适用于此离线包 / the patch is for package {patch_manifest.base}, "
                               f"not {manifest.package_id}")
        tiles = {(z, x, y): data for z, x, y, data in reader.tiles()}
        parts = {name: data for name in reader.files() if name != MANIFEST_PART
                 for data in [reader.file(name)] if data is not None}
        metadata = reader.metadata
    tiles.update(replaced)
    for key in patch_manifest.deleted:
        tiles.pop((key[0], key[1], key[2]), None)
    if tiles_digest((*k, v) for k, v in tiles.items()) != result.parts.get("tiles"):
        raise PackageError("应用更新后的瓦片与更新包所述不符 / the patched tiles differ from what the patch promised")
    _write(out, manifest.format, sorted(tiles.items()), {**parts, MANIFEST_PART: result.to_bytes()},
           replace(metadata, extra={**metadata.extra, "package_id": result.package_id}))
    return result


__all__ = ["RESULT_MANIFEST", "PatchReport", "apply_patch", "build_patch", "candidate_tiles", "render_tiles"]
