"""Sample items of workflow layers: lives laid out in time, replayed into consistent histories.

A domain's sample generator decides each item's life — the transitions it went through, who
made them, when — as `Step`s. `build_item` replays them through the layer's workflow and refuses
any step the declaration does not allow (not from the current state, a role the transition does
not name, a required field, attachment or comment missing, time running backwards), then returns
the record with its supervision fields taken from the last step (state, holder = the last actor,
holder_org = the last actor's organisation, since, deadline, overdue at `now`) and the history
entries the workflow engine stores. `lay_out` spaces a path of transitions around the reference
time so that each stay is on time or late, and the item is overdue now or not, as asked.

Sample accounts carry their role: `<role>.<unit>.<nn>` (e.g. `permit_officer.220100.03`), so a
reader of a history can check that only allowed roles acted (`role_of`).

Loading: `load_records` (plain layers, `store.insert`) and `load_items` (workflow layers, through
the engine's `domains.workflow.samples.insert_items`) validate every row against its layer first
and leave a layer that already holds features alone unless the context asks to replace.
May import: `layers`, `domains.framework`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

import numpy as np
from shapely.geometry.base import BaseGeometry

from domains.framework.domain import SampleContext
from domains.framework.samples import SampleLoadError, has_features
from layers.errors import InvalidFeature
from layers.model import LayerDefinition
from layers.stores.base import FeatureRecord
from layers.validation import CHINA_TZ, check_geometry, check_properties
from layers.workflow import (
    DEADLINE_FIELD,
    HOLDER_FIELD,
    HOLDER_ORG_FIELD,
    OVERDUE_FIELD,
    SINCE_FIELD,
    STATE_FIELD,
    HistoryEntry,
    WorkflowSpec,
    WorkflowState,
)


@dataclass(frozen=True, slots=True)
class Step:
    """One moment of an item's life: its creation (`transition` None) or a transition."""

    at: datetime
    actor: str
    actor_org: str
    transition: str | None = None
    comment: str | None = None
    #: Fields set with the step (they update the item) and the attachment ids it carries (`attachments`).
    values: Mapping[str, Any] = field(default_factory=dict)


class WorkflowItem(NamedTuple):
    """What the engine's `insert_items` takes: the record and its history, oldest first."""

    record: FeatureRecord
    history: tuple[HistoryEntry, ...]


#: Where a history entry's values keep the attachment ids given with a transition (as the engine records them).
ATTACHMENTS_KEY = "_attachments"


def attachments(item_no: str, *names: str) -> dict[str, list[str]]:
    """Values naming sample attachments: ids `<item number>/<attachment name>`."""
    return {ATTACHMENTS_KEY: [f"{item_no}/{name}" for name in names]}


def role_of(actor: str) -> str:
    """The role a sample account acts in (`permit_officer.220100.03` → `permit_officer`)."""
    return actor.split(".", 1)[0]


def account(role: str, unit: str, number: int) -> str:
    return f"{role}.{unit}.{number:02d}"


def state_deadline(state: WorkflowState, since: datetime, values: Mapping[str, Any]) -> datetime | None:
    """When an item entering `state` at `since` must leave it (None: no limit)."""
    if state.terminal:
        return None
    if state.time_limit_hours is not None:
        return since + timedelta(hours=state.time_limit_hours)
    if state.deadline_field is not None:
        value = values.get(state.deadline_field)
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=CHINA_TZ)
        if isinstance(value, date):  # a date deadline ends with that day, China time
            return datetime.combine(value + timedelta(days=1), time(0), CHINA_TZ)
    return None


class SampleHistoryError(ValueError):
    """A generated life breaks the layer's workflow: a bug in the sample generator."""


def build_item(layer: LayerDefinition, geometry: BaseGeometry, properties: Mapping[str, Any],
               steps: Sequence[Step], now: datetime) -> WorkflowItem:
    """Replay `steps` (creation first) through the layer's workflow into a record and its history."""
    spec = _spec(layer)
    created, *moves = steps
    if created.transition is not None:
        raise SampleHistoryError(f"{layer.id}: the first step must be the creation")
    if role_of(created.actor) not in (spec.create_roles or layer.write_roles):
        raise SampleHistoryError(f"{layer.id}: {created.actor} may not create items")
    names = set(layer.field_names)
    current = dict(properties)
    current.update({k: v for k, v in created.values.items() if k in names})
    state_id, since = spec.initial, created.at
    deadline = state_deadline(_state(spec, state_id), since, current)
    entries = [HistoryEntry(at=created.at, actor=created.actor, actor_org=created.actor_org, to_state=state_id,
                            comment=created.comment, geometry=geometry, values=dict(created.values))]
    for step in moves:
        transition = spec.transition(step.transition or "")
        where = f"{layer.id} {step.transition} at {step.at.isoformat()}"
        if transition is None or state_id not in transition.from_states:
            raise SampleHistoryError(f"{where}: not a transition from {state_id}")
        if role_of(step.actor) not in transition.roles:
            raise SampleHistoryError(f"{where}: role {role_of(step.actor)} not in {transition.roles}")
        if step.at < since or step.at > now:
            raise SampleHistoryError(f"{where}: out of order or in the future")
        current.update({k: v for k, v in step.values.items() if k in names})
        missing = [f for f in transition.requires if current.get(f) in (None, "")]
        given = [str(a) for a in step.values.get(ATTACHMENTS_KEY, ())]
        missing += [a for a in transition.attachments if not any(g.endswith(f"/{a}") for g in given)]
        if missing or (transition.comment_required and not step.comment):
            raise SampleHistoryError(f"{where}: missing {missing or 'comment'}")
        entries.append(HistoryEntry(at=step.at, actor=step.actor, actor_org=step.actor_org, to_state=transition.to,
                                    from_state=state_id, transition=transition.id, comment=step.comment,
                                    geometry=geometry, deadline=deadline, values=dict(step.values)))
        state_id, since = transition.to, step.at
        deadline = state_deadline(_state(spec, state_id), since, current)
    last = steps[-1]
    current.update({
        STATE_FIELD: state_id, HOLDER_FIELD: last.actor, HOLDER_ORG_FIELD: last.actor_org, SINCE_FIELD: since,
        DEADLINE_FIELD: deadline, OVERDUE_FIELD: deadline is not None and now > deadline,
    })
    return WorkflowItem(FeatureRecord(geometry=geometry, properties=current), tuple(entries))


