"""Creating a workflow item: it starts in the initial state, held by its creator.

The creator becomes the holder (and their organisation the holding organisation); the state's
clock starts now and its deadline follows from the initial state. A client may not create an
item in another state or set the other supervision fields. An item without a region (`adcode`)
gets the creator's. Feature and creation step are written in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domains.workflow.actor import Actor
from domains.workflow.deadlines import deadline_for, is_overdue, utc_now
from domains.workflow.engine import workflow_of
from domains.workflow.fields import REGION_FIELD, region_of
from domains.workflow.requirements import filled
from layers.errors import SupervisionFieldsLocked, TransitionForbidden
from layers.model import LayerDefinition
from layers.stores.base import FeatureRecord, FeatureStore
from layers.stores.history import HistoryRow
from layers.workflow import (
    DEADLINE_FIELD,
    HOLDER_FIELD,
    HOLDER_ORG_FIELD,
    OVERDUE_FIELD,
    SINCE_FIELD,
    STATE_FIELD,
    SUPERVISION_FIELDS,
)


def with_initial_state(layer: LayerDefinition, properties: dict[str, Any]) -> dict[str, Any]:
    """Properties of a new item with the initial state filled in when the client left it out."""
    spec = workflow_of(layer)
    if properties.get(STATE_FIELD) is None:
        return {**properties, STATE_FIELD: spec.initial}
    return properties


def create_item(store: FeatureStore, layer: LayerDefinition, record: FeatureRecord, actor: Actor, *,
                now: datetime | None = None) -> int:
    """Insert a new item in the initial state with its creation step; returns its fid."""
    spec = workflow_of(layer)
    if not actor.may_create(layer):
        roles = spec.create_roles or layer.write_roles
        raise TransitionForbidden(f"无权新建{layer.title_zh}（需要角色 {'、'.join(roles)}）/ your roles may not "
                                  f"create items in {layer.id!r}", allowed=[])
    initial = spec.state(spec.initial)
    assert initial is not None
    given = record.properties
    state = given.get(STATE_FIELD)
    if state is not None and state != spec.initial:
        raise SupervisionFieldsLocked(
            f"新建事项只能处于初始状态“{initial.name_zh}” / a new item starts in state {spec.initial!r}; move it on "
            "through the workflow endpoint", field=STATE_FIELD, fields=[STATE_FIELD])
    set_by_client = [name for name in SUPERVISION_FIELDS if name != STATE_FIELD and filled(given.get(name))]
    if set_by_client:
        raise SupervisionFieldsLocked(
            f"监管字段由办理流程设置，不能直接填写：{', '.join(set_by_client)} / supervision fields are set by the "
            f"workflow: {', '.join(set_by_client)}", field=set_by_client[0], fields=set_by_client)
    moment = now or utc_now()
    properties = dict(given)
    if layer.field(REGION_FIELD) is not None and not filled(properties.get(REGION_FIELD)) and actor.region:
        properties[REGION_FIELD] = actor.region
    deadline = deadline_for(initial, properties, moment)
    properties.update({STATE_FIELD: spec.initial, HOLDER_FIELD: actor.name, HOLDER_ORG_FIELD: actor.organisation,
                       SINCE_FIELD: moment, DEADLINE_FIELD: deadline,
                       OVERDUE_FIELD: is_overdue(deadline, moment, terminal=initial.terminal)})
    step = HistoryRow(layer_id=layer.id, fid=0, seq=1, at=moment, actor=actor.name, to_state=spec.initial,
                      actor_org=actor.organisation, region=region_of(properties), domain=layer.domain)
    return store.insert_with_history(layer, [(FeatureRecord(record.geometry, properties), [step])])[0]
