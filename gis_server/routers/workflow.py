"""An item's workflow over HTTP: its state and what the caller may do now, performing a transition,
its history, and its evidence files (attachments).

    GET  /collections/{cid}/items/{fid}/workflow            state, holder, deadline, transitions
    POST /collections/{cid}/items/{fid}/workflow            {"transition", "comment", "values", "attachments"}
    GET  /collections/{cid}/items/{fid}/workflow/history    every step, oldest first
    GET  /collections/{cid}/items/{fid}/attachments         the item's attachments
    POST /collections/{cid}/items/{fid}/attachments?name=…&filename=…   raw body, its Content-Type
    GET  /collections/{cid}/items/{fid}/attachments/{aid}   download

Reading needs read access to the layer; acting, a named caller (the engine checks roles). A POST
honours If-Match (stale → 412) and answers with the new state and ETag. Store work runs in the
thread pool.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any
from urllib.parse import quote

import orjson
import shapely
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from domains.workflow import Actor, TransitionRequest, create_item, perform, workflow_view
from domains.workflow.deadlines import utc_now
from domains.workflow.engine import STORAGE, workflow_of
from domains.workflow.guard import keep_supervision
from domains.workflow.items import with_initial_state
from gis_server.etags import expected_version, feature_etag
from gis_server.links import JSON, base_url
from gis_server.params import reject_unknown
from gis_server.problems import ApiProblem
from gis_server.routers.items import parse_feature_id
from gis_server.security import authorize_read, authorize_write, principal_of
from gis_server.state import services
from layers.errors import InvalidFeature, InvalidQuery
from layers.model import LayerDefinition
from layers.stores.base import FeatureRecord
from layers.stores.history import Attachment, HistoryRow

router = APIRouter()
MAX_BODY_BYTES = 1024 * 1024
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
EVIDENCE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class _PerformBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    transition: str = Field(min_length=1, max_length=64)
    comment: str | None = Field(default=None, max_length=4000)
    values: dict[str, Any] = Field(default_factory=dict)
    attachments: list[str] = Field(default_factory=list, max_length=100)


def actor_of(request: Request) -> Actor:
    principal = principal_of(request)
    return Actor(name=principal.name, roles=principal.roles, organisation=principal.organisation,
                 region=principal.region, display_name=principal.display_name)


def dumps(body: Any) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status_code=status, media_type=JSON, headers=headers)


def _workflow_layer(request: Request, collection_id: str, feature_id: str,
                    allowed: tuple[str, ...] = ()) -> tuple[LayerDefinition, int]:
    """The layer's declaration (what the engine works on) and the item id, once the caller is known to
    see the item: an item outside the caller's region is a 404, as it is on `/items/{id}`."""
    layer = services(request).registry.get(collection_id)
    view = authorize_read(request, layer)
    reject_unknown(request.query_params, allowed)
    workflow_of(layer)
    fid = parse_feature_id(layer, feature_id)
    if view.row_filter is not None:
        services(request).store.get(view, fid, STORAGE)
    return layer, fid


def _named_caller(request: Request, layer: LayerDefinition) -> Actor:
    """The caller, who must be signed in to act (anonymous callers are asked to authenticate)."""
    if principal_of(request).is_anonymous:
        authorize_write(request, layer)  # raises 401 for the anonymous
    return actor_of(request)


def _links(request: Request, layer: LayerDefinition, fid: int) -> list[dict[str, str]]:
    item = f"{base_url(request)}/collections/{layer.id}/items/{fid}"
    return [{"href": f"{item}/workflow", "rel": "self", "type": JSON},
            {"href": f"{item}/workflow/history", "rel": "history", "type": JSON},
            {"href": f"{item}/attachments", "rel": "attachments", "type": JSON},
            {"href": item, "rel": "item", "type": "application/geo+json"}]


