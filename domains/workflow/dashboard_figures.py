"""The dashboard's figures as JSON-ready documents, merged from the store's grouped counts
(`dashboard_counts`): totals, items by domain, by state (Chinese name) and by region; organisations
ranked by overdue items; items created and closed per day.

Names the caller knows better are passed in (`Names`: domain titles, region names), so this module
needs no business domain. May import: `layers`, this package (never `gis_server`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domains.workflow.dashboard_counts import DayFlow, OrganisationCount, StateCount
from layers.model import LayerDefinition

#: Key of the group of items without a value (no region, no holding organisation).
UNKNOWN = "未填写 / not given"


@dataclass(frozen=True)
class Names:
    """Chinese and English names of domains (by id) and of regions (a function of an adcode)."""

    domains: dict[str, tuple[str, str]] = field(default_factory=dict)
    region: Callable[[str | None], tuple[str, str, str | None]] = lambda code: (code or UNKNOWN, code or "", code)


def _tally(groups: dict[Any, dict[str, Any]], key: Any, counts: tuple[int, int, int],
           **names: Any) -> dict[str, Any]:
    """Add (items, open, overdue) to the group `key`, made with `names` the first time; the group."""
    group = groups.get(key)
    if group is None:
        group = groups[key] = {"key": key, **names, "items": 0, "open": 0, "overdue": 0}
    group["items"] += counts[0]
    group["open"] += counts[1]
    group["overdue"] += counts[2]
    return group


def _ranked(groups: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(groups.values(), key=lambda g: (-g["items"], str(g["key"])))


def summary(counts: Sequence[StateCount], layers: Sequence[LayerDefinition], names: Names) -> dict[str, Any]:
    """Totals and the items by domain, by state name and by region (each group: items, open, overdue)."""
    by_id = {layer.id: layer for layer in layers}
    totals = {"items": 0, "open": 0, "overdue": 0, "closed": 0}
    domains: dict[str, dict[str, Any]] = {}
    states: dict[str, dict[str, Any]] = {}
    regions: dict[str | None, dict[str, Any]] = {}
    for count in counts:
        layer = by_id[count.layer_id]
        spec = layer.workflow.state(count.state) if layer.workflow and count.state else None
        terminal = bool(spec and spec.terminal)
        open_ = 0 if terminal else count.items
        totals["items"] += count.items
        totals["open"] += open_
        totals["overdue"] += count.overdue
        totals["closed"] += count.items - open_
        counted = (count.items, open_, count.overdue)
        zh, en = names.domains.get(layer.domain, (layer.domain, layer.domain))
        _tally(domains, layer.domain, counted, name_zh=zh, name_en=en)
        state_zh = spec.name_zh if spec else (count.state or UNKNOWN)
        state = _tally(states, state_zh, counted, name_zh=state_zh,
                       name_en=(spec.name_en if spec else None) or count.state, terminal=terminal, states=[])
        if count.state not in state["states"]:
            state["states"].append(count.state)
        region_zh, region_en, region_key = names.region(count.region)
        _tally(regions, region_key, counted, name_zh=region_zh, name_en=region_en)
    ordered_states = sorted(states.values(), key=lambda g: (g["terminal"], -g["items"], g["key"]))
    return {"totals": totals, "by_domain": _ranked(domains), "by_state": ordered_states,
            "by_region": sorted(regions.values(), key=lambda g: (g["key"] is None, str(g["key"] or "")))}


def organisations(counts: Sequence[OrganisationCount], layers: Sequence[LayerDefinition], names: Names,
                  now: datetime, limit: int) -> dict[str, Any]:
    """Organisations holding open items, most overdue first (then most open, then by name), the first `limit`."""
    domain_of = {layer.id: layer.domain for layer in layers}
    groups: dict[str | None, dict[str, Any]] = {}
    for count in counts:
        group = groups.setdefault(count.organisation, {"name": count.organisation or UNKNOWN, "open": 0,
                                                       "overdue": 0, "oldest_deadline": None, "domains": {}})
        group["open"] += count.open
        group["overdue"] += count.overdue
        if count.oldest_deadline is not None and (group["oldest_deadline"] is None
                                                  or count.oldest_deadline < group["oldest_deadline"]):
            group["oldest_deadline"] = count.oldest_deadline
        if count.overdue:
            domain = domain_of[count.layer_id]
            group["domains"][domain] = group["domains"].get(domain, 0) + count.overdue
    ranked = sorted(groups.values(), key=lambda g: (-g["overdue"], -g["open"], g["name"]))
    listed = []
    for rank, group in enumerate(ranked[:limit], start=1):
        oldest = group.pop("oldest_deadline")
        overdue_domains = group.pop("domains")
        listed.append({"rank": rank, **group,
                       "max_hours_overdue": None if oldest is None else round((now - oldest).total_seconds() / 3600, 1),
                       "overdue_by_domain": [{"key": key, "name_zh": names.domains.get(key, (key, key))[0],
                                              "overdue": value}
                                             for key, value in sorted(overdue_domains.items(),
                                                                      key=lambda kv: (-kv[1], kv[0]))]})
    return {"numberMatched": len(ranked), "numberReturned": len(listed),
            "totals": {"open": sum(g["open"] for g in ranked), "overdue": sum(g["overdue"] for g in ranked)},
            "organisations": listed}


def series(flows: Sequence[DayFlow], first: date, last: date) -> dict[str, Any]:
    """Every day from `first` to `last` (China time) with the items created and closed (0 on quiet days)."""
    found = {flow.day: flow for flow in flows}
    days = []
    day = first
    while day <= last:
        flow = found.get(day)
        days.append({"day": day.isoformat(), "created": flow.created if flow else 0,
                     "closed": flow.closed if flow else 0})
        day += timedelta(days=1)
    return {"from": first.isoformat(), "to": last.isoformat(), "series": days,
            "totals": {"created": sum(d["created"] for d in days), "closed": sum(d["closed"] for d in days)}}
