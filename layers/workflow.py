"""The declaration of a layer's workflow: a state machine that is data, stored with the layer.

A workflow names its states (Chinese first), the transitions between them with the roles that
may make each and the fields or attachments each requires, a time limit per state (a fixed
duration, or a deadline the item itself carries, such as a hazard's rectification deadline) and
the terminal states. Declared in YAML beside the layer (`workflow:`) or in Python; stored in the
registry with the layer, so every worker process knows it. The engine that runs it lives in
`domains.workflow`; this module only says what a valid declaration is.

A layer with a workflow carries the supervision fields below as ordinary properties, so they
appear in Features, CQL2 filters and vector tiles; `workflow_fields` adds the ones a declaration
does not spell out itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from shapely.geometry.base import BaseGeometry

#: Property names a workflow layer carries (added to its schema when not declared).
STATE_FIELD = "workflow_state"
HOLDER_FIELD = "holder"
HOLDER_ORG_FIELD = "holder_org"
SINCE_FIELD = "state_since"
DEADLINE_FIELD = "deadline"
OVERDUE_FIELD = "overdue"
SUPERVISION_FIELDS = (STATE_FIELD, HOLDER_FIELD, HOLDER_ORG_FIELD, SINCE_FIELD, DEADLINE_FIELD, OVERDUE_FIELD)


class WorkflowState(BaseModel):
    """One state: its name, its time limit and whether the item's life ends there."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    name_zh: str
    name_en: str | None = None
    #: The item must leave this state within this many hours of entering it.
    time_limit_hours: float | None = Field(default=None, gt=0)
    #: Or: the deadline is the item's own value of this date/datetime field (e.g. `rectify_by`).
    deadline_field: str | None = None
    terminal: bool = False

    @model_validator(mode="after")
    def _one_limit(self) -> WorkflowState:
        if self.terminal and (self.time_limit_hours or self.deadline_field):
            raise ValueError(f"state {self.id}: a terminal state has no time limit")
        if self.time_limit_hours and self.deadline_field:
            raise ValueError(f"state {self.id}: give time_limit_hours or deadline_field, not both")
        return self


class WorkflowTransition(BaseModel):
    """A move from one of `from_states` to `to`, allowed to `roles`, needing `requires` fields
    (non-empty in the request or already on the item) and `attachments` (named evidence)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    name_zh: str
    name_en: str | None = None
    from_states: tuple[str, ...] = Field(min_length=1)
    to: str
    roles: tuple[str, ...] = Field(min_length=1)
    requires: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    #: The transition needs a comment (意见), e.g. a rejection.
    comment_required: bool = False


class WorkflowSpec(BaseModel):
    """A layer's state machine."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    initial: str
    states: tuple[WorkflowState, ...] = Field(min_length=1)
    transitions: tuple[WorkflowTransition, ...] = ()
    #: Roles that may create an item (it starts in `initial`); default: the layer's write roles.
    create_roles: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> WorkflowSpec:
        ids = [s.id for s in self.states]
        if len(ids) != len(set(ids)):
            raise ValueError("workflow state ids repeat")
        known = set(ids)
        if self.initial not in known:
            raise ValueError(f"workflow initial state {self.initial!r} is not a declared state")
        transition_ids = [t.id for t in self.transitions]
        if len(transition_ids) != len(set(transition_ids)):
            raise ValueError("workflow transition ids repeat")
        terminal = {s.id for s in self.states if s.terminal}
        for t in self.transitions:
            unknown = sorted({*t.from_states, t.to} - known)
            if unknown:
                raise ValueError(f"transition {t.id}: unknown states {unknown}")
            if terminal.intersection(t.from_states):
                raise ValueError(f"transition {t.id}: leaves a terminal state")
        if not terminal:
            raise ValueError("a workflow needs at least one terminal state")
        return self

    def state(self, state_id: str) -> WorkflowState | None:
        for state in self.states:
            if state.id == state_id:
                return state
        return None

    def transition(self, transition_id: str) -> WorkflowTransition | None:
        for transition in self.transitions:
            if transition.id == transition_id:
                return transition
        return None

    def leaving(self, state_id: str) -> tuple[WorkflowTransition, ...]:
        """The transitions that start from `state_id`, in declaration order."""
        return tuple(t for t in self.transitions if state_id in t.from_states)

    @property
    def terminal_states(self) -> frozenset[str]:
        return frozenset(s.id for s in self.states if s.terminal)


def workflow_fields(spec: WorkflowSpec) -> list[dict[str, Any]]:
    """The supervision fields of a workflow layer, as field declarations (dicts for the model)."""
    states = [{"code": s.id, "label_zh": s.name_zh, "label_en": s.name_en} for s in spec.states]
    return [
        {"name": STATE_FIELD, "type": "string", "title_zh": "办理状态", "title_en": "Workflow state",
         "required": True, "max_length": 32, "enum": states},
        {"name": HOLDER_FIELD, "type": "string", "title_zh": "当前办理人", "title_en": "Current holder",
         "max_length": 64},
        {"name": HOLDER_ORG_FIELD, "type": "string", "title_zh": "当前办理单位", "title_en": "Holding organisation",
         "max_length": 64},
        {"name": SINCE_FIELD, "type": "datetime", "title_zh": "进入本状态时间", "title_en": "In this state since"},
        {"name": DEADLINE_FIELD, "type": "datetime", "title_zh": "办理时限", "title_en": "Deadline"},
        {"name": OVERDUE_FIELD, "type": "boolean", "title_zh": "是否超期", "title_en": "Overdue"},
    ]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One step of an item's life as the append-only history records it (creation: no from_state)."""

    at: datetime
    actor: str
    to_state: str
    from_state: str | None = None
    transition: str | None = None
    actor_org: str | None = None
    comment: str | None = None
    #: The item's geometry at that moment (EPSG:4490 lon/lat).
    geometry: BaseGeometry | None = None
    #: The deadline that applied to `from_state` (None: it had none).
    deadline: datetime | None = None
    #: Fields and attachment ids given with the transition.
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def late(self) -> bool:
        """Left `from_state` after its deadline."""
        return self.deadline is not None and self.at > self.deadline
