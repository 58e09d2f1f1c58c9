"""OGC API – Features Part 4: create (POST), replace (PUT), update (PATCH merge-patch), delete.

Bodies are validated against the layer schema before anything is written; each write is one
store transaction; `If-Match` pins the version the caller saw (stale → 412).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from domains.workflow.guard import protect_supervision
from gis_server.etags import expected_version, feature_etag
from gis_server.links import base_url
from gis_server.params import reject_unknown
from gis_server.problems import ApiProblem
from gis_server.routers.items import parse_feature_id
from gis_server.routers.workflow import create_workflow_item, workflow_body
from gis_server.rule_events import after_write
from gis_server.security import authorize_write, denied, principal_of, view_of
from gis_server.state import services
from gis_server.write_guard import check_hidden, check_region, keep_protected, with_own_region
from layers.access.principal import Access
from layers.access.view import LayerView
from layers.crs import CRS84, ServedCrs, served_crs, to_storage
from layers.errors import FeatureNotFound, InvalidFeature
from layers.model import LayerDefinition
from layers.query import OutputCrs, StoredFeature
from layers.stores.base import FeatureRecord
from layers.validation import check_geometry, check_properties, parse_geojson_geometry

router = APIRouter()
STORAGE_LONLAT = OutputCrs(4490, lat_first=False)
MAX_BODY_BYTES = 20 * 1024 * 1024
FEATURE_TYPES = ("application/geo+json", "application/json")
MERGE_PATCH = "application/merge-patch+json"


async def _read_json(request: Request, accepted: tuple[str, ...]) -> Any:
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media not in accepted:
        raise ApiProblem(415, "不支持的媒体类型 / Unsupported media type",
                         f"Content-Type 须为 {' 或 '.join(accepted)} / "
                         f"Content-Type must be one of {', '.join(accepted)}")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiProblem(413, "请求体过大 / Payload too large", f"请求体超过 {MAX_BODY_BYTES} 字节 / body too large")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidFeature(f"请求体不是合法 JSON / body is not valid JSON: {exc}", field="body") from None


def _content_crs(request: Request) -> ServedCrs:
    header = request.headers.get("content-crs")
    if header is None:
        return CRS84
    return served_crs(header.strip().strip("<>"), "Content-Crs")


def _record(layer: LayerDefinition, body: Any, crs: ServedCrs) -> FeatureRecord:
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise InvalidFeature("请求体必须是 GeoJSON Feature / body must be a GeoJSON Feature", field="type")
    geometry = parse_geojson_geometry(body.get("geometry"))
    try:
        geometry = to_storage(geometry, crs)
    except Exception as exc:
        raise InvalidFeature(f"坐标无法转换 / coordinates cannot be transformed: {exc}", field="geometry") from None
    return FeatureRecord(geometry=check_geometry(layer, geometry),
                         properties=check_properties(layer, body.get("properties")))


async def _after_change(request: Request, layer: LayerDefinition, updated: StoredFeature) -> StoredFeature:
    """Wake the rules; when one of them wrote the feature again, the ETag the client gets is the latest."""
    result = await after_write(request, "feature_changed", layer.id, updated.fid)
    if (layer.id, updated.fid) in result.written:
        return services(request).store.get(layer, updated.fid, STORAGE_LONLAT)
    return updated


def _writable(request: Request, collection_id: str, *, creating: bool = False) -> tuple[LayerDefinition, LayerView]:
    """The layer's declaration (what is written) and the caller's view of it (their rules)."""
    layer = services(request).registry.get(collection_id)
    if creating and layer.workflow is not None:  # the workflow engine decides who may create items
        view = view_of(request, layer)
        if not principal_of(request).key_allows(layer.id, Access.WRITE):
            raise denied(request, f"此密钥无权修改图层 {layer.id} / this key may not write this collection",
                         target=f"layer:{layer.id}")
    else:
        view = authorize_write(request, layer)
    reject_unknown(request.query_params, ())
    return layer, view


def _visible(request: Request, view: LayerView, fid: int) -> None:
    """404 for an item outside the caller's region, as a read of it would be."""
    if view.restricted and view.layer is not None:
        services(request).store.get(view.layer, fid, STORAGE_LONLAT)
    elif view.restricted:
        raise FeatureNotFound(f"要素不存在 / no feature {fid} in collection {view.source.id!r}")


def _properties_of(body: Any) -> dict[str, Any] | None:
    properties = body.get("properties") if isinstance(body, dict) else None
    return properties if isinstance(properties, dict) else None


