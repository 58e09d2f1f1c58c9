"""The tile service: cache in front of the renderer; what the HTTP routers call.

`TileService.tile(layers, address)` returns the gzip-compressed tile and its ETag. The cache
(memory, disk, Redis when configured) is keyed by the layers' data versions and invalidated
by edits (see `tiles/cache/`).
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from layers.model import LayerDefinition
from layers.stores.base import FeatureStore
from tiles.model import RenderedTile, TileAddress
from tiles.renderers import renderer_for


@dataclass(frozen=True, slots=True)
class TileResponse:
    """A gzip-compressed MVT (`gzip_body`), its ETag, and whether the tile holds no features."""

    gzip_body: bytes
    etag: str
    empty: bool


def compress(tile: RenderedTile) -> TileResponse:
    body = gzip.compress(tile.data, compresslevel=6, mtime=0)
    etag = '"' + hashlib.blake2b(tile.data, digest_size=12).hexdigest() + '"'
    return TileResponse(body, etag, empty=not tile.data)


class TileService:
    def __init__(self, store: FeatureStore) -> None:
        self.store = store
        self.renderer = renderer_for(store)

    def tile(self, layers: Sequence[LayerDefinition], address: TileAddress) -> TileResponse:
        return compress(self.renderer.render(layers, address))
