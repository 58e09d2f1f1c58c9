"""Sample expressway traffic events (`exp_events`): 200 events on the expressways of the base network.

Each event sits on its route at its stake (the stored road section's point), carries the
prefecture it lies in, and has lived through the event workflow: most were closed within the
last 30 days (about one in seven with a late step), 41 are still open — 10 of them overdue now
— and 10 were dismissed as false reports. Ten closures are being handled now (`handling`): two
overdue, and `ACTIVE_CLOSURES` (8) on time, planned for 40–140 hours and expected to reopen after
`now` — the permits samples route some applications through these. Times are laid out around
`now`; the same `now` gives the same events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from shapely.geometry import Point

from domains.base.measure import rng, stake_label
from domains.base.sample_network import RoadRoute, adcode_at, prefecture_short_name, road_routes
from domains.framework.sample_items import Step, WorkflowItem, account, attachments, build_item, lay_out
from layers.model import LayerDefinition
from layers.validation import CHINA_TZ

EVENT_COUNT = 200

#: (event type, final state, overdue now, how many): the shape of the sample set.
PLAN: tuple[tuple[str, str, bool, int], ...] = (
    ("closure", "handling", False, 8), ("closure", "handling", True, 2), ("closure", "cleared", False, 1),
    ("closure", "dispatched", False, 1), ("closure", "closed", False, 13),
    ("construction", "handling", False, 5), ("construction", "handling", True, 1),
    ("construction", "closed", False, 34),
    ("accident", "reported", False, 1), ("accident", "reported", True, 1), ("accident", "confirmed", False, 1),
    ("accident", "confirmed", True, 1), ("accident", "dispatched", False, 1), ("accident", "dispatched", True, 1),
    ("accident", "handling", False, 2), ("accident", "handling", True, 1), ("accident", "cleared", False, 1),
    ("accident", "cleared", True, 1), ("accident", "dismissed", False, 4), ("accident", "closed", False, 45),
    ("congestion", "reported", False, 1), ("congestion", "confirmed", False, 1), ("congestion", "dispatched", True, 1),
    ("congestion", "handling", False, 2), ("congestion", "cleared", False, 1), ("congestion", "dismissed", False, 4),
    ("congestion", "closed", False, 35),
    ("weather", "reported", False, 1), ("weather", "confirmed", False, 1), ("weather", "handling", False, 2),
    ("weather", "handling", True, 1), ("weather", "cleared", False, 1), ("weather", "dismissed", False, 2),
    ("weather", "closed", False, 22),
)
#: Closures handled now, on time, with a long planned handling time (they reopen after `now`).
ACTIVE_CLOSURES = 8

PATHS: dict[str, tuple[str, ...]] = {
    "reported": (),
    "confirmed": ("confirm",),
    "dispatched": ("confirm", "dispatch"),
    "handling": ("confirm", "dispatch", "start_handling"),
    "cleared": ("confirm", "dispatch", "start_handling", "clear"),
    "closed": ("confirm", "dispatch", "start_handling", "clear", "close"),
}

#: Planned handling time (hours) by event type.
HANDLING_HOURS = {"accident": (1.0, 4.0), "congestion": (0.5, 3.0), "closure": (3.0, 48.0),
                  "weather": (3.0, 24.0), "construction": (48.0, 240.0)}
ACTIVE_CLOSURE_HOURS = (40.0, 140.0)

ACTORS = {"event_reporter": 6, "monitor": 4, "dispatcher": 3, "rescue_leader": 5}
SOURCES = {"accident": ("patrol", "camera", "hotline", "police"), "congestion": ("camera", "patrol", "hotline"),
           "closure": ("police", "patrol", "weather_service"), "weather": ("weather_service", "camera", "patrol"),
           "construction": ("plan",)}
DIRECTION_ZH = {"up": "上行", "down": "下行", "both": "双向"}


@dataclass(frozen=True, slots=True)
class Profile:
    event_type: str
    final_state: str
    overdue: bool
    #: A closure in the active window (long planned handling, reopening a day or more from now).
    active_closure: bool = False


def plan() -> list[Profile]:
    """The profile of every event, in sample order (shuffled once, with a fixed seed)."""
    profiles: list[Profile] = []
    active_left = ACTIVE_CLOSURES
    for event_type, state, overdue, count in PLAN:
        for _ in range(count):
            active = event_type == "closure" and state == "handling" and not overdue and active_left > 0
            active_left -= active
            profiles.append(Profile(event_type, state, overdue, active))
    order = rng("expressway", "event-plan").permutation(len(profiles))
    return [profiles[i] for i in order]


def org_of(role: str, adcode: str) -> str:
    short = prefecture_short_name(adcode)
    return {
        "event_reporter": f"{short}高速公路路政大队",
        "monitor": f"吉林省高速公路{short}监控分中心",
        "dispatcher": f"吉林省高速公路{short}监控分中心",
        "rescue_leader": f"{short}高速公路清障救援大队",
    }[role]


def expressways() -> list[RoadRoute]:
    return [route for code, route in sorted(road_routes().items()) if route.road_class == "expressway"]


def _place(draw: np.random.Generator) -> tuple[RoadRoute, int]:
    routes = expressways()
    lengths = np.array([r.end_stake_m - r.start_stake_m for r in routes], dtype=float)
    route = routes[int(draw.choice(len(routes), p=lengths / lengths.sum()))]
    return route, int(draw.integers(route.start_stake_m + 3000, route.end_stake_m - 3000))


def _actor(draw: np.random.Generator, role: str, adcode: str) -> tuple[str, str]:
    return account(role, adcode, int(draw.integers(1, ACTORS[role] + 1))), org_of(role, adcode)


def generate_events(layer: LayerDefinition, now: datetime) -> list[WorkflowItem]:
    """The 200 sample events with their histories."""
    return [_event(layer, i, profile, now) for i, profile in enumerate(plan())]


def _event(layer: LayerDefinition, i: int, profile: Profile, now: datetime) -> WorkflowItem:
    draw = rng("expressway", "event", str(i))
    kind = profile.event_type
    route, stake = _place(draw)
    lon, lat = route.point(stake)
    adcode = adcode_at(lon, lat)
    terminal = profile.final_state in ("closed", "dismissed")
    if profile.final_state == "dismissed":
        path: tuple[str, ...] = ("dismiss",) if draw.random() < 0.5 else ("confirm", "dismiss")
    else:
        path = PATHS[profile.final_state]
    hours = float(draw.uniform(*(ACTIVE_CLOSURE_HOURS if profile.active_closure else HANDLING_HOURS[kind])))
    late = {int(draw.integers(0, len(path)))} if terminal and path and draw.random() < 0.2 else set()
    times = lay_out(layer, path, draw=draw, now=now, planned_hours={"handling": hours}, late=late,
                    overdue=profile.overdue, ended_hours_ago=float(draw.uniform(1.0, 720.0)) if terminal else 0.0)
    created = times[0]
    lead_minutes = {"accident": (2, 25), "congestion": (5, 30), "closure": (0, 10), "weather": (10, 60),
                    "construction": (0, 1)}[kind]
    start_time = created - timedelta(minutes=int(draw.integers(*lead_minutes)))
    event_no = f"GS{created.astimezone(CHINA_TZ):%Y%m%d}{i + 1:04d}"
    properties = _details(draw, kind, route, stake, start_time, adcode)
    properties["event_no"] = event_no

    reporter = _actor(draw, "event_reporter", adcode)
    steps = [Step(created, *reporter)]
    for transition, at in zip(path, times[1:], strict=True):
        if transition == "dismiss":
            steps.append(Step(at, *_actor(draw, "monitor", adcode), transition, "经视频核实为误报 / false report",
                              {"end_time": at}))
        elif transition == "confirm":
            steps.append(Step(at, *_actor(draw, "monitor", adcode), transition))
        elif transition in ("dispatch", "close"):
            steps.append(Step(at, *_actor(draw, "dispatcher", adcode), transition))
        elif transition == "start_handling":
            expected = (at + timedelta(hours=hours)).replace(microsecond=0)
            steps.append(Step(at, *_actor(draw, "rescue_leader", adcode), transition,
                              values={"expected_end_time": expected}))
        else:  # clear
            steps.append(Step(at, *_actor(draw, "rescue_leader", adcode), transition,
                              values={"end_time": at, **attachments(event_no, "scene_photos")}))
    return build_item(layer, Point(lon, lat), properties, steps, now)


def _details(draw: np.random.Generator, kind: str, route: RoadRoute, stake: int, start_time: datetime,
             adcode: str) -> dict:
    """The event's descriptive fields (everything but its number and workflow)."""
    direction = str(draw.choice(["up", "down"])) if kind != "closure" or draw.random() < 0.4 else "both"
    if kind == "weather":
        direction = "both"
    stretch = {"congestion": (1_000, 8_000), "closure": (5_000, 25_000), "construction": (1_000, 6_000)}.get(kind)
    end_stake = None
    if stretch is not None:
        sign = -1 if direction == "up" else 1
        end_stake = stake + sign * int(draw.integers(*stretch))
        end_stake = min(max(end_stake, route.start_stake_m), route.end_stake_m)
    severity = int(draw.choice([4, 3, 2, 1], p=[0.6, 0.3, 0.09, 0.01])) if kind == "accident" else \
        int(draw.choice([4, 3], p=[0.75, 0.25]))
    vehicles = int(draw.integers(1, 6)) if kind == "accident" else 0
    injured = int(draw.integers(0, vehicles + 2)) if kind == "accident" else 0
    deaths = int(draw.integers(0, 2)) if kind == "accident" and severity <= 2 else 0
    lanes = {"accident": int(draw.integers(1, 3)), "congestion": 0, "closure": 2, "weather": 0,
             "construction": 1}[kind]
    return {
        "event_type": kind,
        "route_code": route.code,
        "stake_m": stake,
        "end_stake_m": end_stake,
        "direction": direction,
        "start_time": start_time,
        "end_time": None,
        "expected_end_time": None,
        "severity": severity,
        "lanes_blocked": lanes,
        "vehicles_involved": vehicles,
        "injured": injured,
        "deaths": deaths,
        "source": str(draw.choice(SOURCES[kind])),
        "description_zh": _describe(draw, kind, route, stake, end_stake, direction, vehicles, lanes),
        "adcode": adcode,
    }


def _describe(draw: np.random.Generator, kind: str, route: RoadRoute, stake: int, end_stake: int | None,
              direction: str, vehicles: int, lanes: int) -> str:
    where = f"{route.code}{route.name_zh}{DIRECTION_ZH[direction]}{stake_label('', stake).strip()}"
    until = stake_label("", end_stake).strip() if end_stake is not None else ""
    if kind == "accident":
        what = str(draw.choice(["追尾", "刮擦", "侧翻", "撞护栏"]))
        return f"{where}处发生{vehicles}车{what}事故，占用{lanes}条车道"
    if kind == "congestion":
        return f"{where}至{until}车流量大，缓行排队约{abs(stake - (end_stake or stake)) / 1000:.1f}公里"
    if kind == "closure":
        reason = str(draw.choice(["桥梁检修", "交通管制", "降雪除冰", "事故处置"]))
        return f"因{reason}，{where}至{until}封闭，车辆请绕行"
    if kind == "weather":
        what = str(draw.choice(["团雾", "降雪", "路面结冰", "大风"]))
        return f"{where}附近{what}，能见度不足{int(draw.choice([50, 100, 200]))}米，请减速慢行"
    return f"{where}至{until}路面修补施工，占用{lanes}条车道"
