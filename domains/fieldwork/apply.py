"""Applying one field edit to its item through the platform's normal paths (sync and conflict resolution).

- transition: `domains.workflow.perform` as the person (their roles; required fields, evidence and
  comment checked; one guarded write + history row);
- move: `store.replace` of the geometry with every property kept, checked by the workflow guard
  (`protect_supervision`: state, holder and deadline never change this way), for people who may
  write the layer, like a Part 4 PUT;
- attachment: `store.put_attachment` with an id derived from the edit id, for people who may handle
  the layer's items, so the same photo is never stored twice on an item.

`expected_version` pins the item's version (sync: the version at export or after this package's
previous edit) so a concurrent server change surfaces as `VersionConflict`/`StateConflict`; None
applies to the item as it is now (a supervisor taking the field version). Refusals raise the
workflow's own errors (`TransitionForbidden`, `MissingEvidence`, `InvalidFeature`, …).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from domains.fieldwork.edits import FieldEdit
from domains.workflow.actor import Actor
from domains.workflow.engine import ATTACHMENTS_KEY, STORAGE, TransitionRequest, perform
from domains.workflow.guard import protect_supervision
from layers.access.view import roles_may_write
from layers.errors import InvalidFeature, TransitionForbidden, VersionConflict
from layers.model import LayerDefinition
from layers.query import StoredFeature
from layers.stores.base import FeatureRecord, FeatureStore
from layers.stores.history import Attachment, plain_values
from layers.validation import check_geometry, check_properties

#: Namespace of the attachment ids derived from edit ids.
ATTACHMENT_NAMESPACE = uuid.UUID("6f1d3c2e-7a51-4d0b-9b8e-3f0c5a9e2d41")


@dataclass(frozen=True, slots=True)
class Applied:
    """The item after the edit: its version and geometry, and the attachment stored (if any)."""

    version: int
    geometry: BaseGeometry | None
    attachment_id: str | None = None


def attachment_id_for(edit: FieldEdit, scope: str = "item") -> str:
    """The id an edit's photo gets on the item (`item`) or on its conflict record (`conflict`)."""
    return uuid.uuid5(ATTACHMENT_NAMESPACE, f"{scope}:{edit.edit_id}").hex


def geometry_of(feature: StoredFeature) -> BaseGeometry | None:
    return shape(feature.geometry) if feature.geometry else None


def apply_edit(store: FeatureStore, layer: LayerDefinition, edit: FieldEdit, actor: Actor, *,
               expected_version: int | None, now: datetime, evidence: Sequence[str] = ()) -> Applied:
    """Apply a transition, move or attachment edit (see the module docstring); `evidence` are attachment
    ids on the item to cite in the transition's history row."""
    if edit.kind == "transition":
        request = TransitionRequest(str(edit.transition), comment=edit.comment, values=dict(edit.values),
                                    attachments=tuple(evidence))
        after = perform(store, layer, edit.fid, request, actor, now=now, if_match=expected_version)
        return Applied(after.version, geometry_of(after))
    if edit.kind == "move":
        after = _move(store, layer, edit, actor, expected_version)
        return Applied(after.version, geometry_of(after))
    if edit.kind == "attachment":
        return _attach(store, layer, edit, actor, expected_version, now)
    raise ValueError(f"edit kind {edit.kind!r} changes no item")


def _current(store: FeatureStore, layer: LayerDefinition, fid: int, expected_version: int | None) -> StoredFeature:
    current = store.get(layer, fid, STORAGE)
    if expected_version is not None and current.version != expected_version:
        raise VersionConflict(f"要素已被他人修改（当前版本 {current.version}）/ the item changed on the server "
                              f"(version {current.version})", current_version=current.version)
    return current


def _move(store: FeatureStore, layer: LayerDefinition, edit: FieldEdit, actor: Actor,
          expected_version: int | None) -> StoredFeature:
    if not roles_may_write(layer, actor.roles):
        raise TransitionForbidden(f"无权调整{layer.title_zh}的位置 / your roles may not move items of {layer.id!r}")
    current = _current(store, layer, edit.fid, expected_version)
    assert edit.lon is not None and edit.lat is not None
    geometry = check_geometry(layer, Point(edit.lon, edit.lat))
    properties = check_properties(layer, current.properties)
    protect_supervision(layer, current.properties, properties)
    return store.replace(layer, edit.fid, FeatureRecord(geometry, properties), expected_version=current.version)


def _attach(store: FeatureStore, layer: LayerDefinition, edit: FieldEdit, actor: Actor,
            expected_version: int | None, now: datetime) -> Applied:
    if not actor.may_handle(layer):
        raise TransitionForbidden(f"无权为{layer.title_zh}上传附件 / your roles may not add evidence to {layer.id!r}")
    current = _current(store, layer, edit.fid, expected_version)
    ident = attachment_id_for(edit)
    if not has_attachment(store, layer, edit.fid, ident):
        content = edit.attachment or b""
        store.put_attachment(layer, Attachment(
            id=ident, layer_id=layer.id, fid=edit.fid, name=edit.attachment_name or "photo",
            filename=edit.attachment_filename or "attachment",
            media_type=edit.attachment_media_type or "application/octet-stream", size=len(content),
            sha256=hashlib.sha256(content).hexdigest(), uploaded_by=actor.name, uploaded_at=now, content=content))
    return Applied(current.version, geometry_of(current), ident)


def has_attachment(store: FeatureStore, layer: LayerDefinition, fid: int, ident: str) -> bool:
    return any(attachment.id == ident for attachment in store.attachments(layer, fid))


def transition_already_made(store: FeatureStore, layer: LayerDefinition, edit: FieldEdit, actor: Actor,
                            since: datetime) -> bool:
    """Whether the item's last step is this very edit (same person, transition, comment and values, taken
    after the package was built): a sync interrupted between the step and its receipt left it so."""
    steps = store.history(layer, edit.fid)
    if not steps:
        return False
    last = steps[-1]
    comment = edit.comment.strip() if edit.comment and edit.comment.strip() else None
    if last.transition != edit.transition or last.actor != actor.name or last.at < since or last.comment != comment:
        return False
    try:
        wanted = plain_values(check_properties(layer, dict(edit.values), partial=True))
    except InvalidFeature:
        return False
    made = {name: value for name, value in last.values.items() if name != ATTACHMENTS_KEY}
    return plain_values(made) == wanted
