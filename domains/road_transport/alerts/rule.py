"""`DrivingAlertsRule`: on every batch of positions, speeding and fatigue episodes become `rt_alerts`.

The rule reads the batch's vehicles over the batch and the 12 minutes before it (shared with the
other position rules through the event's `PositionWindow`); speeding is judged from 6 minutes before
the batch on. Fatigue needs to know where each
vehicle's current driving stretch began, and whether it is stopped and since when: the vehicle's
driving state kept from the previous batch says so when the new reports follow it in time (the
normal case); otherwise — first batch of a vehicle, late or out-of-order reports, a state from long
ago — the rule reads 4 h 30 min further back and works it out from the track itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from domains.framework.rules import Finding, Rule, RuleContext, RuleEvent, RuleResult, Trigger
from domains.road_transport.alerts.episodes import (
    MAX_GAP_MS,
    SPEEDING_MS,
    Episode,
    fatigue_episodes,
    speeding_episodes,
)
from domains.road_transport.alerts.limits import speed_limits
from domains.road_transport.alerts.record import ALERTS, record_episodes
from domains.road_transport.positions.batch import MINUTE_MS, PositionBatch
from domains.road_transport.positions.store import DrivingState
from domains.road_transport.positions.window import LOOKBACK_MS, PositionWindow
from domains.road_transport.reference import Reference
from domains.road_transport.vocabulary import FATIGUE_DRIVING_SECONDS
from layers.errors import LayerNotFound

#: How far back a vehicle without a usable driving state is read: a whole stretch of 4 h plus a rest.
FULL_LOOKBACK_MS = FATIGUE_DRIVING_SECONDS * 1000 + 30 * MINUTE_MS
#: How far before a batch speeding is judged: a report gap plus the shortest episode, and a report.
#: An overrun that began earlier and goes on has already lasted long enough to be an alert, which the
#: episode seen here then extends.
SPEEDING_LOOKBACK_MS = MAX_GAP_MS + SPEEDING_MS + MINUTE_MS // 2


class DrivingAlertsRule(Rule):
    id = "rt_driving_alerts"
    title_zh = "超速与疲劳驾驶报警"
    title_en = "Speeding and fatigue-driving alerts"
    triggers = (Trigger("positions"),)

    def run(self, event: RuleEvent, context: RuleContext) -> RuleResult:
        registry = context.registry
        result = RuleResult()
        try:
            registry.get(ALERTS)
        except LayerNotFound:
            result.findings.append(Finding(self.id, "warning", f"图层 {ALERTS} 未注册，未生成报警 / layer {ALERTS} "
                                                               "is not registered: no alerts written"))
            return result
        window = PositionWindow.of(event.payload, registry.store)
        if len(window.batch) == 0:
            return result
        reference = Reference.of(registry)
        recent = window.recent()
        firsts = window.first_times()
        states = window.positions.read_states(list(firsts))
        low = min(firsts.values()) - LOOKBACK_MS
        carry = {plate: state for plate, state in states.items() if state.last_ms < firsts[plate]}
        track = recent
        cold = sorted(set(firsts) - set(carry))
        if cold:
            older = window.read(cold, low - FULL_LOOKBACK_MS, low - 1)
            track = older.concat(recent).sorted() if len(older) else recent
        checked = recent.take(recent.t >= min(firsts.values()) - SPEEDING_LOOKBACK_MS)
        episodes, ends = evaluate(track, checked, reference, carry)
        writes = record_episodes(registry, episodes, describer(reference))
        window.positions.write_states(ends)
        result.written.extend((ALERTS, fid) for fid in (*writes.inserted, *writes.updated))
        if writes.inserted or writes.updated:
            result.findings.append(Finding(
                self.id, "warning", f"新增报警 {len(writes.inserted)} 条，延续 {len(writes.updated)} 条 / "
                f"{len(writes.inserted)} new alerts, {len(writes.updated)} extended",
                properties={"inserted": len(writes.inserted), "updated": len(writes.updated)}))
        return result


def evaluate(track: PositionBatch, checked: PositionBatch, reference: Reference,
             carry: dict[str, DrivingState] | None = None) -> tuple[list[Episode], dict[str, DrivingState]]:
    """Speeding episodes of `checked` and fatigue episodes of `track`; each vehicle's driving state at
    the end of `track`."""
    limits = speed_limits(checked, reference.roads, reference.is_dangerous_goods(checked.plate))
    speeding = speeding_episodes(checked, limits.limit)
    fatigue, ends = fatigue_episodes(track, carry)
    return [*speeding, *fatigue], ends


def describer(reference: Reference) -> Callable[[Episode], dict[str, Any]]:
    """Route, prefecture and carrier of an episode (the road at its first report; the vehicle's record)."""
    roads = reference.roads

    def describe(episode: Episode) -> dict[str, Any]:
        vehicle = reference.vehicles.get(episode.plate)
        route = adcode = None
        if roads is not None:
            index = int(roads.match(np.array([episode.lon]), np.array([episode.lat]))[0])
            if index >= 0:
                route, adcode = roads.route_code[index], roads.adcode[index]
        return {
            "route_code": route,
            "adcode": adcode or (vehicle.adcode if vehicle else None),
            "enterprise_code": vehicle.enterprise_code if vehicle else None,
            "dangerous_goods": vehicle is not None,
        }

    return describe
