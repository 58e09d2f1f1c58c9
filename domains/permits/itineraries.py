"""Permit routes (通行路线) on the sample road network: legs of routes between stakes, joined where
routes cross, drawn at random for the samples.

An itinerary is a sequence of legs (route code, from stake, to stake) in travel order; two
consecutive legs meet at a crossing of their routes (`sample_network.junctions`). Its line
follows the stored road sections exactly; its `route_codes` text lists each leg's stake range
low–high (`G12:K100+000-K150+000;G1:K830+000-K849+000`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
from shapely.geometry import LineString

from domains.base.measure import round_coords, stake_label
from domains.base.sample_network import Bridge, Junction, bridges, bridges_near, junctions, road_routes

#: Bridges this close to a route's line (degrees, ~40–55 m) count as on it, whatever their route.
NEAR_LINE_DEG = 0.0005
MIN_LEG_M = 10_000
END_MARGIN_M = 500


@dataclass(frozen=True, slots=True)
class Leg:
    route_code: str
    from_stake_m: int
    to_stake_m: int

    @property
    def low(self) -> int:
        return min(self.from_stake_m, self.to_stake_m)

    @property
    def high(self) -> int:
        return max(self.from_stake_m, self.to_stake_m)

    def text(self) -> str:
        return f"{self.route_code}:{_k(self.low)}-{_k(self.high)}"

    def covers(self, route_code: str, stake_m: int) -> bool:
        return route_code == self.route_code and self.low <= stake_m <= self.high


@dataclass(frozen=True)
class Itinerary:
    legs: tuple[Leg, ...]

    @property
    def route_codes(self) -> str:
        return ";".join(leg.text() for leg in self.legs)

    @cached_property
    def line(self) -> LineString:
        routes = road_routes()
        parts = [routes[leg.route_code].line(leg.from_stake_m, leg.to_stake_m) for leg in self.legs]
        return LineString(round_coords(np.vstack(parts)))

    @property
    def length_m(self) -> int:
        return sum(leg.high - leg.low for leg in self.legs)

    def bridges_by_stake(self) -> list[Bridge]:
        """Bridges whose route and stake lie within a leg."""
        by_route = _bridges_by_route()
        return [b for leg in self.legs for b in by_route.get(leg.route_code, ()) if leg.low <= b.stake_m <= leg.high]

    def bridges_passed(self) -> list[Bridge]:
        """Every bridge the vehicle may meet: on a leg by stake, or within ~50 m of the line."""
        found = {b.bridge_code: b for b in self.bridges_by_stake()}
        found.update({b.bridge_code: b for b in bridges_near(self.line, NEAR_LINE_DEG)})
        return list(found.values())

    @property
    def start(self) -> tuple[float, float]:
        x, y = self.line.coords[0]
        return x, y

    @property
    def end(self) -> tuple[float, float]:
        x, y = self.line.coords[-1]
        return x, y


@cache
def _bridges_by_route() -> dict[str, tuple[Bridge, ...]]:
    grouped: dict[str, list[Bridge]] = {}
    for b in bridges():
        grouped.setdefault(b.route_code, []).append(b)
    return {code: tuple(items) for code, items in grouped.items()}


def _k(stake_m: int) -> str:
    return stake_label("", stake_m).strip()


def _round100(stake: float) -> int:
    return round(stake / 100.0) * 100


def _weighted_route(draw: np.random.Generator) -> str:
    routes = road_routes()
    codes = sorted(routes)
    weights = np.array([(routes[c].end_stake_m - routes[c].start_stake_m)
                        * (1.5 if routes[c].road_class == "expressway" else 1.0) for c in codes])
    return codes[int(draw.choice(len(codes), p=weights / weights.sum()))]


def _away(draw: np.random.Generator, route_code: str, stake: int, lo_km: float, hi_km: float) -> int | None:
    """A stake 20–150 km (or as asked) from `stake` along the route, either way; None if none fits."""
    route = road_routes()[route_code]
    first, last = route.start_stake_m + END_MARGIN_M, route.end_stake_m - END_MARGIN_M
    sign = 1 if draw.random() < 0.5 else -1
    for direction in (sign, -sign):
        target = _round100(stake + direction * draw.uniform(lo_km, hi_km) * 1000)
        target = min(max(target, first), last)
        if abs(target - stake) >= MIN_LEG_M:
            return target
    return None


def _crossings(route_code: str, used: Sequence[str]) -> list[Junction]:
    return [j for j in junctions() if j.route_code == route_code and j.other_code not in used]


def draw_itinerary(draw: np.random.Generator, legs_wanted: int) -> Itinerary:
    """A random itinerary of 1–3 legs, each at least 10 km long."""
    for _ in range(200):
        legs = _try_legs(draw, legs_wanted)
        if legs is not None:
            return Itinerary(tuple(legs))
    raise RuntimeError("no itinerary found")  # pragma: no cover - the network always has one


def _try_legs(draw: np.random.Generator, legs_wanted: int) -> list[Leg] | None:
    code = _weighted_route(draw)
    if legs_wanted == 1:
        route = road_routes()[code]
        start = int(draw.integers(route.start_stake_m + END_MARGIN_M, route.end_stake_m - END_MARGIN_M))
        end = _away(draw, code, _round100(start), 30, 250)
        return None if end is None else [Leg(code, _round100(start), end)]
    crossings = _crossings(code, [code])
    if not crossings:
        return None
    junction = crossings[int(draw.integers(len(crossings)))]
    start = _away(draw, code, junction.stake_m, 20, 150)
    if start is None:
        return None
    legs = [Leg(code, start, junction.stake_m)]
    used = [code, junction.other_code]
    current, entry = junction.other_code, junction.other_stake_m
    if legs_wanted == 3:
        onward = [j for j in _crossings(current, used) if MIN_LEG_M <= abs(j.stake_m - entry) <= 200_000]
        if not onward:
            return None
        nxt = onward[int(draw.integers(len(onward)))]
        legs.append(Leg(current, entry, nxt.stake_m))
        current, entry = nxt.other_code, nxt.other_stake_m
    end = _away(draw, current, entry, 20, 150)
    if end is None:
        return None
    legs.append(Leg(current, entry, end))
    return legs


def itinerary_through(draw: np.random.Generator, route_code: str, low_m: int, high_m: int) -> Itinerary | None:
    """A one-leg itinerary on `route_code` covering the stretch low–high with 5–60 km either side."""
    route = road_routes()[route_code]
    first, last = route.start_stake_m + END_MARGIN_M, route.end_stake_m - END_MARGIN_M
    a = max(_round100(low_m - draw.uniform(5, 60) * 1000), first)
    b = min(_round100(high_m + draw.uniform(5, 60) * 1000), last)
    if a > low_m - 2000 or b < high_m + 2000:
        return None
    return Itinerary((Leg(route_code, a, b) if draw.random() < 0.5 else Leg(route_code, b, a),))