@router.get("/collections/{collection_id}/items/{feature_id}/workflow", include_in_schema=False)
def show(request: Request, collection_id: str, feature_id: str) -> Response:
    layer, fid = _workflow_layer(request, collection_id, feature_id)
    view = workflow_view(services(request).store, layer, fid, actor_of(request))
    view["links"] = _links(request, layer, fid)
    return _json(view, headers={"ETag": feature_etag(fid, view["version"])})


@router.post("/collections/{collection_id}/items/{feature_id}/workflow", include_in_schema=False)
async def act(request: Request, collection_id: str, feature_id: str) -> Response:
    layer, fid = _workflow_layer(request, collection_id, feature_id)
    actor = _named_caller(request, layer)
    body = await _json_body(request)
    try:
        parsed = _PerformBody.model_validate(body)
    except ValidationError as exc:
        raise InvalidFeature(f"请求体无效 / invalid body: {exc.errors()[0]['msg']} at "
                             f"{'.'.join(str(p) for p in exc.errors()[0]['loc'])}", field="body") from None
    pinned = expected_version(request, fid)
    ask = TransitionRequest(parsed.transition, parsed.comment, parsed.values, tuple(parsed.attachments))
    store = services(request).store

    def run() -> dict[str, Any]:
        perform(store, layer, fid, ask, actor, if_match=pinned)
        return workflow_view(store, layer, fid, actor)

    view = await run_in_threadpool(run)
    view["links"] = _links(request, layer, fid)
    return _json(view, headers={"ETag": feature_etag(fid, view["version"])})


async def _json_body(request: Request) -> Any:
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media != JSON:
        raise ApiProblem(415, "不支持的媒体类型 / Unsupported media type", "Content-Type 须为 application/json")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiProblem(413, "请求体过大 / Payload too large", f"请求体超过 {MAX_BODY_BYTES} 字节 / body too large")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidFeature(f"请求体不是合法 JSON / body is not valid JSON: {exc}", field="body") from None


def _step_json(layer: LayerDefinition, step: HistoryRow) -> dict[str, Any]:
    spec = workflow_of(layer)

    def state(state_id: str | None) -> dict[str, Any] | None:
        found = spec.state(state_id) if state_id else None
        return None if state_id is None else {"id": state_id, "name_zh": found.name_zh if found else state_id}

    transition = spec.transition(step.transition) if step.transition else None
    return {
        "seq": step.seq, "at": step.at, "actor": step.actor, "actor_org": step.actor_org,
        "holder_org": step.holder_org, "region": step.region,
        "transition": None if step.transition is None else {
            "id": step.transition, "name_zh": transition.name_zh if transition else step.transition},
        "from": state(step.from_state), "to": state(step.to_state), "comment": step.comment,
        "values": dict(step.values), "state_since": step.state_since, "deadline": step.deadline, "late": step.late,
        # stored in EPSG:4490 lon/lat, which CRS84 clients read as is (no datum shift applies)
        "geometry": None if step.geometry is None else orjson.loads(shapely.to_geojson(step.geometry)),
    }


@router.get("/collections/{collection_id}/items/{feature_id}/workflow/history", include_in_schema=False)
def history(request: Request, collection_id: str, feature_id: str) -> Response:
    layer, fid = _workflow_layer(request, collection_id, feature_id)
    store = services(request).store
    steps = store.history(layer, fid)
    if not steps:
        store.get(layer, fid, STORAGE)  # a missing item is a 404, not an empty history
    return _json({"collection": layer.id, "id": fid, "history": [_step_json(layer, s) for s in steps],
                  "links": _links(request, layer, fid)})


# -- attachments ---------------------------------------------------------------------------------
def _attachment_json(request: Request, layer: LayerDefinition, attachment: Attachment) -> dict[str, Any]:
    href = f"{base_url(request)}/collections/{layer.id}/items/{attachment.fid}/attachments/{attachment.id}"
    return {"id": attachment.id, "name": attachment.name, "filename": attachment.filename,
            "media_type": attachment.media_type, "size": attachment.size, "sha256": attachment.sha256,
            "uploaded_by": attachment.uploaded_by, "uploaded_at": attachment.uploaded_at,
            "links": [{"href": href, "rel": "enclosure", "type": attachment.media_type}]}


