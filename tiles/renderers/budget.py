"""The tile size budget, shared by every renderer: no tile over `MAX_TILE_BYTES` gzip-compressed.

`fit_to_budget(render, limits)` calls `render(limits)` (layer id → most features of that layer in
the tile), measures the result and, while it is over the budget, cuts the feature limit of the
layer that takes the most bytes (ties: the most features) and renders again. The cut starts from
what the layer wrote (not its nominal limit) and scales it by 0.9 × budget / size — one render
usually lands just under the budget, where plain halving would leave a tile half as full after
as many renders — and takes off at least a tenth. Layers it cut are marked `thinned` in the
tile's stats. Renderers apply their thinning rules and priority order for a given limit; this
loop only chooses limits.

Measuring is cheap in the common case: a tile whose raw size, plus gzip's worst-case overhead,
is within the budget is never compressed here. Per-layer sizes are read from the MVT's top-level
protobuf fields (each `Tile.layers` entry is one length-delimited field 3), so any renderer works.
"""

from __future__ import annotations

import dataclasses
import gzip
from collections.abc import Callable, Generator, Mapping

from tiles.model import MAX_TILE_BYTES, TILE_GZIP_LEVEL, LayerTileStats, RenderedTile

#: Renders a tile with these per-layer feature limits (layer id → limit; 0 leaves the layer out).
RenderFn = Callable[[Mapping[str, int]], RenderedTile]



def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=TILE_GZIP_LEVEL, mtime=0))


def surely_fits(data: bytes, max_bytes: int = MAX_TILE_BYTES) -> bool:
    """True when `data` cannot exceed `max_bytes` once gzipped, whatever it holds.

    Deflate's worst case is stored blocks: 5 bytes per 64 KiB block, plus 18 bytes of gzip framing.
    """
    return len(data) + len(data) // 1000 + 64 <= max_bytes


def compressed_size(data: bytes, max_bytes: int = MAX_TILE_BYTES) -> int:
    """The gzip size of `data`, or its raw size when that alone proves it fits (no compression run)."""
    return len(data) if surely_fits(data, max_bytes) else gzip_size(data)


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _skip(data: bytes, pos: int, wire: int) -> int:
    if wire == 0:
        return _varint(data, pos)[1]
    if wire == 1:
        return pos + 8
    if wire == 2:
        length, pos = _varint(data, pos)
        return pos + length
    if wire == 5:
        return pos + 4
    raise ValueError(f"unsupported protobuf wire type {wire}")


def _layer_name(data: bytes, pos: int, end: int) -> str:
    while pos < end:
        key, pos = _varint(data, pos)
        if key == (1 << 3 | 2):  # Layer.name
            length, pos = _varint(data, pos)
            return data[pos:pos + length].decode("utf-8")
        pos = _skip(data, pos, key & 7)
    return ""


def layer_sizes(data: bytes) -> dict[str, int]:
    """Bytes of each MVT layer in an encoded tile, by layer name."""
    sizes: dict[str, int] = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        if key == (3 << 3 | 2):  # Tile.layers
            length, pos = _varint(data, pos)
            name = _layer_name(data, pos, pos + length)
            sizes[name] = sizes.get(name, 0) + length
            pos += length
        else:
            pos = _skip(data, pos, key & 7)
    return sizes


#: The fraction of the budget a cut aims at (compressed size is not quite proportional to features).
TARGET = 0.9


def _next_limit(current: int, written: int, size: int, max_bytes: int) -> int:
    """What the layer wrote, scaled to the budget with a margin, and at least a tenth less."""
    base = min(current, written)
    return max(0, min(int(base * TARGET), int(base * TARGET * max_bytes / size)))


#: The budget loop as a generator: it yields the limits to render with, is sent each rendered tile,
#: and returns the tile that fits. `fit_to_budget` drives it synchronously; an async renderer drives
#: it with awaited renders (see `tiles.renderers.postgis_async`).
BudgetSteps = Generator[dict[str, int], RenderedTile, RenderedTile]


def budget_steps(limits: Mapping[str, int], max_bytes: int = MAX_TILE_BYTES) -> BudgetSteps:
    """Limits to render with, cutting the heaviest layer's limit until the tile fits `max_bytes` gzipped."""
    current = dict(limits)
    cut: set[str] = set()
    tile = yield dict(current)
    size = compressed_size(tile.data, max_bytes)
    while size > max_bytes:
        sizes = layer_sizes(tile.data)
        stats = tile.layers
        candidates = [layer_id for layer_id in sizes if current.get(layer_id, 0) > 0]
        if not candidates:  # nothing left that a limit controls; cannot happen with our renderers
            break
        heaviest = max(candidates, key=lambda layer_id: (
            sizes[layer_id], stats[layer_id].features if layer_id in stats else 0))
        written = stats[heaviest].features if heaviest in stats else current[heaviest]
        current[heaviest] = _next_limit(current[heaviest], written, size, max_bytes)
        cut.add(heaviest)
        tile = yield dict(current)
        size = compressed_size(tile.data, max_bytes)
    if not cut:
        return tile
    layers = dict(tile.layers)
    for layer_id in cut:
        layers[layer_id] = dataclasses.replace(layers.get(layer_id, LayerTileStats(0)), thinned=True)
    return RenderedTile(tile.data, layers)


def fit_to_budget(render: RenderFn, limits: Mapping[str, int],
                  max_bytes: int = MAX_TILE_BYTES) -> RenderedTile:
    """Render with `limits`, cutting the heaviest layer's limit until the tile fits `max_bytes` gzipped."""
    steps = budget_steps(limits, max_bytes)
    current = next(steps)
    while True:
        try:
            current = steps.send(render(current))
        except StopIteration as done:
            return done.value


__all__ = ["BudgetSteps", "RenderFn", "budget_steps", "compressed_size", "fit_to_budget", "gzip_size", "layer_sizes",
           "surely_fits"]
