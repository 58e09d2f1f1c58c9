"""Sample lives planned by pace: an item's transitions, each after a share of the time its state
allows, laid out from its creation and cut off at `now`.

A generator says, per item, who created it and when, and which transitions follow, each taking
`pace` × the state's allowed time (0.5 = half of it; above 1 = late) or a fixed number of hours,
and optionally moved into office hours. `walk` turns that plan into `Step`s — only those up to
`now` (so recent items are still open, and an item whose stay runs past its deadline is overdue
now) — and replays them through `domains.framework.sample_items.build_item`, which checks them
against the layer's workflow and derives the record's supervision fields (holder = the last
actor). Actors are sample accounts `<role>.<unit>.<nn>` (`sample_items.account`).
Imports `layers` and `domains.framework` only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from domains.framework.sample_items import Step, WorkflowItem, build_item, state_deadline
from layers.model import LayerDefinition
from layers.stores.base import FeatureRecord
from layers.validation import CHINA_TZ
from layers.workflow import (
    DEADLINE_FIELD,
    HOLDER_FIELD,
    HOLDER_ORG_FIELD,
    OVERDUE_FIELD,
    SINCE_FIELD,
    STATE_FIELD,
    HistoryEntry,
)

#: Values given with a step: a mapping, or a function of the step's moment returning one.
StepValues = Mapping[str, Any] | Callable[[datetime], Mapping[str, Any]]
SUPERVISION = (STATE_FIELD, HOLDER_FIELD, HOLDER_ORG_FIELD, SINCE_FIELD, DEADLINE_FIELD, OVERDUE_FIELD)


@dataclass(frozen=True, slots=True)
class Actor:
    """A sample account (`<role>.<unit>.<nn>`), its organisation, role and (for people) name."""

    id: str
    org: str
    role: str
    name_zh: str = ""


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """One planned transition: taken after `pace` × the state's allowed time (or after `hours`)."""

    transition: str
    actor: Actor
    pace: float = 0.5
    hours: float | None = None
    values: StepValues = field(default_factory=dict)
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Walked:
    """An item as of `now`: its record (fields and supervision fields) and its history."""

    item: WorkflowItem

    @property
    def record(self) -> FeatureRecord:
        return self.item.record

    @property
    def history(self) -> tuple[HistoryEntry, ...]:
        return self.item.history

    @property
    def values(self) -> dict[str, Any]:
        return self.item.record.properties

    @property
    def supervision(self) -> dict[str, Any]:
        return {name: self.values.get(name) for name in SUPERVISION}

    @property
    def state(self) -> str:
        return self.history[-1].to_state

    def entry(self, transition: str) -> HistoryEntry | None:
        """The last entry made by `transition`, if the item went through it."""
        for entry in reversed(self.history):
            if entry.transition == transition:
                return entry
        return None


class PlanError(ValueError):
    """A planned step is not a transition the workflow allows from the item's state."""


def walk(layer: LayerDefinition, *, created_at: datetime, creator: Actor, steps: Sequence[PlannedStep],
         now: datetime, geometry: BaseGeometry, values: Mapping[str, Any], fallback_hours: float = 72.0,
         comment: str | None = None, office_hours: bool = True) -> Walked:
    """Lay the plan out from `created_at` up to `now` and build the item.

    `values` are the item's fields at creation; a step's values (fields, and attachment ids under
    `sample_items.ATTACHMENTS_KEY`) are recorded with its entry and its fields update the item.
    With `office_hours`, a step falling outside 08:30–17:30 China time moves to the next opening.
    """
    spec = layer.workflow
    if spec is None:
        raise PlanError(f"layer {layer.id} has no workflow")
    if created_at > now:
        raise PlanError(f"{layer.id}: item created after now ({created_at} > {now})")
    names = set(layer.field_names)
    current = dict(values)
    taken = [Step(created_at, creator.id, creator.org, comment=comment)]
    state_id, since = spec.initial, created_at
    for planned in steps:
        transition = spec.transition(planned.transition)
        state = spec.state(state_id)
        if transition is None or state is None or state_id not in transition.from_states:
            raise PlanError(f"{layer.id}: transition {planned.transition!r} is not allowed from {state_id!r}")
        deadline = state_deadline(state, since, current)
        if planned.hours is not None:
            hours = planned.hours
        elif deadline is not None:
            hours = planned.pace * max((deadline - since).total_seconds() / 3600.0, 1.0)
        else:
            hours = planned.pace * fallback_hours
        at = since + timedelta(seconds=round(max(hours, 0.05) * 3600.0))
        if office_hours:
            at = in_office_hours(at)
        if at > now:
            break
        given = dict(planned.values(at) if callable(planned.values) else planned.values)
        current.update({k: v for k, v in given.items() if k in names})
        taken.append(Step(at, planned.actor.id, planned.actor.org, transition.id, planned.comment, given))
        state_id, since = transition.to, at
    return Walked(build_item(layer, geometry, values, taken, now))


def china_clock(moment: datetime, hour: int, minute: int = 0, *, days: int = 0) -> datetime:
    """`hour:minute` China time on the day `days` after the China-time day of `moment` (in UTC)."""
    day = moment.astimezone(CHINA_TZ).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA_TZ).astimezone(UTC)


def in_office_hours(moment: datetime) -> datetime:
    """`moment` if it falls in office hours (08:30–17:30 China time), else as far into the next
    opening as it lay after the last closing (wrapped to the working day)."""
    local = moment.astimezone(CHINA_TZ)
    opening = datetime.combine(local.date(), time(8, 30), tzinfo=CHINA_TZ)
    closing = opening + timedelta(hours=9)
    if opening <= local <= closing:
        return moment
    if local > closing:
        past, opening = local - closing, opening + timedelta(days=1)
    else:
        past = local - (closing - timedelta(days=1))
    offset = timedelta(seconds=past.total_seconds() % (9 * 3600))
    return (opening + offset).astimezone(UTC)


def working_moment(draw: np.random.Generator, now: datetime, max_days: float, min_days: float = 0.0) -> datetime:
    """A moment between `max_days` and `min_days` before `now`, in office hours (08:30–17:30 China
    time), never after `now` (a moment later today moves to the day before); whole minutes."""
    days = int(draw.integers(int(min_days), int(max_days) + 1))
    minute = int(draw.integers(0, 9 * 60))
    moment = china_clock(now, 8, 30, days=-days) + timedelta(minutes=minute)
    return moment - timedelta(days=1) if moment > now else moment


def pace(draw: np.random.Generator, late_share: float = 0.1, stall_share: float = 0.0) -> float:
    """How much of a state's allowed time a step takes: mostly well within, `late_share` of them late,
    `stall_share` of them stalled (three to twelve times the allowed time: long overdue)."""
    roll = draw.random()
    if roll < stall_share:
        return float(draw.uniform(3.0, 12.0))
    if roll < stall_share + late_share:
        return float(draw.uniform(1.05, 2.2))
    return float(draw.uniform(0.08, 0.9))
