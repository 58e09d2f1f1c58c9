"""JSON documents of OGC API – Features: landing page, collection descriptions, queryables."""

from __future__ import annotations

from typing import Any

from gis_server.links import GEOJSON, HTML, JSON, OPENAPI_JSON, SCHEMA_JSON, link
from layers.crs import CRS84_URI, SERVED, STORAGE_CRS_URI
from layers.json_schema import field_schema
from layers.model import LayerDefinition
from layers.query import LayerState
from tiles.documents import landing_links, tileset_links

SERVICE_TITLE = "吉林省交通地理信息平台 OneMap / Jilin Transport GIS Platform"
SERVICE_DESCRIPTION = (
    "吉林省交通运输厅“一张图”：OGC API 要素服务（第1–4部分），存储坐标系 CGCS2000 (EPSG:4490)。"
    " / The Jilin Department of Transport's one map: OGC API – Features Parts 1–4, stored in CGCS2000."
)


def landing_page(base: str) -> dict[str, Any]:
    return {
        "title": SERVICE_TITLE,
        "description": SERVICE_DESCRIPTION,
        "links": [
            link(f"{base}/?f=json", "self", JSON, "本页 / this document"),
            link(f"{base}/?f=html", "alternate", HTML, "本页（网页） / this document as HTML"),
            link(f"{base}/api", "service-desc", OPENAPI_JSON, "API 定义 / API definition (OpenAPI 3.0)"),
            link(f"{base}/api?f=html", "service-doc", HTML, "API 文档 / API documentation"),
            link(f"{base}/conformance", "conformance", JSON, "符合性声明 / conformance classes"),
            link(f"{base}/collections", "data", JSON, "数据集合 / collections"),
            *landing_links(base),
        ],
    }


def collection_document(base: str, layer: LayerDefinition, state: LayerState) -> dict[str, Any]:
    url = f"{base}/collections/{layer.id}"
    bbox = list(state.bbox) if state.bbox else list(layer.valid_extent)
    extent: dict[str, Any] = {"spatial": {"bbox": [bbox], "crs": CRS84_URI}}
    if layer.temporal_field:
        start, end = state.time_extent or (None, None)
        extent["temporal"] = {
            "interval": [[_iso(start), _iso(end)]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return {
        "id": layer.id,
        "title": layer.title_zh,
        "description": layer.description_zh or f"{layer.title_zh} / {layer.title_en}",
        "keywords": [layer.title_en, layer.domain, layer.catalogue_code, *layer.keywords],
        "itemType": "feature",
        "crs": [c.uri for c in SERVED],
        "storageCrs": STORAGE_CRS_URI,
        "extent": extent,
        "links": [
            link(f"{url}?f=json", "self", JSON, layer.title_zh),
            link(f"{url}?f=html", "alternate", HTML, layer.title_zh),
            # No query string: GDAL's OAPIF driver appends /{featureId} to this href.
            link(f"{url}/items", "items", GEOJSON, f"{layer.title_zh}要素 / features"),
            link(f"{url}/items?f=html", "items", HTML, f"{layer.title_zh}要素（网页） / features as HTML"),
            link(f"{url}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA_JSON,
                 "可查询属性 / queryables"),
            link(f"{url}/schema", "http://www.opengis.net/def/rel/ogc/1.0/schema", SCHEMA_JSON,
                 "要素模式 / feature schema"),
            link(f"{url}/schema", "describedby", SCHEMA_JSON, "要素模式 / feature schema"),
            *tileset_links(base, layer),
        ],
        "onemap:titleEn": layer.title_en,
        "onemap:domain": layer.domain,
        "onemap:catalogueCode": layer.catalogue_code,
        "onemap:geometryType": layer.geometry_type.value,
        "onemap:featureCount": state.feature_count,
        "onemap:dataVersion": state.data_version,
        "onemap:minZoom": layer.min_zoom,
        "onemap:maxZoom": layer.max_zoom,
        "onemap:styleId": layer.style_id,
    }


def collections_document(base: str, docs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "links": [
            link(f"{base}/collections?f=json", "self", JSON, "数据集合 / collections"),
            link(f"{base}/collections?f=html", "alternate", HTML, "数据集合（网页） / collections as HTML"),
        ],
        "collections": docs,
    }


_GEOMETRY_SCHEMA = {
    "Point": "https://geojson.org/schema/Point.json",
    "LineString": "https://geojson.org/schema/LineString.json",
    "Polygon": "https://geojson.org/schema/Polygon.json",
    "MultiPoint": "https://geojson.org/schema/MultiPoint.json",
    "MultiLineString": "https://geojson.org/schema/MultiLineString.json",
    "MultiPolygon": "https://geojson.org/schema/MultiPolygon.json",
}


def queryables_document(base: str, layer: LayerDefinition, *, schema_only: bool = False) -> dict[str, Any]:
    """JSON Schema of the queryable (or, with `schema_only`, all) properties of a collection."""
    url = f"{base}/collections/{layer.id}/{'schema' if schema_only else 'queryables'}"
    properties: dict[str, Any] = {
        "geometry": {"title": "几何 / geometry", "x-ogc-role": "primary-geometry",
                     "format": f"geometry-{layer.geometry_type.value.lower()}",
                     "$ref": _GEOMETRY_SCHEMA[layer.geometry_type.value]},
    }
    if layer.temporal_field:
        properties[layer.temporal_field] = {"x-ogc-role": "primary-instant"}
    for spec in layer.fields:
        if not schema_only and (spec.masked or spec.secret):
            continue  # masked and encrypted values cannot be filtered on
        properties[spec.name] = {**properties.get(spec.name, {}), **field_schema(spec)}
        if spec.masked:
            properties[spec.name]["x-onemap-masked"] = True
    doc: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": layer.title_zh,
        "properties": properties,
        "additionalProperties": False,
    }
    if schema_only:
        doc["required"] = [s.name for s in layer.fields if s.required]
    return doc


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text.replace("+00:00", "Z")
