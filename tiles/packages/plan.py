"""Which tiles a package holds: the WebMercatorQuad tiles of its zooms that touch its area.

`plan_package(area, zooms, layers)` checks the request (at least one layer; every zoom inside some
layer's zoom range) and cuts the work into chunks of up to `CHUNK` × `CHUNK` tiles of one zoom, each
with a bit mask of the tiles whose box meets the area's polygon — so a prefecture's package holds
that prefecture, not its bounding box. Chunks are the unit of parallel work and of resuming.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from layers.errors import InvalidQuery
from layers.model import LayerDefinition
from tiles.cache.seed import CHUNK, shown_layers, tile_range
from tiles.matrix_sets import WEB_MERCATOR_QUAD
from tiles.packages.area import Area

TMS = WEB_MERCATOR_QUAD
#: Deepest zoom a package may hold (the layers' own limits are checked too).
MAX_ZOOM = 18


@dataclass(frozen=True, slots=True)
class PackageChunk:
    z: int
    row0: int
    col0: int
    #: Bit r * CHUNK + c is set when tile (row0 + r, col0 + c) is in the package.
    mask: int

    @property
    def id(self) -> str:
        return f"{self.z}/{self.row0}/{self.col0}"

    @property
    def count(self) -> int:
        return self.mask.bit_count()

    def tiles(self) -> Iterator[tuple[int, int]]:
        """(row, col) of every tile of the chunk in the package."""
        mask = self.mask
        while mask:
            low = mask & -mask
            bit = low.bit_length() - 1
            yield self.row0 + bit // CHUNK, self.col0 + bit % CHUNK
            mask ^= low


@dataclass(frozen=True)
class PackagePlan:
    area: Area
    zooms: tuple[int, ...]
    layers: tuple[LayerDefinition, ...]
    chunks: tuple[PackageChunk, ...]

    @property
    def tile_count(self) -> int:
        return sum(chunk.count for chunk in self.chunks)

    def shown(self, z: int) -> list[LayerDefinition]:
        return shown_layers(self.layers, TMS, z)

    def count_by_zoom(self) -> dict[int, int]:
        counts = dict.fromkeys(self.zooms, 0)
        for chunk in self.chunks:
            counts[chunk.z] += chunk.count
        return counts


def check_request(zooms: Sequence[int], layers: Sequence[LayerDefinition]) -> None:
    if not layers:
        raise InvalidQuery("须至少选择一个图层 / choose at least one layer", parameter="layers")
    if not zooms:
        raise InvalidQuery("须指定缩放级别 / give the zooms, e.g. 5-14", parameter="zooms")
    low = min(layer.min_zoom for layer in layers)
    high = min(MAX_ZOOM, max(layer.max_zoom for layer in layers))
    outside = [z for z in zooms if not shown_layers(layers, TMS, z) or z > MAX_ZOOM]
    if outside:
        names = ", ".join(str(z) for z in outside)
        raise InvalidQuery(f"缩放级别 {names} 超出所选图层的范围 {low}–{high} / zooms {names} are beyond the "
                           f"layers' limits {low}-{high}", parameter="zooms")


def area_chunks(area: Area, z: int) -> Iterator[PackageChunk]:
    bounds = tile_range(TMS, area.bbox, z)
    if bounds is None:
        return
    row0, col0, row1, col1 = bounds
    prepared = area.geometry
    shapely.prepare(prepared)
    for r in range(row0, row1 + 1, CHUNK):
        for c in range(col0, col1 + 1, CHUNK):
            rows = np.arange(r, min(r + CHUNK, row1 + 1))
            cols = np.arange(c, min(c + CHUNK, col1 + 1))
            rr, cc = np.meshgrid(rows, cols, indexing="ij")
            boxes = tile_boxes(z, rr.ravel(), cc.ravel())
            hits = shapely.intersects(prepared, boxes)
            mask = 0
            for row, col, hit in zip(rr.ravel(), cc.ravel(), hits, strict=True):
                if hit:
                    mask |= 1 << ((int(row) - r) * CHUNK + (int(col) - c))
            if mask:
                yield PackageChunk(z, r, c, mask)


def tile_boxes(z: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Lon/lat boxes of WebMercatorQuad tiles (vectorised: the Mercator inverse of the tile edges)."""
    n = 2.0 ** z
    west = cols / n * 360.0 - 180.0
    east = (cols + 1) / n * 360.0 - 180.0
    north = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * rows / n))))
    south = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * (rows + 1) / n))))
    return shapely.box(west, south, east, north)


def plan_package(area: Area, zooms: Sequence[int], layers: Sequence[LayerDefinition]) -> PackagePlan:
    check_request(zooms, layers)
    ordered = tuple(sorted(set(zooms)))
    chunks = tuple(chunk for z in ordered for chunk in area_chunks(area, z))
    return PackagePlan(area, ordered, tuple(layers), chunks)


__all__ = ["MAX_ZOOM", "TMS", "PackageChunk", "PackagePlan", "area_chunks", "check_request", "plan_package",
           "tile_boxes"]
