"""The spatial-rule framework: rules that domains declare and the platform runs on events.

A rule says which events wake it (`triggers`) and, given an event and a context (the registry,
hence the store, and the clock), returns what it found and what it wrote. Events:

- `positions`: a batch of vehicle positions was stored (payload: the stored rows);
- `feature_created` / `feature_changed` of a layer (payload: the feature id);
- `requested`: run on demand through the API (payload: the request's parameters).

Rules write through the store's transactional methods only, so a failing rule leaves nothing
half-written; the runner reports a rule that raised as a failed finding instead of failing the
write that woke it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from layers.registry import LayerRegistry

EventKind = Literal["positions", "feature_created", "feature_changed", "requested"]


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: EventKind
    #: For feature events: the layer; None for positions and on-demand rules.
    layer_id: str | None = None


@dataclass(frozen=True, slots=True)
class RuleEvent:
    kind: EventKind
    layer_id: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)

    def wakes(self, trigger: Trigger) -> bool:
        return trigger.kind == self.kind and trigger.layer_id == self.layer_id


@dataclass(frozen=True, slots=True)
class RuleContext:
    registry: LayerRegistry
    now: Callable[[], datetime]
    #: Who caused the event (for records the rule writes).
    actor: str = "system"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a rule found, for a person to read (Chinese first) and for the map."""

    rule_id: str
    severity: Literal["info", "warning", "error"]
    message: str
    #: GeoJSON geometry (CRS84) of where it is, when it has a place.
    geometry: Mapping[str, Any] | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RuleResult:
    findings: list[Finding] = field(default_factory=list)
    #: Features the rule wrote: (layer id, fid).
    written: list[tuple[str, int]] = field(default_factory=list)


class Rule(ABC):
    """A spatial rule. Subclasses set the class attributes and implement `run`."""

    id: str
    title_zh: str
    title_en: str
    triggers: tuple[Trigger, ...]

    @abstractmethod
    def run(self, event: RuleEvent, context: RuleContext) -> RuleResult:
        """Evaluate the rule for one event; write what it creates; return findings."""


class RuleBook:
    """Every rule of every domain, dispatched by event."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        ids = [rule.id for rule in rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids repeat")
        self.rules = tuple(rules)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def woken_by(self, event: RuleEvent) -> list[Rule]:
        return [rule for rule in self.rules if any(event.wakes(t) for t in rule.triggers)]

    def dispatch(self, event: RuleEvent, context: RuleContext) -> RuleResult:
        """Run every rule the event wakes; a rule that raises becomes an error finding."""
        total = RuleResult()
        for rule in self.woken_by(event):
            try:
                result = rule.run(event, context)
            except Exception as exc:  # a broken rule must not fail the write that woke it
                total.findings.append(Finding(rule.id, "error", f"规则执行失败 / rule failed: {exc}"))
                continue
            total.findings.extend(result.findings)
            total.written.extend(result.written)
        return total