@router.post("/collections/{collection_id}/items", include_in_schema=False)
async def create(request: Request, collection_id: str) -> Response:
    layer, view = _writable(request, collection_id, creating=True)
    body = await _read_json(request, FEATURE_TYPES)
    check_hidden(view, _properties_of(body))
    body = with_own_region(view, body, principal_of(request).region)
    record = _record(layer, workflow_body(layer, body), _content_crs(request))
    check_region(view, record.properties, record.geometry)
    store = services(request).store
    fid = create_workflow_item(request, layer, record) if layer.workflow else store.insert(layer, [record])[0]
    await after_write(request, "feature_created", layer.id, fid)
    feature = store.get(layer, fid, STORAGE_LONLAT)
    location = f"{base_url(request)}/collections/{layer.id}/items/{fid}"
    return Response(status_code=201, headers={"Location": location, "ETag": feature_etag(fid, feature.version)})


@router.put("/collections/{collection_id}/items/{feature_id}", include_in_schema=False)
async def replace(request: Request, collection_id: str, feature_id: str) -> Response:
    layer, view = _writable(request, collection_id)
    fid = parse_feature_id(layer, feature_id)
    body = await _read_json(request, FEATURE_TYPES)
    check_hidden(view, _properties_of(body))
    _visible(request, view, fid)
    store = services(request).store
    protected = bool(view.hidden or view.masked)
    current = store.get(layer, fid, STORAGE_LONLAT).properties if layer.workflow or protected else None
    if protected and (properties := _properties_of(body)) is not None:
        body = {**body, "properties": keep_protected(view, properties, current, replacing=True)}
    record = _record(layer, workflow_body(layer, body, current), _content_crs(request))
    check_region(view, record.properties, record.geometry)
    if not layer.workflow:
        current = None
    if current is not None:
        protect_supervision(layer, current, record.properties)  # state etc. change through /workflow only
    updated = store.replace(layer, fid, record, expected_version=expected_version(request, fid))
    updated = await _after_change(request, layer, updated)
    return Response(status_code=204, headers={"ETag": feature_etag(fid, updated.version)})


@router.patch("/collections/{collection_id}/items/{feature_id}", include_in_schema=False)
async def update(request: Request, collection_id: str, feature_id: str) -> Response:
    layer, view = _writable(request, collection_id)
    fid = parse_feature_id(layer, feature_id)
    patch = await _read_json(request, (MERGE_PATCH, *FEATURE_TYPES))
    if not isinstance(patch, dict):
        raise InvalidFeature("合并补丁须为 JSON 对象 / a merge patch must be a JSON object", field="body")
    check_hidden(view, _properties_of(patch))
    _visible(request, view, fid)
    store = services(request).store
    current = store.get(layer, fid, STORAGE_LONLAT)
    if (properties := _properties_of(patch)) is not None:
        patch = {**patch, "properties": keep_protected(view, properties, current.properties, replacing=False)}
    expected = expected_version(request, fid)
    if expected is not None and expected != current.version:
        raise ApiProblem(412, "版本已变化 / Precondition failed",
                         "要素已被他人修改 / the feature changed since the given entity tag",
                         headers={"ETag": feature_etag(fid, current.version)})
    merged = _merge(current.to_geojson(), patch, layer, _content_crs(request))
    check_region(view, merged.properties, merged.geometry)
    protect_supervision(layer, current.properties, merged.properties)
    updated = store.replace(layer, fid, merged, expected_version=current.version)
    updated = await _after_change(request, layer, updated)
    return Response(status_code=204, headers={"ETag": feature_etag(fid, updated.version)})


def _merge(current: dict[str, Any], patch: dict[str, Any], layer: LayerDefinition, crs: ServedCrs) -> FeatureRecord:
    unknown = set(patch) - {"type", "geometry", "properties", "id"}
    if unknown:
        raise InvalidFeature(f"合并补丁含未知成员 / unknown members in merge patch: {', '.join(sorted(unknown))}",
                             field=sorted(unknown)[0])
    if "id" in patch and str(patch["id"]) != str(current["id"]):
        raise InvalidFeature("不能修改要素标识 / the feature id cannot change", field="id")
    properties = dict(current["properties"])
    patched_props = patch.get("properties", {})
    if patched_props is None:
        patched_props = {name: None for name in properties}
    if not isinstance(patched_props, dict):
        raise InvalidFeature("properties 必须是 JSON 对象 / properties must be an object", field="properties")
    check_properties(layer, patched_props, partial=True)  # names and types of what is set
    for key, value in patched_props.items():
        properties[key] = value
    if "geometry" in patch:
        if patch["geometry"] is None:
            raise InvalidFeature("不能删除几何 / geometry cannot be removed", field="geometry")
        geometry = to_storage(parse_geojson_geometry(patch["geometry"]), crs)
    else:
        geometry = parse_geojson_geometry(current["geometry"])
    return FeatureRecord(geometry=check_geometry(layer, geometry), properties=check_properties(layer, properties))


@router.delete("/collections/{collection_id}/items/{feature_id}", include_in_schema=False)
def delete(request: Request, collection_id: str, feature_id: str) -> Response:
    layer, view = _writable(request, collection_id)
    fid = parse_feature_id(layer, feature_id)
    _visible(request, view, fid)
    services(request).store.delete(layer, fid, expected_version=expected_version(request, fid))
    return Response(status_code=204)


