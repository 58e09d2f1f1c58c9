"""Running an item's state machine: what the caller may do now, and doing it.

`perform` checks, in this order, and writes nothing unless every check passes:

1. a pinned version (`If-Match`) that is not the item's → `VersionConflict` (412);
2. the transition exists and starts from the item's state → else `TransitionNotAllowed` (409,
   listing the transitions that start from it);
3. the caller's roles allow it → else `TransitionForbidden` (403, listing what the caller may do);
4. required fields, attachments and comment are there → else `MissingEvidence` (400, naming each);

then asks the store for a guarded write (state and version as read, history row in the same
transaction). A concurrent transition that got there first makes the store miss with
`StateConflict` (409, with the current state); a concurrent plain edit that left the state alone
only moved the version, so the engine reads again and retries (unless the caller pinned a version).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domains.workflow.actor import Actor
from domains.workflow.deadlines import deadline_for, hours_between, is_overdue, utc_now
from domains.workflow.fields import region_of
from domains.workflow.requirements import describe, filled, missing_message, requirements
from layers.errors import (
    InvalidFeature,
    MissingEvidence,
    NotAWorkflowLayer,
    StateConflict,
    TransitionForbidden,
    TransitionNotAllowed,
    VersionConflict,
)
from layers.model import LayerDefinition
from layers.query import OutputCrs, StoredFeature
from layers.stores.base import FeatureStore
from layers.stores.history import Attachment, GuardedTransition, HistoryRow
from layers.validation import check_properties
from layers.workflow import (
    DEADLINE_FIELD,
    HOLDER_FIELD,
    HOLDER_ORG_FIELD,
    OVERDUE_FIELD,
    SINCE_FIELD,
    STATE_FIELD,
    WorkflowSpec,
)

STORAGE = OutputCrs(4490, lat_first=False)
#: Supervision fields a transition may set through its values: handing the item to someone.
HAND_OVER_FIELDS = (HOLDER_FIELD, HOLDER_ORG_FIELD)
#: Key under which a history row's values keep the attachment ids given with the transition.
ATTACHMENTS_KEY = "_attachments"
#: Reads and guarded writes tried before a stream of concurrent plain edits is reported as a conflict.
ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class TransitionRequest:
    """What a caller asks: a transition, with a comment, field values and attachment ids."""

    transition: str
    comment: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    attachments: Sequence[str] = ()


def workflow_of(layer: LayerDefinition) -> WorkflowSpec:
    if layer.workflow is None:
        raise NotAWorkflowLayer(f"图层 {layer.id} 没有办理流程 / collection {layer.id!r} has no workflow")
    return layer.workflow


def workflow_view(store: FeatureStore, layer: LayerDefinition, fid: int, actor: Actor,
                  now: datetime | None = None) -> dict[str, Any]:
    """The item's state, holder, deadline and the transitions the caller may make now (JSON)."""
    spec = workflow_of(layer)
    feature = store.get(layer, fid, STORAGE)
    return view_of(layer, spec, feature, actor, store.attachments(layer, fid), now or utc_now())


def view_of(layer: LayerDefinition, spec: WorkflowSpec, feature: StoredFeature, actor: Actor,
            attachments: Sequence[Attachment], now: datetime) -> dict[str, Any]:
    props = feature.properties
    state_id = props.get(STATE_FIELD)
    state = spec.state(state_id) if state_id else None
    deadline = props.get(DEADLINE_FIELD)
    terminal = bool(state and state.terminal)
    late = is_overdue(deadline, now, terminal=terminal)
    options = [describe(spec, t, requirements(layer, t, props, attachments=attachments))
               for t in spec.leaving(state_id or "") if actor.may_make(t)]
    return {
        "collection": layer.id, "id": feature.fid, "version": feature.version,
        "state": {"id": state_id, "name_zh": state.name_zh if state else None,
                  "name_en": state.name_en if state else None, "terminal": terminal},
        "holder": props.get(HOLDER_FIELD), "holder_org": props.get(HOLDER_ORG_FIELD),
        "since": props.get(SINCE_FIELD), "deadline": deadline,
        "overdue": late, "hours_overdue": round(hours_between(deadline, now), 2) if late else None,
        "transitions": options,
        "attachments": [{"id": a.id, "name": a.name, "filename": a.filename, "media_type": a.media_type,
                         "size": a.size} for a in attachments],
    }


