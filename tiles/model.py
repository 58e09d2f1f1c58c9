"""The vocabulary of vector tiles: an address, what a renderer returns, what thinning did.

Renderers (`tiles/renderers/`) turn layers + an address into an MVT; the service
(`tiles/service.py`) adds the cache; routers in `gis_server` only speak these types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from layers.model import LayerDefinition

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
#: Every tile, gzip-compressed, stays at or under this size at every zoom.
MAX_TILE_BYTES = 500 * 1024
#: gzip level of every served tile; the size budget measures with the same level.
TILE_GZIP_LEVEL = 6
#: MVT extent (tile coordinate space) used everywhere.
EXTENT = 4096


@dataclass(frozen=True, slots=True)
class TileAddress:
    """One tile of a tile matrix set, in OGC order: zoom (tile matrix id), row, column."""

    tms: str
    z: int
    row: int
    col: int


@dataclass(frozen=True, slots=True)
class LayerTileStats:
    """What one layer put into one tile: features written, features left out, and whether thinned."""

    features: int
    dropped: int = 0
    thinned: bool = False


@dataclass(frozen=True, slots=True)
class RenderedTile:
    """An uncompressed MVT 2.1 tile (may be empty bytes: a tile with no features) and its stats."""

    data: bytes
    layers: dict[str, LayerTileStats] = field(default_factory=dict)


class TileRenderer(Protocol):
    """Builds one tile for several layers at once (one MVT layer per registry layer, named by id)."""

    def render(self, layers: Sequence[LayerDefinition], address: TileAddress) -> RenderedTile: ...