def lay_out(layer: LayerDefinition, path: Sequence[str], *, draw: np.random.Generator, now: datetime,
            planned_hours: Mapping[str, float] | None = None, late: Collection[int] = (),
            overdue: bool = False, ended_hours_ago: float = 0.0,
            open_hours: tuple[float, float] = (2.0, 48.0)) -> list[datetime]:
    """The times of an item's creation and of each transition of `path` (whole seconds, UTC).

    Each stay lasts a fraction (0.1–0.9) of its state's time limit, or 1.1–2.5 times it for the
    stays whose index is in `late`. A state whose deadline is an item field takes its limit from
    `planned_hours` (the generator then sets that field to entry time + planned hours); a state
    with no limit lasts `open_hours`. The item then sits in its final state: until `now` minus
    `ended_hours_ago` if that state is terminal, else for a fraction of its limit (more than the
    whole limit if `overdue`)."""
    spec = _spec(layer)
    planned = planned_hours or {}
    states = [spec.initial]
    for transition_id in path:
        transition = spec.transition(transition_id)
        if transition is None:
            raise SampleHistoryError(f"{layer.id}: unknown transition {transition_id}")
        states.append(transition.to)

    def limit(state_id: str) -> float:
        state = _state(spec, state_id)
        if state.time_limit_hours is not None:
            return state.time_limit_hours
        if state.deadline_field is not None:
            return planned[state_id]
        return float(draw.uniform(*open_hours))

    stays = [limit(s) * float(draw.uniform(1.1, 2.5) if i in late else draw.uniform(0.1, 0.9))
             for i, s in enumerate(states[:-1])]
    final = _state(spec, states[-1])
    if final.terminal:
        anchor = now - timedelta(hours=ended_hours_ago)
    else:
        anchor = now - timedelta(hours=limit(final.id) * float(draw.uniform(1.1, 3.0) if overdue
                                                               else draw.uniform(0.05, 0.9)))
    times = [_whole_second(anchor)]
    for hours in reversed(stays):
        times.append(times[-1] - timedelta(seconds=max(round(hours * 3600), 1)))
    return times[::-1]


def _whole_second(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _spec(layer: LayerDefinition) -> WorkflowSpec:
    if layer.workflow is None:
        raise SampleHistoryError(f"layer {layer.id} has no workflow")
    return layer.workflow


def _state(spec: WorkflowSpec, state_id: str) -> WorkflowState:
    state = spec.state(state_id)
    if state is None:
        raise SampleHistoryError(f"unknown state {state_id}")
    return state


# --- loading ------------------------------------------------------------------------------

def validated(layer: LayerDefinition, record: FeatureRecord) -> FeatureRecord:
    """The record as the layer stores it (values coerced); a sample the layer refuses is a bug."""
    try:
        return FeatureRecord(geometry=check_geometry(layer, record.geometry),
                             properties=check_properties(layer, record.properties))
    except InvalidFeature as exc:
        raise SampleLoadError(f"{layer.id}: 示例记录无效 / invalid sample row: {exc}") from exc


def _writable(context: SampleContext, layer_id: str) -> LayerDefinition | None:
    """The registered layer, emptied if asked; None if it holds data and must be left alone."""
    layer = context.registry.get(layer_id)
    if has_features(context.registry, layer):
        if not context.replace:
            return None
        context.registry.drop(layer.id)
        context.registry.register(layer)
    return layer


def load_records(context: SampleContext, layer_id: str, records: Sequence[FeatureRecord]) -> dict[str, int]:
    """Insert a plain layer's sample records in one transaction."""
    layer = _writable(context, layer_id)
    if layer is None:
        return {}
    rows = [validated(layer, r) for r in records]
    context.registry.store.insert(layer, rows)
    context.progress(layer_id, len(rows), len(rows))
    return {layer_id: len(rows)}


def load_items(context: SampleContext, layer_id: str, items: Sequence[WorkflowItem]) -> dict[str, int]:
    """Insert a workflow layer's sample items with their histories through the workflow engine."""
    from domains.workflow.samples import insert_items  # the engine's package; imported only when loading

    layer = _writable(context, layer_id)
    if layer is None:
        return {}
    rows = [(validated(layer, item.record), item.history) for item in items]
    insert_items(context.registry.store, layer, rows)
    context.progress(layer_id, len(rows), len(rows))
    return {layer_id: len(rows)}
