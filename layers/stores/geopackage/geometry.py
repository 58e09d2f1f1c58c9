"""GeoPackage binary geometry (GPB): the standard header wrapped around ISO WKB.

Header: magic ``GP``, version 0, a flags byte (bit 0 byte order, bits 1-3 envelope kind,
bit 4 empty, bit 5 extended), the ``srs_id`` and an optional envelope (minx, maxx, miny, maxy
[, z…, m…]). Encoding always writes a little-endian xy envelope so that the R-tree trigger
functions read bounds from the header without parsing the WKB. Decoding accepts either
byte order and every envelope kind another writer (GDAL, QGIS) may use.

May import: shapely, numpy.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

MAGIC = b"GP"
#: Envelope kind (flags bits 1-3) → number of doubles it holds.
_ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}
_FLAG_LITTLE_ENDIAN = 0x01
_FLAG_XY_ENVELOPE = 0x02  # envelope kind 1 shifted into bits 1-3
_FLAG_EMPTY = 0x10
_HEADER_XY = struct.Struct("<2sBBi4d")
_NAN_ENVELOPE = (math.nan, math.nan, math.nan, math.nan)


class GeometryBlobError(ValueError):
    """A blob that is not a GeoPackage geometry."""


def encode(geometry: BaseGeometry, srs_id: int) -> bytes:
    """One shapely geometry → a GeoPackage geometry blob with an xy envelope."""
    return encode_many([geometry], srs_id)[0]


def encode_many(geometries: Sequence[BaseGeometry] | np.ndarray, srs_id: int) -> list[bytes]:
    """Many geometries at once (WKB and bounds computed vectorised)."""
    array = np.asarray(geometries, dtype=object)
    if array.size == 0:
        return []
    wkbs = shapely.to_wkb(array, byte_order=1, output_dimension=2, flavor="iso")
    bounds = shapely.bounds(array)
    empty = shapely.is_empty(array)
    pack = _HEADER_XY.pack
    out: list[bytes] = []
    for wkb, (minx, miny, maxx, maxy), is_empty in zip(wkbs, bounds.tolist(), empty.tolist(), strict=True):
        if is_empty:
            flags = _FLAG_LITTLE_ENDIAN | _FLAG_XY_ENVELOPE | _FLAG_EMPTY
            out.append(pack(MAGIC, 0, flags, srs_id, *_NAN_ENVELOPE) + wkb)
        else:
            out.append(pack(MAGIC, 0, _FLAG_LITTLE_ENDIAN | _FLAG_XY_ENVELOPE, srs_id,
                            minx, maxx, miny, maxy) + wkb)
    return out


def _parse_header(blob: bytes) -> tuple[int, int, int, tuple[float, ...]]:
    """(flags, srs_id, wkb offset, envelope doubles) of a blob."""
    if len(blob) < 8 or blob[:2] != MAGIC:
        raise GeometryBlobError("not a GeoPackage geometry blob (missing 'GP' magic)")
    flags = blob[3]
    order = "<" if flags & _FLAG_LITTLE_ENDIAN else ">"
    kind = (flags >> 1) & 0x07
    count = _ENVELOPE_DOUBLES.get(kind)
    if count is None:
        raise GeometryBlobError(f"invalid GeoPackage envelope indicator {kind}")
    (srs_id,) = struct.unpack_from(order + "i", blob, 4)
    envelope = struct.unpack_from(f"{order}{count}d", blob, 8) if count else ()
    return flags, srs_id, 8 + 8 * count, envelope


def srs_id_of(blob: bytes) -> int:
    return _parse_header(blob)[1]


_STANDARD_FLAGS = bytes([_FLAG_LITTLE_ENDIAN | _FLAG_XY_ENVELOPE])
_XY_ENVELOPE = struct.Struct("<4d")


def is_empty(blob: bytes) -> bool:
    """The header's empty flag (or, for a writer that did not set it, an empty WKB)."""
    if blob[3:4] == _STANDARD_FLAGS and blob[:2] == MAGIC:  # what `encode` writes: non-empty, xy envelope
        return False
    flags, _, offset, env = _parse_header(blob)
    if flags & _FLAG_EMPTY:
        return True
    if env and not math.isnan(env[0]):
        return False
    return bool(shapely.is_empty(shapely.from_wkb(blob[offset:])))


def envelope(blob: bytes) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) from the header, or from the WKB when the header has none; None if empty."""
    if blob[3:4] == _STANDARD_FLAGS and blob[:2] == MAGIC:  # fast path for what `encode` writes
        minx, maxx, miny, maxy = _XY_ENVELOPE.unpack_from(blob, 8)
        return (minx, maxx, miny, maxy)
    flags, _, offset, env = _parse_header(blob)
    if flags & _FLAG_EMPTY:
        return None
    if env:
        minx, maxx, miny, maxy = env[:4]
        if not math.isnan(minx):
            return (minx, maxx, miny, maxy)
    geometry = shapely.from_wkb(blob[offset:])
    if geometry.is_empty:
        return None
    x0, y0, x1, y1 = geometry.bounds
    return (x0, x1, y0, y1)


def decode(blob: bytes) -> BaseGeometry:
    """A GeoPackage geometry blob → shapely geometry."""
    _, _, offset, _ = _parse_header(blob)
    return shapely.from_wkb(blob[offset:])


def decode_many(blobs: Sequence[bytes | None]) -> np.ndarray:
    """Many blobs → an object array of shapely geometries (None stays None)."""
    wkbs: list[Any] = []
    for blob in blobs:
        if blob is None:
            wkbs.append(None)
        else:
            wkbs.append(blob[_parse_header(blob)[2]:])
    if not wkbs:
        return np.empty(0, dtype=object)
    return shapely.from_wkb(np.asarray(wkbs, dtype=object))


def bare_header(srs_id: int, flags: int = _FLAG_LITTLE_ENDIAN) -> bytes:
    """A header without envelope, in the byte order `flags` names (to mimic other writers)."""
    order = "<" if flags & _FLAG_LITTLE_ENDIAN else ">"
    return struct.pack(f"{order}2sBBi", MAGIC, 0, flags & ~0x0E, srs_id)
