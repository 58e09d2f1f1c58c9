"""The oversize-transport permit route check (大件运输路线核查): bridges and closures on the route.

An application (`per_oversize_applications`) gives its route as road codes with stake ranges
(`route_codes`, e.g. `G12:K100+000-K150+000;G1:K830+000-K849+000`), as a line (its geometry), or
both; a route given only by codes is drawn by linear referencing. A bridge (`bridges`) or a closure
(`exp_events`, `event_type` = closure) is *on the route* when
- it lies on a road of `route_codes` within that road's stake range (a closure's stretch from
  `stake_m` to `end_stake_m` sharing part of the range), or
- it lies within `ON_ROUTE_M` of the route's line and, if it names its own road and stake, the
  line follows that road there (a road point `FOLLOW_M` before or after it is also within
  `ON_ROUTE_M` of the line) — so a bridge on a road that merely crosses or runs near the route
  does not count.

Each bridge on the route is checked: gross weight (总重) against its load limit (限载) and height
(高度) against its clearance (净高); a value equal to the limit passes. A closure counts when its
[start_time, end_time] (China days; no end = still closed) overlaps [valid_from, valid_to].
May import: `layers`, `domains.base`; never `gis_server`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point, shape
from shapely.geometry.base import BaseGeometry

from domains.base.linear_ref import (
    RoadIndex,
    format_reference,
    format_stake,
    normalise_route,
    parse_stake,
    to_metres,
)
from layers.errors import InvalidQuery, LayerNotFound
from layers.registry import LayerRegistry
from layers.validation.rules import china_day

BRIDGES_LAYER = "bridges"
EVENTS_LAYER = "exp_events"
CLOSURE = "closure"
#: A bridge or closure this close (m) to the route's line is on it (if the line follows its road).
ON_ROUTE_M = 15.0
#: How far (m) along a bridge's own road the line must follow it, on one side at least.
FOLLOW_M = 50.0

RANGE = re.compile(r"^\s*([A-Za-z]\d{1,5})\s*[:：]\s*([Kk][^-—~]+?)\s*[-—~]\s*([Kk].+?)\s*$")


@dataclass(frozen=True, slots=True)
class RouteRange:
    """One road of a route and the stakes it is used between, in travel order."""

    route_code: str
    from_stake_m: float
    to_stake_m: float

    @property
    def lo(self) -> float:
        return min(self.from_stake_m, self.to_stake_m)

    @property
    def hi(self) -> float:
        return max(self.from_stake_m, self.to_stake_m)

    def __str__(self) -> str:
        return f"{self.route_code}:{format_stake(self.from_stake_m)}-{format_stake(self.to_stake_m)}"


def parse_route_codes(text: str | None) -> list[RouteRange]:
    """`G12:K100+000-K150+000;G1:K830+000-K849+000` → ranges; malformed → InvalidQuery(route_codes)."""
    if not text or not text.strip():
        return []
    ranges = []
    for part in re.split(r"[;；]", text):
        if not part.strip():
            continue
        match = RANGE.match(part)
        if not match:
            raise InvalidQuery(f"路线格式错误 / malformed route {part.strip()!r}: expected e.g. G12:K100+000-K150+000",
                               parameter="route_codes")
        code, start, end = match.groups()
        ranges.append(RouteRange(normalise_route(code, "route_codes"), parse_stake(start, "route_codes"),
                                 parse_stake(end, "route_codes")))
    return ranges


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason an application fails, with its place on the map (None for route errors)."""

    kind: str  # overweight | overheight | closure | route
    text: str
    lon: float | None = None
    lat: float | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ApplicationRoute:
    """The route of an application: its road ranges and its line (lon/lat and metric)."""

    index: RoadIndex
    ranges: list[RouteRange]
    line: BaseGeometry | None
    metric: BaseGeometry | None = None

    def __post_init__(self) -> None:
        if self.line is not None and not self.line.is_empty:
            self.metric = shapely.transform(self.line, to_metres)

    def covers(self, route_code: str | None, stake_m: float | None, end_stake_m: float | None = None) -> bool:
        """Whether a road range of the route holds the stake (or shares part of [stake, end stake])."""
        if route_code is None or stake_m is None:
            return False
        lo, hi = sorted((stake_m, stake_m if end_stake_m is None else end_stake_m))
        return any(r.route_code == route_code and r.lo <= hi and lo <= r.hi for r in self.ranges)

    def distance_m(self, lon: float, lat: float) -> float:
        if self.metric is None:
            return float("inf")
        return float(self.metric.distance(Point(to_metres(np.array([[lon, lat]]))[0])))

    def follows(self, route_code: str, stake_m: float) -> bool:
        """Whether the line runs along the road `route_code` at `stake_m` (on one side at least)."""
        try:
            lo, hi = self.index.route_range(route_code)
        except InvalidQuery:
            return True  # a road we cannot find: the distance alone decides
        for probe in (stake_m - FOLLOW_M, stake_m + FOLLOW_M):
            if lo <= probe <= hi and self.distance_m(*self.index.locate(route_code, probe)) <= ON_ROUTE_M:
                return True
        return False

    def holds(self, lon: float | None, lat: float | None, route_code: str | None, stake_m: float | None,
              end_stake_m: float | None = None) -> bool:
        """Whether a bridge or event (a closed stretch: stake to end stake) is on the route."""
        if self.covers(route_code, stake_m, end_stake_m):
            return True
        if lon is None or lat is None or self.distance_m(lon, lat) > ON_ROUTE_M:
            return False
        return route_code is None or stake_m is None or self.follows(route_code, stake_m)

    @property
    def length_m(self) -> float:
        return float(self.metric.length) if self.metric is not None else 0.0