def perform(store: FeatureStore, layer: LayerDefinition, fid: int, request: TransitionRequest, actor: Actor, *,
            now: datetime | None = None, if_match: int | None = None) -> StoredFeature:
    """Make the transition; returns the item as stored after it (storage CRS)."""
    spec = workflow_of(layer)
    values = _values(layer, request.values)
    for _ in range(ATTEMPTS):
        feature = store.get(layer, fid, STORAGE)
        if if_match is not None and if_match != feature.version:
            raise VersionConflict(
                f"要素已被他人修改（当前版本 {feature.version}）/ the item changed since the given entity tag "
                f"(current version {feature.version})", current_version=feature.version)
        change = _checked_change(store, layer, spec, feature, request, values, actor, now or utc_now())
        try:
            return store.transition(layer, change)
        except VersionConflict:
            if if_match is not None:
                raise
        except StateConflict as exc:
            current = str(exc.extensions.get("current_state"))
            raise StateConflict(exc.message, current_state=current,
                                current_version=exc.extensions.get("current_version"),
                                allowed=_allowed(spec, current, actor)) from exc
    raise StateConflict("该事项正被他人修改，请稍后重试 / the item keeps changing; try again",
                        current_state=feature.properties.get(STATE_FIELD))


def _values(layer: LayerDefinition, given: Mapping[str, Any]) -> dict[str, Any]:
    """Field values given with a transition, checked against the layer; supervision fields other than
    the hand-over ones are the engine's to set."""
    if not isinstance(given, Mapping):
        raise InvalidFeature("values 须为 JSON 对象 / values must be an object", field="values")
    locked = sorted(set(given) & {STATE_FIELD, SINCE_FIELD, DEADLINE_FIELD, OVERDUE_FIELD})
    if locked:
        raise InvalidFeature(f"不能直接设置 {', '.join(locked)} / these supervision fields are set by the workflow: "
                             f"{', '.join(locked)}", field=locked[0])
    return check_properties(layer, dict(given), partial=True)


def _allowed(spec: WorkflowSpec, state: str, actor: Actor | None = None) -> list[dict[str, Any]]:
    return [describe(spec, t) for t in spec.leaving(state) if actor is None or actor.may_make(t)]


def _checked_change(store: FeatureStore, layer: LayerDefinition, spec: WorkflowSpec, feature: StoredFeature,
                    request: TransitionRequest, values: dict[str, Any], actor: Actor,
                    now: datetime) -> GuardedTransition:
    props = feature.properties
    state = str(props.get(STATE_FIELD))
    state_name = spec.state(state).name_zh if spec.state(state) else state
    transition = spec.transition(request.transition)
    if transition is None or state not in transition.from_states:
        what = "未知操作" if transition is None else f"“{transition.name_zh}”不能在此状态办理"
        raise TransitionNotAllowed(
            f"{what}，当前状态“{state_name}” / transition {request.transition!r} is not allowed from state "
            f"{state!r}", current_state=state, allowed=_allowed(spec, state))
    if not actor.may_make(transition):
        raise TransitionForbidden(
            f"无权办理“{transition.name_zh}”（需要角色 {'、'.join(transition.roles)}）/ your roles do not allow "
            f"transition {transition.id!r}", current_state=state, allowed=_allowed(spec, state, actor))
    attachments = store.attachments(layer, feature.fid)
    known = {attachment.id for attachment in attachments}
    strangers = [ident for ident in request.attachments if ident not in known]
    if strangers:
        raise InvalidFeature(f"附件不属于该事项 / attachments not on this item: {', '.join(strangers)}",
                             field="attachments")
    missing = [need for need in requirements(layer, transition, props, values, attachments, request.comment)
               if not need.present]
    if missing:
        raise MissingEvidence(missing_message(missing), current_state=state,
                              missing=[need.as_json() for need in missing])
    target = spec.state(transition.to)
    assert target is not None
    merged = {**props, **values}
    deadline = deadline_for(target, merged, now)
    updates = {
        **values, STATE_FIELD: transition.to, SINCE_FIELD: now, DEADLINE_FIELD: deadline,
        HOLDER_FIELD: values.get(HOLDER_FIELD) if filled(values.get(HOLDER_FIELD)) else actor.name,
        HOLDER_ORG_FIELD: values.get(HOLDER_ORG_FIELD) if filled(values.get(HOLDER_ORG_FIELD)) else actor.organisation,
        OVERDUE_FIELD: is_overdue(deadline, now, terminal=target.terminal),
    }
    left_deadline = props.get(DEADLINE_FIELD)
    recorded = dict(values)
    if request.attachments:
        recorded[ATTACHMENTS_KEY] = list(request.attachments)
    step = HistoryRow(
        layer_id=layer.id, fid=feature.fid, seq=0, at=now, actor=actor.name, to_state=transition.to,
        from_state=state, transition=transition.id, actor_org=actor.organisation,
        holder_org=props.get(HOLDER_ORG_FIELD), region=region_of(merged), domain=layer.domain,
        comment=request.comment.strip() if filled(request.comment) else None, values=recorded,
        state_since=props.get(SINCE_FIELD), deadline=left_deadline,
        late=left_deadline is not None and now > left_deadline)
    return GuardedTransition(fid=feature.fid, expected_state=state, expected_version=feature.version,
                             properties=updates, history=step)
