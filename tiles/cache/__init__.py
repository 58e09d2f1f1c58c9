"""The tile cache: memory (per process), disk (per host) and Redis (shared, when configured).

An entry is the gzip body, the ETag and the data versions of its layers when it was rendered.
A lookup with the current versions serves an entry that is current, or that no edit since its
versions touches (the stores' edit logs say what each write changed: the boxes of the old and
the new geometry of every feature), so an edit re-renders exactly the tiles its old and new
geometry touch, at every zoom, and nothing else. See docs/tile-cache.md.
"""

from tiles.cache.entry import CacheEntry
from tiles.cache.keys import LayerSets, TileKey
from tiles.cache.response import TileResponse, compress
from tiles.cache.settings import CacheSettings
from tiles.cache.tiered import TileCache

__all__ = ["CacheEntry", "CacheSettings", "LayerSets", "TileCache", "TileKey", "TileResponse", "compress"]
