"""JSON documents of OGC API – Tiles 1.0 and TileJSON 3.0 for the registry's layers.

- `/tileMatrixSets` (list) and `/tileMatrixSets/{id}` (TileMatrixSet 2.0, from morecantile);
- tileset lists (`/collections/{id}/tiles`, `/tiles`) and tileset metadata (OGC TileSet 2.0 /
  OGC API – Tiles 1.0: `dataType`, `crs`, `tileMatrixSetURI`, `links` with `tiling-scheme` and the
  templated `item`, `layers` with their properties schema, plus `onemap:thinning`);
- TileJSON 3.0.0 (WebMercatorQuad only: what MapLibre reads);
- the links a collection and the landing page carry to these resources.

A "tileset" here is one layer (`collection_id` given) or several layers in one multi-layer tile
(the dataset-level `/tiles`, `collections=` optional). Tile URLs are `…/{tms}/{z}/{row}/{col}`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from layers.json_schema import field_schema
from layers.model import FieldType, GeometryType, LayerDefinition
from layers.query import LayerState
from tiles.matrix_sets import TMS_IDS, WEB_MERCATOR_QUAD, get_tms, matrix_range
from tiles.model import MVT_MEDIA_TYPE
from tiles.plan import effective_rule, thinned_zooms

JSON = "application/json"
TILEJSON = "application/vnd.mapbox.tilejson+json"
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_REL = "http://www.opengis.net/def/rel/ogc/1.0/"
REL_TILESETS_VECTOR = _REL + "tilesets-vector"
REL_TILING_SCHEME = _REL + "tiling-scheme"
REL_TILING_SCHEMES = _REL + "tiling-schemes"
REL_GEODATA = _REL + "geodata"
REL_DATASET = _REL + "dataset"
ATTRIBUTION = "吉林省交通运输厅 / Jilin Provincial Department of Transport"
_CONF = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
_TMS_CONF = "http://www.opengis.net/spec/tms/2.0/conf/"
#: Conformance classes these documents and `gis_server/routers/tiles.py` implement (with `oas30`,
#: since `gis_server/openapi_tiles.py` describes the tile paths in `/api`).
CONFORMANCE_CLASSES = (
    _CONF + "core", _CONF + "oas30", _CONF + "tileset", _CONF + "tilesets-list", _CONF + "geodata-tilesets",
    _CONF + "dataset-tilesets", _CONF + "collections-selection", _CONF + "mvt",
    _TMS_CONF + "tilematrixset", _TMS_CONF + "json-tilematrixset",
    _TMS_CONF + "tilesetmetadata", _TMS_CONF + "json-tilesetmetadata",
)

_DIMENSION = {
    GeometryType.POINT: 0, GeometryType.MULTIPOINT: 0,
    GeometryType.LINESTRING: 1, GeometryType.MULTILINESTRING: 1,
    GeometryType.POLYGON: 2, GeometryType.MULTIPOLYGON: 2,
}
_TILEJSON_TYPES = {FieldType.STRING: "String", FieldType.INTEGER: "Number", FieldType.NUMBER: "Number",
                   FieldType.BOOLEAN: "Boolean", FieldType.DATE: "String", FieldType.DATETIME: "String"}


def _link(href: str, rel: str, type_: str | None, title: str | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"href": href, "rel": rel}
    if type_:
        out["type"] = type_
    if title:
        out["title"] = title
    out.update(extra)
    return out


def tiles_root(base: str, collection_id: str | None) -> str:
    """`…/collections/{id}/tiles` for one layer, `…/tiles` for the dataset."""
    return f"{base}/collections/{collection_id}/tiles" if collection_id else f"{base}/tiles"


def collections_query(collections: Sequence[str] | None) -> str:
    """`?collections=a,b` when the caller chose layers explicitly (dataset tiles), else ''."""
    return f"?collections={quote(','.join(collections), safe=',')}" if collections else ""


# -- tile matrix sets ------------------------------------------------------------------------------
def tile_matrix_sets_document(base: str) -> dict[str, Any]:
    items = []
    for tms_id in TMS_IDS:
        tms = get_tms(tms_id)
        item: dict[str, Any] = {"id": tms_id, "title": tms.title, "crs": str(tms.crs.root)}
        if tms.uri:
            item["uri"] = tms.uri
        href = f"{base}/tileMatrixSets/{tms_id}"
        item["links"] = [_link(href, "self", JSON, tms.title),
                         _link(href, REL_TILING_SCHEME, JSON, tms.title)]
        items.append(item)
    return {
        "links": [_link(f"{base}/tileMatrixSets", "self", JSON, "瓦片矩阵集 / tile matrix sets")],
        "tileMatrixSets": items,
    }


def tile_matrix_set_document(tms_id: str) -> dict[str, Any]:
    """The OGC TileMatrixSet 2.0 JSON encoding (raises `UnknownTileMatrixSet`)."""
    return get_tms(tms_id).model_dump(mode="json", by_alias=True, exclude_none=True)


# -- tileset lists and metadata --------------------------------------------------------------------
def tilesets_document(base: str, collection_id: str | None,
                      collections: Sequence[str] | None = None) -> dict[str, Any]:
    """The list of tilesets (one per tile matrix set) of a collection or of the dataset."""
    root = tiles_root(base, collection_id)
    query = collections_query(collections)
    items = []
    for tms_id in TMS_IDS:
        tms = get_tms(tms_id)
        item: dict[str, Any] = {"title": f"{tms_id} 矢量瓦片 / vector tiles", "dataType": "vector",
                                "crs": str(tms.crs.root)}
        if tms.uri:
            item["tileMatrixSetURI"] = tms.uri
        item["links"] = [
            _link(f"{root}/{tms_id}{query}", "self", JSON, f"{tms_id} 瓦片集 / tileset"),
            _link(f"{base}/tileMatrixSets/{tms_id}", REL_TILING_SCHEME, JSON, tms.title),
        ]
        items.append(item)
    return {
        "links": [_link(f"{root}{query}", "self", JSON, "矢量瓦片集 / vector tilesets")],
        "tilesets": items,
    }


def tileset_document(base: str, tms_id: str, layers: Sequence[LayerDefinition],
                     states: Sequence[LayerState], *, collection_id: str | None,
                     collections: Sequence[str] | None = None) -> dict[str, Any]:
    """Tileset metadata (OGC API – Tiles 1.0 `tileset`) for one layer or a multi-layer tileset."""
    tms = get_tms(tms_id)
    root = tiles_root(base, collection_id)
    query = collections_query(collections)
    links = [
        _link(f"{root}/{tms_id}{query}", "self", JSON, "瓦片集元数据 / tileset metadata"),
        _link(f"{base}/tileMatrixSets/{tms_id}", REL_TILING_SCHEME, JSON, tms.title),
        _link(f"{root}/{tms_id}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}{query}", "item", MVT_MEDIA_TYPE,
              "矢量瓦片 / Mapbox vector tiles", templated=True),
    ]
    if tms_id == WEB_MERCATOR_QUAD:
        links.append(_link(f"{root}/{tms_id}/tilejson.json{query}", "alternate", TILEJSON, "TileJSON 3.0"))
    if collection_id:
        links.append(_link(f"{base}/collections/{collection_id}", REL_GEODATA, JSON, layers[0].title_zh))
    else:
        links.append(_link(f"{base}/", REL_DATASET, JSON, "数据集 / the dataset (landing page)"))
    doc: dict[str, Any] = {
        "title": _title(layers, collection_id),
        "dataType": "vector",
        "crs": str(tms.crs.root),
    }
    if tms.uri:
        doc["tileMatrixSetURI"] = tms.uri
    doc["mediaTypes"] = [MVT_MEDIA_TYPE]
    doc["links"] = links
    bbox = union_bbox(layers, states)
    doc["boundingBox"] = {"lowerLeft": [bbox[0], bbox[1]], "upperRight": [bbox[2], bbox[3]], "crs": CRS84_URI}
    if collection_id and states:
        doc["version"] = str(states[0].data_version)
    doc["layers"] = [_layer_entry(base, tms_id, layer) for layer in layers]
    lo = min((layer.min_zoom for layer in layers), default=0)
    hi = max((layer.max_zoom for layer in layers), default=0)
    center_matrix = matrix_range(tms_id, fit_zoom(bbox, lo, hi), hi)[0]
    doc["centerPoint"] = {"coordinates": [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2], "crs": CRS84_URI,
                          "tileMatrix": str(center_matrix)}
    doc["onemap:thinning"] = thinning(tms_id, layers)
    return doc


def _title(layers: Sequence[LayerDefinition], collection_id: str | None) -> str:
    if collection_id:
        return f"{layers[0].title_zh} 矢量瓦片 / {layers[0].title_en} vector tiles"
    return "一张图矢量瓦片 / OneMap vector tiles: " + "、".join(layer.title_zh for layer in layers)


def _layer_entry(base: str, tms_id: str, layer: LayerDefinition) -> dict[str, Any]:
    lo, hi = matrix_range(tms_id, layer.min_zoom, layer.max_zoom)
    return {
        "id": layer.id,
        "title": layer.title_zh,
        "description": layer.description_zh or f"{layer.title_zh} / {layer.title_en}",
        "dataType": "vector",
        "geometryDimension": _DIMENSION[layer.geometry_type],
        "theme": layer.domain,
        "minTileMatrix": str(lo),
        "maxTileMatrix": str(hi),
        "propertiesSchema": properties_schema(layer),
        "links": [_link(f"{base}/collections/{layer.id}", REL_GEODATA, JSON, layer.title_zh)],
    }


def properties_schema(layer: LayerDefinition) -> dict[str, Any]:
    """JSON Schema of a layer's tile feature properties; `x-onemap-fromZoom` where a field starts late."""
    properties: dict[str, Any] = {}
    for spec in layer.fields:
        first = first_tile_zoom(layer, spec.name)
        if first is None:
            continue
        schema = field_schema(spec)
        if first > layer.min_zoom:
            schema["x-onemap-fromZoom"] = first
        properties[spec.name] = schema
    properties["domain"] = {"title": "业务领域 / domain", "type": "string", "enum": [layer.domain]}
    return {"type": "object", "properties": properties}