def build_route(index: RoadIndex, properties: Mapping[str, Any],
                geometry: Mapping[str, Any] | None) -> tuple[ApplicationRoute, list[Problem]]:
    """The application's route, and the problems with it (unknown roads, stakes off the road)."""
    problems: list[Problem] = []
    try:
        ranges = parse_route_codes(properties.get("route_codes"))
    except InvalidQuery as exc:
        return ApplicationRoute(index, [], _line(geometry)), [Problem("route", exc.message)]
    usable, parts = [], []
    for item in ranges:
        try:
            coords = index.line_between(item.route_code, item.from_stake_m, item.to_stake_m)
        except InvalidQuery as exc:
            problems.append(Problem("route", f"{item}：{exc.message}"))
            continue
        usable.append(item)
        if len(coords) >= 2:
            parts.append(coords)
    line = _line(geometry)
    if line is None and parts:
        line = LineString(parts[0]) if len(parts) == 1 else MultiLineString(parts)
    return ApplicationRoute(index, usable, line), problems


def _line(geometry: Mapping[str, Any] | None) -> BaseGeometry | None:
    if not geometry or geometry.get("type") not in ("LineString", "MultiLineString"):
        return None
    line = shape(geometry)
    return None if line.is_empty else line


def as_day(value: Any) -> date | None:
    """A date, date-time or ISO text → the China calendar day (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        value = datetime.fromisoformat(text) if "T" in text or " " in text else date.fromisoformat(text)
    return china_day(value)


def _number(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


def _point(geometry: Mapping[str, Any] | None) -> tuple[float | None, float | None]:
    if geometry and geometry.get("type") == "Point":
        return float(geometry["coordinates"][0]), float(geometry["coordinates"][1])
    return None, None


def _features(registry: LayerRegistry, layer_id: str) -> list[tuple[Mapping[str, Any], tuple[float | None, ...]]]:
    try:
        layer = registry.get(layer_id)
    except LayerNotFound:
        return []
    return [(f.properties, _point(f.geometry)) for batch in registry.store.iter_records(layer) for f in batch]


def _where(props: Mapping[str, Any]) -> str:
    route, stake = props.get("route_code"), _number(props.get("stake_m"))
    return format_reference(str(route), stake) if route and stake is not None else "位置不详 / unknown place"


def bridge_problems(route: ApplicationRoute, application: Mapping[str, Any],
                    bridges: Sequence[tuple[Mapping[str, Any], tuple[float | None, ...]]]) -> tuple[int, list[Problem]]:
    """How many bridges are on the route, and each one the vehicle may not cross."""
    weight, height = _number(application.get("gross_weight_t")), _number(application.get("height_m"))
    on_route, problems = 0, []
    for props, (lon, lat) in bridges:
        route_code = props.get("route_code")
        if not route.holds(lon, lat, str(route_code) if route_code else None, _number(props.get("stake_m"))):
            continue
        on_route += 1
        name = f"{props.get('name_zh') or ''}（{props.get('bridge_code')}，{_where(props)}）"
        base = {"bridge_code": props.get("bridge_code"), "name_zh": props.get("name_zh"),
                "route_code": route_code, "stake_m": props.get("stake_m")}
        limit = _number(props.get("load_limit_t"))
        if weight is not None and limit is not None and weight > limit:
            problems.append(Problem("overweight", f"超载 / overweight：{name}限载 {limit:g} t，申请总重 {weight:g} t "
                                    f"/ load limit {limit:g} t, gross weight {weight:g} t", lon, lat,
                                    {**base, "limit_value": limit, "requested_value": weight, "unit": "t"}))
        clearance = _number(props.get("clearance_m"))
        if height is not None and clearance is not None and height > clearance:
            problems.append(Problem("overheight", f"超高 / overheight：{name}净高 {clearance:g} m，"
                                    f"申请高度 {height:g} m / clearance {clearance:g} m, height {height:g} m", lon, lat,
                                    {**base, "limit_value": clearance, "requested_value": height, "unit": "m"}))
    return on_route, problems


def closure_problems(route: ApplicationRoute, application: Mapping[str, Any],
                     events: Sequence[tuple[Mapping[str, Any], tuple[float | None, ...]]]) -> list[Problem]:
    """Closures on the route whose time overlaps the application's validity."""
    valid_from, valid_to = as_day(application.get("valid_from")), as_day(application.get("valid_to"))
    problems = []
    for props, (lon, lat) in events:
        if props.get("event_type") != CLOSURE:
            continue
        start, end = as_day(props.get("start_time")), as_day(props.get("end_time"))
        if (valid_to is not None and start is not None and start > valid_to) or \
                (valid_from is not None and end is not None and end < valid_from):
            continue
        route_code = props.get("route_code")
        if not route.holds(lon, lat, str(route_code) if route_code else None, _number(props.get("stake_m")),
                           _number(props.get("end_stake_m"))):
            continue
        period = f"{start or '…'}—{end or '…'}"
        problems.append(Problem("closure", f"封闭 / closure：{props.get('event_no') or ''}（{_where(props)}）"
                                f"{period} 封闭 / closed {period}", lon, lat,
                                {"event_no": props.get("event_no"), "route_code": route_code,
                                 "stake_m": props.get("stake_m"), "limit_value": None, "requested_value": None}))
    return problems


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    status: str  # unchecked | passed | failed
    summary: str
    problems: tuple[Problem, ...]
    bridges_on_route: int
    route: ApplicationRoute | None


