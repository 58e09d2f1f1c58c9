"""The tile matrix sets tiles are served in: WebMercatorQuad, WorldCRS84Quad and CGCS2000Quad.

WebMercatorQuad and WorldCRS84Quad are morecantile's own definitions (OGC TMS 2.0 registry).

CGCS2000Quad is the national Tianditu (天地图) geographic tiling — the `c` (经纬度) tile matrix set
of Tianditu's WMTS — on CGCS2000 (EPSG:4490):

- tile matrix ids follow **Tianditu's level numbers**, starting at **1**: level 1 is 2 × 1 tiles of
  256 px at 0.703125°/px, origin at 90°N 180°W (top left), and every level halves the cell size.
  So `/…/CGCS2000Quad/{z}/{row}/{col}` is exactly Tianditu's `TILEMATRIX={z}&TILEROW={row}&
  TILECOL={col}`, and a Tianditu `vec_c`/`img_c` basemap lines up tile for tile. Level L of this grid
  is WorldCRS84Quad's matrix L − 1; Tianditu publishes levels 1–18, this grid continues the same
  quadtree to 24.
- A happy consequence of Tianditu's numbering: level L has the same cell size at the equator as
  WebMercatorQuad zoom L (0.703125° ≈ 78 271.5 m = 156 543 m / 2), so a layer's `min_zoom`/`max_zoom`
  and the tile plan apply to CGCS2000Quad levels unchanged.
- EPSG:4490 is latitude first, so `orderedAxes` is `["Lat", "Lon"]` and `pointOfOrigin` is
  `[90, -180]` (TMS 2.0 gives points in CRS axis order).
- Scale denominators follow TMS 2.0 (0.28 mm pixels, metres per degree = 2πa/360 with CGCS2000's
  a = 6 378 137 m); Tianditu's capabilities document states its scales for 96-dpi pixels
  (2.958293554545656E8 at level 1), but cell size and origin — what places a tile — are identical.

Zooms: layers declare `min_zoom`/`max_zoom` (and the tile plan works) in WebMercatorQuad zoom
numbers. `scale_zoom(tms_id, z)` gives the WebMercatorQuad zoom whose cell size matches a tile
matrix (WorldCRS84Quad z → z + 1; the other two: z), `matrix_for_zoom` the reverse.
"""

from __future__ import annotations

import math
from functools import cache, lru_cache

import morecantile
import pyproj
from morecantile.models import TileMatrix, TileMatrixSet

from tiles.model import TileAddress

CGCS2000_QUAD = "CGCS2000Quad"
WEB_MERCATOR_QUAD = "WebMercatorQuad"
WORLD_CRS84_QUAD = "WorldCRS84Quad"
#: Every tile matrix set served, in the order `/tileMatrixSets` lists them.
TMS_IDS: tuple[str, ...] = (WEB_MERCATOR_QUAD, WORLD_CRS84_QUAD, CGCS2000_QUAD)

#: PostGIS SRID of each tile matrix set's CRS (x = longitude/easting in PostGIS for all three).
SRIDS: dict[str, int] = {WEB_MERCATOR_QUAD: 3857, WORLD_CRS84_QUAD: 4326, CGCS2000_QUAD: 4490}

#: Tianditu's first and our last level of the CGCS2000 geographic grid.
CGCS2000_MIN_LEVEL = 1
CGCS2000_MAX_LEVEL = 24
_CGCS2000_CRS_URI = "http://www.opengis.net/def/crs/EPSG/0/4490"
#: Degrees per pixel at Tianditu level 1.
_LEVEL1_CELL = 0.703125
#: OGC standardized rendering pixel (TMS 2.0): 0.28 mm.
_PIXEL_M = 0.28e-3
#: Scale denominator of WebMercatorQuad zoom 0 (TMS 2.0, annex D).
_WEB_MERCATOR_Z0_SCALE = 559082264.0287178


class UnknownTileMatrixSet(LookupError):
    """No tile matrix set with that id. `message` is what a person reads."""

    def __init__(self, tms_id: str) -> None:
        self.message = (f"瓦片矩阵集不存在 / no tile matrix set {tms_id!r}; "
                        f"available: {', '.join(TMS_IDS)}")
        super().__init__(self.message)