def first_tile_zoom(layer: LayerDefinition, field: str) -> int | None:
    """The first zoom at which `field` goes into this layer's tiles, None if never."""
    for zoom in range(layer.min_zoom, layer.max_zoom + 1):
        if field in layer.tile_fields(zoom):
            return zoom
    return None


def thinning(tms_id: str, layers: Sequence[LayerDefinition]) -> list[dict[str, Any]]:
    """Which layers are thinned at which tile matrices (`tiles.plan`: below full detail)."""
    out = []
    for layer in layers:
        zooms = thinned_zooms(layer)
        if zooms is None:
            continue
        lo, hi = matrix_range(tms_id, *zooms)
        out.append({"layer": layer.id, "rule": effective_rule(layer).value,
                    "minTileMatrix": str(lo), "maxTileMatrix": str(hi),
                    "minZoom": zooms[0], "maxZoom": zooms[1], "featureLimit": layer.tiles.feature_limit})
    return out


def union_bbox(layers: Sequence[LayerDefinition], states: Sequence[LayerState]) -> tuple[float, float, float, float]:
    """Lon/lat box of the layers' data (their declared extents where a layer has no data yet)."""
    boxes = [state.bbox for state in states if state.bbox] or [layer.valid_extent for layer in layers]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def fit_zoom(bbox: tuple[float, float, float, float], lo: int, hi: int) -> int:
    """The WebMercatorQuad zoom at which the box fits about 1,024 px, clamped to [lo, hi]."""
    span = max(bbox[2] - bbox[0], bbox[3] - bbox[1], 1e-6)
    return max(lo, min(hi, math.floor(math.log2(4 * 360 / span))))