def check(registry: LayerRegistry, index: RoadIndex, application: Mapping[str, Any],
          geometry: Mapping[str, Any] | None) -> CheckOutcome:
    """Check one application's route against the stored bridges and closures."""
    route, problems = build_route(index, application, geometry)
    if route.line is None and not route.ranges:
        text = "未核查：申请未给出路线 / unchecked: no route given" if not problems else \
            "未通过：路线无法定位 / failed: the route cannot be located\n" + "\n".join(p.text for p in problems)
        return CheckOutcome("failed" if problems else "unchecked", text, tuple(problems), 0, None)
    on_route, found = bridge_problems(route, application, _features(registry, BRIDGES_LAYER))
    problems += found
    problems += closure_problems(route, application, _features(registry, EVENTS_LAYER))
    if not problems:
        return CheckOutcome("passed", f"通过：途经桥梁 {on_route} 座均满足限载与净高，途经路段无封闭 / passed: "
                            f"{on_route} bridges on the route within load and clearance limits, no closure",
                            (), on_route, route)
    lines = [f"{n}. {p.text}" for n, p in enumerate(problems, start=1)]
    summary = f"未通过：发现 {len(problems)} 处问题 / failed: {len(problems)} problems\n" + "\n".join(lines)
    return CheckOutcome("failed", summary, tuple(problems), on_route, route)