def _cgcs2000_quad() -> TileMatrixSet:
    crs = pyproj.CRS.from_user_input(_CGCS2000_CRS_URI)
    metres_per_degree = 2 * math.pi * crs.ellipsoid.semi_major_metre / 360.0
    matrices = []
    for level in range(CGCS2000_MIN_LEVEL, CGCS2000_MAX_LEVEL + 1):
        cell = _LEVEL1_CELL / 2 ** (level - 1)
        matrices.append(TileMatrix(
            id=str(level),
            scaleDenominator=cell * metres_per_degree / _PIXEL_M,
            cellSize=cell,
            cornerOfOrigin="topLeft",
            pointOfOrigin=[90.0, -180.0],
            tileWidth=256,
            tileHeight=256,
            matrixWidth=2 ** level,
            matrixHeight=2 ** (level - 1),
        ))
    return TileMatrixSet(
        id=CGCS2000_QUAD,
        title="CGCS2000 经纬度格网（天地图） / CGCS2000 geographic quad (Tianditu)",
        description=(
            "天地图经纬度投影（c）瓦片矩阵集：层级 1 为 2×1 个 256 像素瓦片，0.703125 度/像素，原点 90°N 180°W；"
            "矩阵标识即天地图层级（1–18，延续至 24）。 / The Tianditu geographic (c) tiling on CGCS2000: level 1 "
            "is 2×1 tiles of 256 px at 0.703125°/px from 90°N 180°W; matrix ids are Tianditu levels "
            "(1–18, continued to 24)."
        ),
        keywords=["CGCS2000", "EPSG:4490", "天地图", "Tianditu"],
        crs=_CGCS2000_CRS_URI,
        orderedAxes=["Lat", "Lon"],
        tileMatrices=matrices,
    )


@cache
def get_tms(tms_id: str) -> TileMatrixSet:
    """The tile matrix set with this id; `UnknownTileMatrixSet` otherwise. Built once per process."""
    if tms_id == CGCS2000_QUAD:
        return _cgcs2000_quad()
    if tms_id in (WEB_MERCATOR_QUAD, WORLD_CRS84_QUAD):
        return morecantile.tms.get(tms_id)
    raise UnknownTileMatrixSet(tms_id)


def is_valid(address: TileAddress) -> bool:
    """Whether the tile matrix exists and row/col fall inside its matrix (no overzoom)."""
    size = _matrix_size(address.tms, address.z)
    return size is not None and 0 <= address.row < size[0] and 0 <= address.col < size[1]


@lru_cache(maxsize=1024)
def _matrix_size(tms_id: str, z: int) -> tuple[int, int] | None:
    """(rows, cols) of tile matrix `z`, None if there is no such matrix (asked on every tile request)."""
    try:
        tms = get_tms(tms_id)
    except UnknownTileMatrixSet:
        return None
    if not tms.minzoom <= z <= tms.maxzoom:
        return None
    matrix = tms.matrix(z)
    return matrix.matrixHeight, matrix.matrixWidth


def tile_bounds(address: TileAddress) -> tuple[float, float, float, float, int]:
    """(minx, miny, maxx, maxy, srid) of a tile in its matrix set's CRS, x = longitude/easting.

    Raises `UnknownTileMatrixSet`; the caller checks `is_valid` first for row/col/zoom limits.
    """
    tms = get_tms(address.tms)
    box = tms.xy_bounds(morecantile.Tile(x=address.col, y=address.row, z=address.z))
    return box.left, box.bottom, box.right, box.top, SRIDS[address.tms]


def lonlat_bounds(address: TileAddress) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a tile in geographic degrees."""
    box = get_tms(address.tms).bounds(morecantile.Tile(x=address.col, y=address.row, z=address.z))
    return box.left, box.bottom, box.right, box.top


@cache
def _zoom_offset(tms_id: str) -> int:
    tms = get_tms(tms_id)
    first = tms.tileMatrices[0]
    return round(math.log2(_WEB_MERCATOR_Z0_SCALE / first.scaleDenominator)) - int(first.id)


def scale_zoom(tms_id: str, z: int) -> int:
    """The WebMercatorQuad zoom with the same cell size (at the equator) as tile matrix `z`.

    Layer min/max zooms and `tiles.plan.plan_layer` speak this zoom.
    """
    return z + _zoom_offset(tms_id)


def matrix_for_zoom(tms_id: str, zoom: int) -> int:
    """The tile matrix of `tms_id` matching WebMercatorQuad `zoom`, clamped to the matrices that exist."""
    tms = get_tms(tms_id)
    return max(tms.minzoom, min(tms.maxzoom, zoom - _zoom_offset(tms_id)))


@lru_cache(maxsize=1024)
def matrix_range(tms_id: str, min_zoom: int, max_zoom: int) -> tuple[int, int]:
    """The tile matrices (inclusive) that a WebMercatorQuad zoom range covers in `tms_id`."""
    return matrix_for_zoom(tms_id, min_zoom), matrix_for_zoom(tms_id, max_zoom)
