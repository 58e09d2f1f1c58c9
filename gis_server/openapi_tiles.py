"""The OpenAPI 3.0 paths of OGC API – Tiles and of the styles, merged into `/api` by `openapi.py`."""

from __future__ import annotations

from typing import Any

from gis_server.links import JSON
from layers.model import LayerDefinition
from tiles.matrix_sets import TMS_IDS
from tiles.model import MVT_MEDIA_TYPE

PROBLEM = "application/problem+json"
STYLE_JSON = "application/vnd.mapbox.style+json"


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _path_param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


TMS_PARAM = _path_param("tileMatrixSetId", {"type": "string", "enum": list(TMS_IDS)}, "瓦片矩阵集 / tile matrix set")
TILE_PARAMS = [
    TMS_PARAM,
    _path_param("tileMatrix", {"type": "string", "pattern": "^[0-9]{1,2}$"}, "层级 / tile matrix (zoom)"),
    _path_param("tileRow", {"type": "string", "pattern": "^[0-9]{1,10}$"}, "行 / row from the top"),
    _path_param("tileCol", {"type": "string", "pattern": "^[0-9]{1,10}$"}, "列 / column from the left"),
]
F_JSON = {"name": "f", "in": "query", "required": False, "schema": {"type": "string", "enum": ["json"]}}
F_MVT = {"name": "f", "in": "query", "required": False, "schema": {"type": "string", "enum": ["mvt"]}}
COLLECTIONS = {"name": "collections", "in": "query", "required": False, "style": "form", "explode": False,
               "schema": {"type": "array", "items": {"type": "string"}, "maxItems": 20},
               "description": "图层 / the layers of the tile (default: every readable layer)"}
JSON_OK = {"description": "成功 / OK", "content": {JSON: {"schema": {"type": "object"}}}}
TILE_OK = {
    "description": "MVT 2.1 瓦片 / a Mapbox Vector Tile (gzip-encoded when the client accepts it)",
    "headers": {"ETag": {"schema": {"type": "string"}}},
    "content": {MVT_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
}
ERRORS = {"400": _problem("参数无效 / invalid parameter"), "404": _problem("不存在 / not found")}


def _get(summary: str, operation: str, parameters: list[dict[str, Any]], ok: dict[str, Any],
         tag: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "operationId": operation, "parameters": parameters,
                          "responses": {"200": ok, **ERRORS}}
    if ok is TILE_OK:
        op["responses"]["304"] = {"description": "未修改 / not modified"}
    if tag:
        op["tags"] = [tag]
    return {"get": op}


def tile_paths(layers: list[LayerDefinition]) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/tileMatrixSets": _get("瓦片矩阵集 / tile matrix sets", "tile_matrix_sets", [F_JSON], JSON_OK),
        "/tileMatrixSets/{tileMatrixSetId}": _get("瓦片矩阵集定义 / TileMatrixSet 2.0", "tile_matrix_set",
                                                  [TMS_PARAM, F_JSON], JSON_OK),
        "/tiles": _get("数据集瓦片集 / dataset tilesets", "dataset_tilesets", [F_JSON, COLLECTIONS], JSON_OK),
        "/tiles/{tileMatrixSetId}": _get("数据集瓦片集元数据 / dataset tileset", "dataset_tileset",
                                         [TMS_PARAM, F_JSON, COLLECTIONS], JSON_OK),
        "/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": _get(
            "多图层瓦片 / one tile of several layers", "dataset_tile", [*TILE_PARAMS, F_MVT, COLLECTIONS], TILE_OK),
        "/styles": _get("地图样式 / map styles", "styles", [F_JSON], JSON_OK),
        "/styles/{styleId}": _get(
            "MapLibre 样式 / a MapLibre style", "style",
            [_path_param("styleId", {"type": "string"}, "样式 / style id"), F_JSON],
            {"description": "MapLibre 样式 / style", "content": {STYLE_JSON: {"schema": {"type": "object"}},
                                                                 JSON: {"schema": {"type": "object"}}}}),
    }
    for layer in layers:
        base = f"/collections/{layer.id}/tiles"
        paths[base] = _get(f"{layer.title_zh}瓦片集 / tilesets", f"tilesets_{layer.id}", [F_JSON], JSON_OK, layer.id)
        paths[f"{base}/{{tileMatrixSetId}}"] = _get(
            f"{layer.title_zh}瓦片集元数据 / tileset", f"tileset_{layer.id}", [TMS_PARAM, F_JSON], JSON_OK, layer.id)
        paths[f"{base}/{{tileMatrixSetId}}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"] = _get(
            f"{layer.title_zh}瓦片 / a tile", f"tile_{layer.id}", [*TILE_PARAMS, F_MVT], TILE_OK, layer.id)
    return paths

