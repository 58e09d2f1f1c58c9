"""The area whose edits can change a tile: its bounds plus a margin, as an EPSG:4490 lon/lat box.

Both renderers read exactly the features whose envelope meets the tile widened by their 64-unit
clip buffer (of 4096 per side) — points there are drawn so symbols straddling the edge show in both
tiles — and nothing else goes into a tile (thinning and limits choose among those). So an edit can
change a tile only if its box meets the tile plus that buffer; one more unit absorbs rounding.
(CGCS2000 and WGS 84 lon/lat differ by centimetres, far below one unit at any zoom served.)
"""

from __future__ import annotations

from functools import cache

from pyproj import Transformer

from layers.stores.base import EditBox
from tiles.matrix_sets import tile_bounds
from tiles.model import EXTENT, TileAddress

#: The renderers' clip buffer (`tiles/renderers/*.BUFFER`, MVT units); a test keeps them equal.
RENDER_BUFFER = 64
#: Margin around the tile, as a fraction of its width/height.
MARGIN = (RENDER_BUFFER + 1) / EXTENT


@cache
def _to_lonlat(srid: int) -> Transformer:
    return Transformer.from_crs(srid, 4490, always_xy=True)


def influence_box(address: TileAddress) -> EditBox:
    """The lon/lat box an edit must touch to change this tile."""
    minx, miny, maxx, maxy, srid = tile_bounds(address)
    dx, dy = (maxx - minx) * MARGIN, (maxy - miny) * MARGIN
    minx, miny, maxx, maxy = minx - dx, miny - dy, maxx + dx, maxy + dy
    if srid != 4490 and srid != 4326:
        xs, ys = _to_lonlat(srid).transform([minx, maxx], [miny, maxy])
        minx, maxx, miny, maxy = xs[0], xs[1], ys[0], ys[1]
    return (minx, miny, maxx, maxy)
