"""A supervisor's side of field-work conflicts: list the open ones, resolve one.

Resolving is a workflow transition on the conflict record (roles: `field_supervisor`, or admin):

- `keep_server` (保留服务器版本): the record is closed; the item stays as the server has it;
- `take_field` (采用现场版本): the field edit is applied now to the item as it currently is, as the
  person who recorded it (their roles at sync time) through the same path as sync
  (`apply.apply_edit`), receipted, and then the record is closed. If the workflow refuses the edit
  now, the error is raised and the record stays open.

The edit and the record's transition are separate transactions: if the closing transition fails
(another supervisor closed it meanwhile), the edit has been applied and receipted already; the photo
of an attachment edit is stored under the same id as sync would, so it is never stored twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from domains.fieldwork import journal
from domains.fieldwork.apply import apply_edit, attachment_id_for
from domains.fieldwork.edits import FieldEdit
from domains.fieldwork.errors import FieldworkError
from domains.fieldwork.reader import PackageInfo
from domains.fieldwork.records import CONFLICTS_LAYER, KEEP_SERVER, PENDING, TAKE_FIELD
from domains.workflow.actor import Actor
from domains.workflow.deadlines import to_millisecond, utc_now
from domains.workflow.engine import STORAGE, TransitionRequest, perform
from layers.errors import (
    AttachmentNotFound,
    LayerNotFound,
    TransitionForbidden,
    TransitionNotAllowed,
)
from layers.filters.parse import parse_filter
from layers.model import LayerDefinition
from layers.query import FeatureQuery, StoredFeature
from layers.stores.base import FeatureStore
from layers.workflow import STATE_FIELD

CHOICES = {"field": TAKE_FIELD, "server": KEEP_SERVER}
PAGE = 1_000


@dataclass(frozen=True, slots=True)
class OpenConflict:
    """An unresolved record with both versions decoded."""

    fid: int
    properties: dict[str, Any]
    field_edit: dict[str, Any]
    server_properties: dict[str, Any] | None
    server_geometry: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        plain = {k: v for k, v in self.properties.items()
                 if k not in ("field_edit", "server_properties", "server_geometry")}
        return {"id": self.fid, **plain, "field_edit": self.field_edit,
                "server": {"properties": self.server_properties, "geometry": self.server_geometry}}


def _decoded(text: Any) -> Any:
    return orjson.loads(text) if isinstance(text, str) and text else None


def open_conflicts(store: FeatureStore, *, source_layer: str | None = None, package_id: str | None = None,
                   limit: int = PAGE) -> list[OpenConflict]:
    """Pending conflict records (oldest first), optionally of one item layer or one package."""
    args: list[dict[str, Any]] = [{"op": "=", "args": [{"property": STATE_FIELD}, PENDING]}]
    if source_layer is not None:
        args.append({"op": "=", "args": [{"property": "source_layer"}, source_layer]})
    if package_id is not None:
        args.append({"op": "=", "args": [{"property": "package_id"}, package_id]})
    expression = args[0] if len(args) == 1 else {"op": "and", "args": args}
    cql = parse_filter(orjson.dumps(expression).decode(), "cql2-json", CONFLICTS_LAYER)
    try:
        page = store.query(CONFLICTS_LAYER, FeatureQuery(cql=cql, limit=limit, crs=STORAGE, count=False,
                                                         skip_geometry=True))
    except LayerNotFound:
        return []  # no package was ever synced here
    found = []
    for feature in orjson.loads(page.features_json):
        props = feature["properties"]
        found.append(OpenConflict(fid=int(feature["id"]), properties=props,
                                  field_edit=_decoded(props.get("field_edit")) or {},
                                  server_properties=_decoded(props.get("server_properties")),
                                  server_geometry=_decoded(props.get("server_geometry"))))
    return found


def resolve_conflict(store: FeatureStore, registry_layers: Sequence[LayerDefinition], conflict_fid: int,
                     supervisor: Actor, choice: str, *, comment: str | None = None,
                     now: datetime | None = None) -> StoredFeature:
    """Take the field version (`choice="field"`) or keep the server's (`"server"`); returns the closed record."""
    if choice not in CHOICES:
        raise FieldworkError(f"处理方式须为 field 或 server / choice must be 'field' or 'server', not {choice!r}")
    moment = to_millisecond(now) if now is not None else utc_now()
    record = store.get(CONFLICTS_LAYER, conflict_fid, STORAGE)
    _check_may_close(record, supervisor, CHOICES[choice])
    if choice == "field":
        _take_field(store, registry_layers, record, supervisor, moment)
    return perform(store, CONFLICTS_LAYER, conflict_fid, TransitionRequest(CHOICES[choice], comment=comment),
                   supervisor, now=moment)


def _check_may_close(record: StoredFeature, supervisor: Actor, transition_id: str) -> None:
    """The engine's state and role checks, made before the field edit is applied."""
    assert CONFLICTS_LAYER.workflow is not None
    transition = CONFLICTS_LAYER.workflow.transition(transition_id)
    assert transition is not None
    if record.properties.get(STATE_FIELD) != PENDING:
        raise TransitionNotAllowed(f"该冲突已处理 / conflict {record.fid} is already resolved",
                                   current_state=record.properties.get(STATE_FIELD), allowed=[])
    if not supervisor.may_make(transition):
        raise TransitionForbidden(f"无权处理现场作业冲突（需要角色 {'、'.join(transition.roles)}）/ your roles may not "
                                  "resolve field-work conflicts", current_state=PENDING, allowed=[])


def _take_field(store: FeatureStore, registry_layers: Sequence[LayerDefinition], record: StoredFeature,
                supervisor: Actor, now: datetime) -> None:
    props = record.properties
    data = _decoded(props.get("field_edit"))
    if not isinstance(data, dict):
        raise FieldworkError(f"冲突记录 {record.fid} 缺少现场版本 / conflict {record.fid} holds no field edit")
    edit = FieldEdit.from_json(data)
    if edit.kind == "attachment":
        try:
            photo = store.get_attachment(CONFLICTS_LAYER, record.fid, attachment_id_for(edit, "conflict"))
        except AttachmentNotFound as exc:
            raise FieldworkError(f"冲突记录 {record.fid} 的照片缺失 / the photo of conflict {record.fid} is missing; "
                                 "sync the package again to restore it") from exc
        edit = FieldEdit.from_json(data, photo.content)
    layer = next((layer for layer in registry_layers if layer.id == edit.layer_id), None)
    if layer is None:
        raise FieldworkError(f"服务器上已没有图层 {edit.layer_id} / the layer {edit.layer_id!r} no longer exists")
    roles = frozenset(orjson.loads(props.get("recorded_roles") or "[]"))
    person = Actor(name=str(props.get("recorded_by")), roles=roles, organisation=props.get("recorded_org"),
                   region=props.get("adcode"))
    applied = apply_edit(store, layer, edit, person, expected_version=None, now=now)
    info = PackageInfo(package_id=str(props.get("package_id") or ""), user=person.name, roles=tuple(person.roles),
                       built_at=now, server_instance=store.instance_id(), layers=(layer.id,))
    journal.write_receipt(store, edit, info, layer, applied, None, supervisor, now)
