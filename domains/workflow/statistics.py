"""Timeliness statistics (办理时效) per organisation, region, domain or layer over a time window.

Counted from the history (a step = an item leaving a state), for steps taken within [start, end]:

- `handled` (办理环节): steps leaving a state that had a deadline;
- `on_time` (按时办理): of those, left at or before the deadline;
- `overdue_and_closed` (超期办结): of those, left after the deadline — the item was overdue in that
  state and the state was then dealt with;
- `median_hours` (办理时长中位数): per state left, the median hours between entering and leaving it
  (every step with a known entry time, deadline or not);

and from the items as they are at `now`:

- `overdue_now` (当前超期): open items (state not terminal) whose deadline has passed.

A step is credited to the organisation that held the state it left (`holder_org`), the item's
region (`adcode`), its layer's domain, its layer; an open item to its current holding organisation,
region, domain, layer. Groups with no key are reported under `null`.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domains.workflow.deadlines import hours_between
from domains.workflow.listing import OpenItem, open_items
from layers.model import LayerDefinition
from layers.stores.base import FeatureStore
from layers.stores.history import HistoryFilter, HistoryRow

GROUPINGS = ("organisation", "region", "domain", "layer")

_STEP_KEYS: dict[str, Callable[[HistoryRow], str | None]] = {
    "organisation": lambda row: row.holder_org,
    "region": lambda row: row.region,
    "domain": lambda row: row.domain,
    "layer": lambda row: row.layer_id,
}
_ITEM_KEYS: dict[str, Callable[[OpenItem], str | None]] = {
    "organisation": lambda item: item.holder_org,
    "region": lambda item: item.region,
    "domain": lambda item: item.layer.domain,
    "layer": lambda item: item.layer.id,
}


@dataclass(slots=True)
class GroupStatistics:
    key: str | None
    handled: int = 0
    on_time: int = 0
    overdue_and_closed: int = 0
    overdue_now: int = 0
    durations: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def as_json(self, state_names: dict[str, str]) -> dict[str, Any]:
        return {
            "key": self.key, "handled": self.handled, "on_time": self.on_time,
            "overdue_and_closed": self.overdue_and_closed, "overdue_now": self.overdue_now,
            "on_time_rate": round(self.on_time / self.handled, 4) if self.handled else None,
            "median_hours": {
                state: {"name_zh": state_names.get(state, state), "hours": round(statistics.median(hours), 3),
                        "count": len(hours)}
                for state, hours in sorted(self.durations.items())
            },
        }


def timeliness(store: FeatureStore, layers: Sequence[LayerDefinition], group_by: str, start: datetime,
               end: datetime, now: datetime, *, domain: str | None = None,
               region: str | None = None) -> list[dict[str, Any]]:
    """The statistics of each group (see the module docstring), groups ordered by key."""
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {GROUPINGS}")
    chosen = [layer for layer in layers if layer.workflow is not None and (domain is None or layer.domain == domain)]
    groups: dict[str | None, GroupStatistics] = {}

    def group(key: str | None) -> GroupStatistics:
        return groups.setdefault(key, GroupStatistics(key))

    if chosen:
        selection = HistoryFilter(layer_ids=[layer.id for layer in chosen], start=start, end=end, domain=domain,
                                  region=region)
        step_key = _STEP_KEYS[group_by]
        for row in store.history_rows(selection):
            if row.from_state is None:
                continue  # a creation leaves no state
            stats = group(step_key(row))
            if row.deadline is not None:
                stats.handled += 1
                if row.late:
                    stats.overdue_and_closed += 1
                else:
                    stats.on_time += 1
            if row.state_since is not None:
                stats.durations[row.from_state].append(hours_between(row.state_since, row.at))
        item_key = _ITEM_KEYS[group_by]
        for item in open_items(store, chosen, now, overdue=True, region=region):
            group(item_key(item)).overdue_now += 1
    names: dict[str, str] = {}
    for layer in chosen:
        for state in layer.workflow.states if layer.workflow else ():
            names.setdefault(state.id, state.name_zh)
    return [groups[key].as_json(names) for key in sorted(groups, key=lambda k: (k is None, k or ""))]