# -- TileJSON --------------------------------------------------------------------------------------
def tilejson_document(base: str, layers: Sequence[LayerDefinition], states: Sequence[LayerState], *,
                      collection_id: str | None, collections: Sequence[str] | None = None) -> dict[str, Any]:
    """TileJSON 3.0.0 of the WebMercatorQuad tileset (z/x/y for MapLibre: our path is z/row/col)."""
    root = tiles_root(base, collection_id)
    query = collections_query(collections)
    bbox = union_bbox(layers, states)
    lo = min(layer.min_zoom for layer in layers)
    hi = max(layer.max_zoom for layer in layers)
    return {
        "tilejson": "3.0.0",
        "name": _title(layers, collection_id),
        "description": "吉林省交通运输厅“一张图”矢量瓦片 / OneMap vector tiles (MVT 2.1)",
        "version": "1.0.0",
        "attribution": ATTRIBUTION,
        "scheme": "xyz",
        "tiles": [f"{root}/{WEB_MERCATOR_QUAD}/{{z}}/{{y}}/{{x}}{query}"],
        "minzoom": lo,
        "maxzoom": hi,
        "bounds": list(bbox),
        "center": [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2, fit_zoom(bbox, lo, hi)],
        "vector_layers": [vector_layer_json(layer) for layer in layers],
    }


def vector_layer_json(layer: LayerDefinition) -> dict[str, Any]:
    """The TileJSON `vector_layers` entry of a layer: its MVT layer name, zooms and the fields tiles carry."""
    fields = {spec.name: _TILEJSON_TYPES[spec.type] for spec in layer.fields
              if first_tile_zoom(layer, spec.name) is not None}
    fields["domain"] = "String"
    return {"id": layer.id, "description": f"{layer.title_zh} / {layer.title_en}", "fields": fields,
            "minzoom": layer.min_zoom, "maxzoom": layer.max_zoom}


# -- links other documents carry -------------------------------------------------------------------
def tileset_links(base: str, layer: LayerDefinition) -> list[dict[str, Any]]:
    """Links a collection description carries to its vector tilesets."""
    return [_link(tiles_root(base, layer.id), REL_TILESETS_VECTOR, JSON,
                  f"{layer.title_zh}矢量瓦片集 / vector tilesets")]


def landing_links(base: str) -> list[dict[str, Any]]:
    """Links the landing page carries: the dataset's vector tilesets and the tile matrix sets."""
    return [
        _link(f"{base}/tiles", REL_TILESETS_VECTOR, JSON, "一张图矢量瓦片集 / vector tilesets of all layers"),
        _link(f"{base}/tileMatrixSets", REL_TILING_SCHEMES, JSON, "瓦片矩阵集 / tile matrix sets"),
    ]
