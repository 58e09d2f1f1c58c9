"""Road closures as the permit samples see them: where and when the expressway samples close roads.

The permit samples keep ordinary applications clear of every closure and road-works event
(whatever its state: an event without an end time counts as lasting forever) and route the
deliberate closure conflicts through closures being handled now. Sample-side only: the real check
is the permits route-check rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from shapely.geometry import Point

from domains.framework.sample_items import WorkflowItem
from domains.permits.itineraries import Itinerary
from layers.validation import china_day

#: Event types that close (part of) a road.
CLOSING_TYPES = ("closure", "construction")
#: A closure this close to an itinerary's line (degrees, ~150–200 m) counts as on it.
NEAR_DEG = 0.002
STAKE_MARGIN_M = 1_000


@dataclass(frozen=True, slots=True)
class Closure:
    event_no: str
    event_type: str
    route_code: str
    low_m: int
    high_m: int
    start: datetime
    end: datetime | None
    point: Point
    state: str
    overdue: bool
    expected_end: datetime | None


def closures_of(events: Sequence[WorkflowItem]) -> list[Closure]:
    result = []
    for item in events:
        p = item.record.properties
        if p["event_type"] not in CLOSING_TYPES:
            continue
        stakes = [p["stake_m"]] + ([p["end_stake_m"]] if p.get("end_stake_m") is not None else [])
        result.append(Closure(p["event_no"], p["event_type"], p["route_code"], min(stakes), max(stakes),
                              p["start_time"], p.get("end_time"), item.record.geometry, p["workflow_state"],
                              bool(p["overdue"]), p.get("expected_end_time")))
    return result


def active_closures(closures: Sequence[Closure], now: datetime) -> list[Closure]:
    """Closures being handled now, on time, expected to reopen after `now` (sorted by number)."""
    return sorted((c for c in closures if c.event_type == "closure" and c.state == "handling" and not c.overdue
                   and c.expected_end is not None and c.expected_end > now), key=lambda c: c.event_no)


def conflicts(itinerary: Itinerary, valid_from: date, valid_to: date, closures: Sequence[Closure]) -> list[Closure]:
    """Closures on the itinerary (by route and stake, or near its line) on a day the permit is valid
    (China days, both ends included; no end time = still closed)."""
    found = []
    for c in closures:
        if china_day(c.start) > valid_to or (c.end is not None and china_day(c.end) < valid_from):
            continue
        on_leg = any(leg.route_code == c.route_code and leg.low <= c.high_m + STAKE_MARGIN_M
                     and leg.high >= c.low_m - STAKE_MARGIN_M for leg in itinerary.legs)
        if on_leg or itinerary.line.distance(c.point) < NEAR_DEG:
            found.append(c)
    return found
