"""Tile matrix sets: morecantile's WebMercatorQuad/WorldCRS84Quad, and the Tianditu CGCS2000 grid.

Tianditu facts used here come from its WMTS capabilities (tile matrix set `c`, EPSG:4490):
levels 1–18, TopLeftCorner 90 −180, level 1 is 2 × 1 tiles, level 18 is 262144 × 131072 tiles,
256-px tiles; and its tile formula col = floor((lon − X0) / (res · 256)), row = floor((Y0 − lat) / (res · 256)).
"""

from __future__ import annotations

import math

import jsonschema
import morecantile
import pytest

from tiles.documents import tile_matrix_set_document
from tiles.matrix_sets import (
    CGCS2000_QUAD,
    TMS_IDS,
    UnknownTileMatrixSet,
    get_tms,
    is_valid,
    lonlat_bounds,
    matrix_for_zoom,
    scale_zoom,
    tile_bounds,
)
from tiles.model import TileAddress

CHANGCHUN = (125.3245, 43.8868)

# Transcribed from OGC 2D-TMS 2.0 `schemas/tms/2.0/json/tileMatrixSet.json` (required members,
# types, cornerOfOrigin enum, 2DPoint = two numbers); the property lists are the official ones.
_POINT = {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}}
_COUNT = {"type": "number", "minimum": 1, "multipleOf": 1}
TMS_PROPERTIES = {"title", "description", "keywords", "id", "uri", "orderedAxes", "crs", "wellKnownScaleSet",
                  "boundingBox", "tileMatrices"}
MATRIX_PROPERTIES = {"title", "description", "keywords", "id", "scaleDenominator", "cellSize", "cornerOfOrigin",
                     "pointOfOrigin", "tileWidth", "tileHeight", "matrixWidth", "matrixHeight",
                     "variableMatrixWidths"}
TMS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2019-09/schema",
    "type": "object",
    "required": ["crs", "tileMatrices"],
    "additionalProperties": False,
    "properties": {
        **{name: {} for name in TMS_PROPERTIES},
        "title": {"type": "string"}, "description": {"type": "string"},
        "keywords": {"type": "array", "items": {"type": "string"}},
        "id": {"type": "string"}, "uri": {"type": "string", "format": "uri"},
        "orderedAxes": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "crs": {"oneOf": [{"type": "string"}, {"type": "object"}]},
        "tileMatrices": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "scaleDenominator", "cellSize", "pointOfOrigin", "tileWidth", "tileHeight",
                         "matrixWidth", "matrixHeight"],
            "additionalProperties": False,
            "properties": {
                **{name: {} for name in MATRIX_PROPERTIES},
                "id": {"type": "string"}, "scaleDenominator": {"type": "number"}, "cellSize": {"type": "number"},
                "cornerOfOrigin": {"type": "string", "enum": ["topLeft", "bottomLeft"]},
                "pointOfOrigin": _POINT, "tileWidth": _COUNT, "tileHeight": _COUNT,
                "matrixWidth": _COUNT, "matrixHeight": _COUNT,
            },
        }},
    },
}


@pytest.mark.parametrize("tms_id", TMS_IDS)
def test_every_matrix_set_is_tms_2_0_json(tms_id: str) -> None:
    doc = tile_matrix_set_document(tms_id)
    jsonschema.Draft201909Validator(TMS_SCHEMA).validate(doc)
    assert doc["id"] == tms_id
    # The JSON rebuilds the same grid (what a client reading /tileMatrixSets/{id} gets).
    again = morecantile.TileMatrixSet.model_validate(doc)
    tile = morecantile.Tile(x=3, y=1, z=2)
    assert again.xy_bounds(tile) == get_tms(tms_id).xy_bounds(tile)


@pytest.mark.parametrize("tms_id", ["WebMercatorQuad", "WorldCRS84Quad"])
def test_registered_sets_are_morecantiles_own(tms_id: str) -> None:
    assert tile_matrix_set_document(tms_id) == morecantile.tms.get(tms_id).model_dump(
        mode="json", by_alias=True, exclude_none=True)


def test_cgcs2000_quad_is_declared_latitude_first_on_epsg_4490() -> None:
    doc = tile_matrix_set_document(CGCS2000_QUAD)
    assert doc["crs"] == "http://www.opengis.net/def/crs/EPSG/0/4490"
    assert doc["orderedAxes"] == ["Lat", "Lon"]
    first = doc["tileMatrices"][0]
    assert first["id"] == "1"  # Tianditu level numbers
    assert first["pointOfOrigin"] == [90, -180]
    assert (first["matrixWidth"], first["matrixHeight"], first["tileWidth"], first["cellSize"]) == (2, 1, 256, 0.703125)
    level18 = next(m for m in doc["tileMatrices"] if m["id"] == "18")
    assert (level18["matrixWidth"], level18["matrixHeight"]) == (262144, 131072)


def test_tianditu_level_1_tiles_are_the_two_hemispheres() -> None:
    assert tile_bounds(TileAddress(CGCS2000_QUAD, 1, 0, 0)) == (-180.0, -90.0, 0.0, 90.0, 4490)
    assert tile_bounds(TileAddress(CGCS2000_QUAD, 1, 0, 1)) == (0.0, -90.0, 180.0, 90.0, 4490)
    assert not is_valid(TileAddress(CGCS2000_QUAD, 1, 1, 0))
    assert not is_valid(TileAddress(CGCS2000_QUAD, 0, 0, 0))  # Tianditu has no level 0


