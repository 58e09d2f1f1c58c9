"""What a tile request gets: the gzip-compressed MVT, its ETag, and whether it holds no features.

Defined here (and re-exported by `tiles.service`) so the cache tiers can build responses without
importing the service.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass

from tiles.model import TILE_GZIP_LEVEL, RenderedTile


@dataclass(frozen=True, slots=True)
class TileResponse:
    """A gzip-compressed MVT (`gzip_body`), its ETag, and whether the tile holds no features."""

    gzip_body: bytes
    etag: str
    empty: bool


def compress(tile: RenderedTile) -> TileResponse:
    """gzip the tile (fixed mtime: same tile, same bytes); the ETag is a hash of the MVT itself,
    so a tile re-rendered after an edit elsewhere keeps its ETag and clients keep their 304s."""
    body = gzip.compress(tile.data, compresslevel=TILE_GZIP_LEVEL, mtime=0)
    etag = '"' + hashlib.blake2b(tile.data, digest_size=12).hexdigest() + '"'
    return TileResponse(body, etag, empty=not tile.data)
