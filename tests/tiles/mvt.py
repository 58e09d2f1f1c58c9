"""Helpers the tile tests share: decoding MVTs, tile addresses, where a lon/lat point must land."""

from __future__ import annotations

from typing import Any

import mapbox_vector_tile
import morecantile

from tiles.matrix_sets import get_tms
from tiles.model import EXTENT, TileAddress

WEB = "WebMercatorQuad"


def decode(data: bytes) -> dict[str, Any]:
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})


def address_at(lon: float, lat: float, z: int, tms_id: str = WEB) -> TileAddress:
    tile = get_tms(tms_id).tile(lon, lat, z)
    return TileAddress(tms_id, z, tile.y, tile.x)


def expected_units(lon: float, lat: float, address: TileAddress) -> tuple[float, float]:
    """Where MVT 2.1 puts a point: (0, 0) at the tile's top-left corner, EXTENT units per side."""
    tms = get_tms(address.tms)
    box = tms.xy_bounds(morecantile.Tile(x=address.col, y=address.row, z=address.z))
    x, y = tms.xy(lon, lat) if address.tms == WEB else (lon, lat)
    return ((x - box.left) / (box.right - box.left) * EXTENT, (box.top - y) / (box.top - box.bottom) * EXTENT)


def expected_pixel(lon: float, lat: float, address: TileAddress) -> tuple[int, int]:
    """`expected_units` snapped to the integer grid the encoder writes."""
    x, y = expected_units(lon, lat, address)
    return round(x), round(y)