@pytest.mark.parametrize("level", [5, 10, 14, 18])
def test_changchun_falls_in_the_tile_tianditus_formula_gives(level: int) -> None:
    lon, lat = CHANGCHUN
    res = 0.703125 / 2 ** (level - 1)
    col = math.floor((lon - -180.0) / (res * 256))
    row = math.floor((90.0 - lat) / (res * 256))
    tile = get_tms(CGCS2000_QUAD).tile(lon, lat, level)
    assert (tile.x, tile.y) == (col, row)
    minx, miny, maxx, maxy, srid = tile_bounds(TileAddress(CGCS2000_QUAD, level, row, col))
    assert srid == 4490
    assert minx <= lon < maxx and miny < lat <= maxy
    assert maxx - minx == pytest.approx(res * 256) and maxy - miny == pytest.approx(res * 256)


def test_changchun_level_10_tile_by_hand() -> None:
    # 360° / 2^10 = 0.3515625° per tile: col = floor(305.3245 / 0.3515625), row = floor(46.1132 / 0.3515625),
    # west = -180 + 868 · 0.3515625, north = 90 - 131 · 0.3515625
    assert tile_bounds(TileAddress(CGCS2000_QUAD, 10, 131, 868)) == pytest.approx(
        (125.15625, 43.59375, 125.5078125, 43.9453125, 4490))


@pytest.mark.parametrize(("level", "row", "col"), [(1, 0, 1), (3, 1, 6), (12, 524, 3474), (18, 33571, 222330)])
def test_cgcs2000_level_l_is_world_crs84_matrix_l_minus_1(level: int, row: int, col: int) -> None:
    ours = tile_bounds(TileAddress(CGCS2000_QUAD, level, row, col))
    world = tile_bounds(TileAddress("WorldCRS84Quad", level - 1, row, col))
    assert ours[:4] == pytest.approx(world[:4], abs=1e-12)
    assert get_tms(CGCS2000_QUAD).matrix(level).scaleDenominator == pytest.approx(
        get_tms("WorldCRS84Quad").matrix(level - 1).scaleDenominator, rel=1e-9)


def test_bounds_are_x_east_y_north_in_the_tms_crs() -> None:
    assert tile_bounds(TileAddress("WebMercatorQuad", 0, 0, 0)) == pytest.approx(
        (-20037508.342789244, -20037508.342789244, 20037508.342789244, 20037508.342789244, 3857))
    assert tile_bounds(TileAddress("WorldCRS84Quad", 0, 0, 1)) == (0.0, -90.0, 180.0, 90.0, 4326)
    west, south, east, north = lonlat_bounds(TileAddress("WebMercatorQuad", 1, 0, 1))
    assert (west, east) == pytest.approx((0.0, 180.0)) and south == pytest.approx(0.0, abs=1e-9)
    assert north == pytest.approx(85.0511287798)


@pytest.mark.parametrize(("tms_id", "z", "row", "col", "valid"), [
    ("WebMercatorQuad", 0, 0, 0, True), ("WebMercatorQuad", 24, 0, 2 ** 24 - 1, True),
    ("WebMercatorQuad", 25, 0, 0, False), ("WebMercatorQuad", 3, 8, 0, False), ("WebMercatorQuad", 3, 0, -1, False),
    ("WorldCRS84Quad", 0, 0, 1, True), ("WorldCRS84Quad", 0, 0, 2, False), ("WorldCRS84Quad", 2, 4, 0, False),
    ("CGCS2000Quad", 24, 2 ** 23 - 1, 2 ** 24 - 1, True), ("CGCS2000Quad", 25, 0, 0, False),
    ("CGCS2000Quad", 18, 131072, 0, False), ("NoSuchQuad", 0, 0, 0, False),
])
def test_is_valid_checks_the_matrix_limits(tms_id: str, z: int, row: int, col: int, valid: bool) -> None:
    assert is_valid(TileAddress(tms_id, z, row, col)) is valid


def test_unknown_matrix_set_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="NoSuchQuad"):
        get_tms("NoSuchQuad")
    with pytest.raises(UnknownTileMatrixSet):
        tile_bounds(TileAddress("webmercatorquad", 0, 0, 0))


def test_scale_zoom_matches_cell_sizes_to_web_mercator() -> None:
    metres_per_degree = 2 * math.pi * 6378137 / 360
    web = get_tms("WebMercatorQuad")
    for tms_id in TMS_IDS:
        tms = get_tms(tms_id)
        for z in range(tms.minzoom, tms.maxzoom + 1):
            cell = tms.matrix(z).cellSize * (1 if tms_id == "WebMercatorQuad" else metres_per_degree)
            assert web.matrix(scale_zoom(tms_id, z)).cellSize == pytest.approx(cell, rel=1e-9)
    assert scale_zoom("WorldCRS84Quad", 0) == 1
    assert scale_zoom(CGCS2000_QUAD, 7) == 7
    assert [matrix_for_zoom("WorldCRS84Quad", z) for z in (0, 1, 5, 24)] == [0, 0, 4, 23]
    assert [matrix_for_zoom(CGCS2000_QUAD, z) for z in (0, 1, 18)] == [1, 1, 18]