@router.get("/collections/{collection_id}/items/{feature_id}/attachments", include_in_schema=False)
def list_attachments(request: Request, collection_id: str, feature_id: str) -> Response:
    layer, fid = _workflow_layer(request, collection_id, feature_id)
    store = services(request).store
    store.get(layer, fid, STORAGE)
    found = store.attachments(layer, fid)
    return _json({"collection": layer.id, "id": fid, "attachments": [_attachment_json(request, layer, a)
                                                                      for a in found]})


def _filename(raw: str | None) -> str:
    name = (raw or "attachment").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())[:200]
    return name or "attachment"


@router.post("/collections/{collection_id}/items/{feature_id}/attachments", include_in_schema=False)
async def upload(request: Request, collection_id: str, feature_id: str) -> Response:
    layer, fid = _workflow_layer(request, collection_id, feature_id, ("name", "filename"))
    actor = _named_caller(request, layer)
    if not actor.may_handle(layer):
        raise ApiProblem(403, "禁止访问 / Forbidden", f"无权为{layer.title_zh}上传附件 / your roles may not add "
                                                  "evidence to this collection's items")
    name = request.query_params.get("name", "")
    if not EVIDENCE_NAME.match(name):
        raise InvalidQuery("name 须为要件名称（小写字母、数字、下划线）/ name must be the evidence name, e.g. "
                           "rectify_photo", parameter="name")
    media = (request.headers.get("content-type") or "application/octet-stream").split(";")[0].strip().lower()
    content = await request.body()
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ApiProblem(413, "附件过大 / Payload too large", f"附件超过 {MAX_ATTACHMENT_BYTES} 字节 / file too large")
    if not content:
        raise InvalidFeature("附件为空 / the file is empty", field="body")
    attachment = Attachment(id=uuid.uuid4().hex, layer_id=layer.id, fid=fid, name=name,
                            filename=_filename(request.query_params.get("filename")), media_type=media or
                            "application/octet-stream", size=len(content),
                            sha256=hashlib.sha256(content).hexdigest(), uploaded_by=actor.name,
                            uploaded_at=utc_now(), content=content)
    stored = await run_in_threadpool(services(request).store.put_attachment, layer, attachment)
    body = _attachment_json(request, layer, stored)
    return _json(body, status=201, headers={"Location": body["links"][0]["href"]})


@router.get("/collections/{collection_id}/items/{feature_id}/attachments/{attachment_id}", include_in_schema=False)
def download(request: Request, collection_id: str, feature_id: str, attachment_id: str) -> Response:
    layer, fid = _workflow_layer(request, collection_id, feature_id)
    attachment = services(request).store.get_attachment(layer, fid, attachment_id)
    disposition = f"attachment; filename*=UTF-8''{quote(attachment.filename)}"
    return Response(attachment.content or b"", media_type=attachment.media_type,
                    headers={"Content-Disposition": disposition, "ETag": f'"{attachment.sha256}"',
                             "X-Content-Type-Options": "nosniff"})


# -- creation through OGC API Part 4 (called by routers/transactions.py) -------------------------
def create_workflow_item(request: Request, layer: LayerDefinition, record: FeatureRecord) -> int:
    """Create an item of a workflow layer through the engine (initial state, holder, deadline)."""
    return create_item(services(request).store, layer, record, _named_caller(request, layer))


def workflow_body(layer: LayerDefinition, body: Any, current: dict[str, Any] | None = None) -> Any:
    """A Part 4 request body for a workflow layer: a new item gets the initial state when it names none;
    a replacement keeps the supervision fields it leaves out (`current`: the item's properties)."""
    if layer.workflow is None or not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        return body
    if current is None:
        return {**body, "properties": with_initial_state(layer, body["properties"])}
    return {**body, "properties": keep_supervision(layer, body["properties"], current)}
