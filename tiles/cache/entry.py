"""A cached tile: the compressed response plus the layers' data versions it was rendered at.

`pack`/`unpack` give the byte form kept on disk and in Redis:
magic `OMT1`, flags (bit 0: empty tile), the number of versions, the versions (int64 each),
the ETag's length and the ETag, then the gzip body.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from tiles.cache.response import TileResponse

MAGIC = b"OMT1"
_HEAD = struct.Struct("<4sBH")
_VERSION = struct.Struct("<q")


@dataclass(frozen=True, slots=True)
class CacheEntry:
    response: TileResponse
    #: The data version of each layer of the key's layer set, in the same order.
    versions: tuple[int, ...]

    @property
    def nbytes(self) -> int:
        """Roughly what the entry holds in memory (body, ETag and object overhead)."""
        return len(self.response.gzip_body) + len(self.response.etag) + 200 + 8 * len(self.versions)

    def restamped(self, versions: tuple[int, ...]) -> CacheEntry:
        return CacheEntry(self.response, versions)


def pack(entry: CacheEntry) -> bytes:
    response = entry.response
    etag = response.etag.encode()
    parts = [_HEAD.pack(MAGIC, 1 if response.empty else 0, len(entry.versions))]
    parts.extend(_VERSION.pack(version) for version in entry.versions)
    parts.append(bytes([len(etag)]))
    parts.append(etag)
    parts.append(response.gzip_body)
    return b"".join(parts)


def unpack(data: bytes) -> CacheEntry | None:
    """The entry, or None for bytes that are not one (a foreign or truncated file)."""
    try:
        magic, flags, count = _HEAD.unpack_from(data, 0)
        if magic != MAGIC:
            return None
        offset = _HEAD.size
        versions = tuple(_VERSION.unpack_from(data, offset + i * _VERSION.size)[0] for i in range(count))
        offset += count * _VERSION.size
        length = data[offset]
        etag = data[offset + 1: offset + 1 + length].decode()
        body = data[offset + 1 + length:]
    except (struct.error, IndexError, UnicodeDecodeError):
        return None
    if len(etag) != length or not body:
        return None
    return CacheEntry(TileResponse(bytes(body), etag, empty=bool(flags & 1)), versions)
