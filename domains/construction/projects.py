"""60 highway construction projects along the road network and their contract sections (标段).

A project is a stake range of one route: expressway expansions, national and provincial road
upgrades, major repairs, safety upgrades and rehabilitations of poor-condition bridges (at a bridge of
technical grade 3–5). Its line is cut from the base `roads` sections, so it lies on the road. Dates
are laid out relative to the sample day; status and progress follow from them. Contract sections
split the range and are let to construction enterprises of the credit register.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from itertools import pairwise

import numpy as np
from shapely.geometry import LineString, MultiLineString

from domains.base import sample_dir
from domains.base.features import read_collection
from domains.base.geography import prefecture
from domains.base.measure import rng, stake_label
from domains.base.sample_network import adcode_at, nearest_place, road_route, road_routes
from domains.credit.enterprises import Enterprise, enterprise
from domains.framework.identities import enterprises_of
from layers.validation import CHINA_TZ

PROJECT_COUNT = 60
#: type: (Chinese, road classes, share, length km range, lots range, cost 万元/km range, duration days range)
TYPES: dict[str, tuple[str, tuple[str, ...], float, tuple[float, float], tuple[int, int], tuple[float, float],
                       tuple[int, int]]] = {
    "expansion": ("改扩建工程", ("expressway",), 0.15, (30, 90), (4, 6), (8_000, 15_000), (720, 1_100)),
    "upgrade": ("升级改造工程", ("national", "provincial"), 0.25, (15, 50), (3, 5), (1_500, 3_000), (540, 900)),
    "major_repair": ("路面大中修工程", ("expressway", "national", "provincial"), 0.3, (10, 40), (2, 3), (300, 800),
                     (150, 300)),
    "safety_upgrade": ("安全生命防护工程", ("national", "provincial"), 0.15, (20, 60), (1, 2), (50, 150), (120, 240)),
    "bridge_rehab": ("危旧桥梁改造工程", ("expressway", "national", "provincial"), 0.15, (0.5, 2), (1, 1),
                     (3_000, 8_000), (300, 540)),
}
LOT_PREFIX = {"civil": "TJ", "pavement": "LM", "traffic_safety": "JA"}
SUPERVISION_FIRMS = ("吉林省公路工程监理有限公司", "吉林省交通工程咨询监理有限公司", "长春华通工程监理有限公司",
                     "吉林市正达工程监理有限责任公司", "延边路桥工程监理有限公司")


@dataclass(frozen=True, slots=True)
class Lot:
    code: str
    name_zh: str
    lot_type: str
    contractor: Enterprise
    amount_wan: float
    start_stake_m: int
    end_stake_m: int
    progress_pct: float
    score: float | None
    adcode: str
    geometry: MultiLineString


@dataclass(frozen=True, slots=True)
class Project:
    code: str
    name_zh: str
    project_type: str
    route_code: str
    start_stake_m: int
    end_stake_m: int
    investment_wan: float
    owner_unit: str
    supervision_firm: str
    start_date: date
    planned_completion: date
    status: str
    progress_pct: float
    adcode: str
    geometry: MultiLineString
    lots: tuple[Lot, ...]

    @property
    def score(self) -> float | None:
        scores = [lot.score for lot in self.lots if lot.score is not None]
        return round(float(np.mean(scores)), 1) if scores else None


def safe_site_grade(score: float | None) -> str | None:
    if score is None:
        return None
    return "demonstration" if score >= 90 else ("compliant" if score >= 70 else "non_compliant")


def route_line(route_code: str, start_m: int, end_m: int) -> MultiLineString:
    """The route's line between two stakes, cut from the stored road sections (one part)."""
    return MultiLineString([LineString(road_route(route_code).line(start_m, end_m))])


def _route_extent(route_code: str) -> tuple[int, int]:
    route = road_route(route_code)
    return route.start_stake_m, route.end_stake_m


def _stretch(draw: np.random.Generator, kind: str, taken: dict[str, list[tuple[int, int]]],
             bridges: list[dict]) -> tuple[str, int, int, str]:
    label, classes, _, (low, high), *_ = TYPES[kind]
    routes = sorted(code for code, route in road_routes().items() if route.road_class in classes)
    for _ in range(200):
        if kind == "bridge_rehab":
            bridge = bridges[int(draw.integers(len(bridges)))]
            route, half = bridge["route_code"], int(bridge["length_m"] / 2) + 300
            start, end = int(bridge["stake_m"]) - half, int(bridge["stake_m"]) + half
            name = f"{bridge['route_code']}{bridge['name_zh']}{label}"
        else:
            route = routes[int(draw.integers(len(routes)))]
            first, last = _route_extent(route)
            length = int(draw.uniform(low, high) * 1000) // 100 * 100
            if last - first < length + 2_000:
                continue
            start = int(draw.integers(first, last - length)) // 100 * 100 + 100
            end = start + length
            ends = [nearest_place(*_point(route, stake))[0] for stake in (start, end)]
            name_zh = road_route(route).name_zh
            span = f"{ends[0]}至{ends[1]}段" if ends[0] != ends[1] else f"{ends[0]}段"
            name = f"{route}{name_zh}{span}{label}"
        first, last = _route_extent(route)
        clear = all(end + 1_000 < s or start > e + 1_000 for s, e in taken.get(route, []))
        if first <= start and end <= last and clear:
            taken.setdefault(route, []).append((start, end))
            return route, start, end, name
    raise RuntimeError(f"no free stretch for a {kind} project")


def _point(route: str, stake: int) -> tuple[float, float]:
    return road_route(route).point(stake)


def _lots(draw: np.random.Generator, code: str, short: str, route: str, start: int, end: int, kind: str,
          investment: float, progress: float, active: bool) -> tuple[Lot, ...]:
    low, high = TYPES[kind][4]
    count = int(draw.integers(low, high + 1))
    shares = np.cumsum(draw.uniform(0.6, 1.4, count))
    cuts = [start + int(f * (end - start)) // 100 * 100 for f in (shares[:-1] / shares[-1]).tolist()]
    bounds = [start, *cuts, end]
    contractors = draw.choice(list(enterprises_of("construction")), size=count, replace=False).tolist()
    result = []
    for k, (s0, s1) in enumerate(pairwise(bounds), start=1):
        lot_type = "civil" if k < count or count < 3 else "pavement"
        if kind == "safety_upgrade":
            lot_type = "traffic_safety"
        score = round(float(np.clip(draw.normal(84.0, 7.0), 50.0, 99.0)), 1) if active else None
        mid = _point(route, (s0 + s1) // 2)
        result.append(Lot(
            code=f"{code}-{LOT_PREFIX[lot_type]}{k:02d}", name_zh=f"{short}第{k}合同段",
            lot_type=lot_type, contractor=enterprise(int(contractors[k - 1])),
            amount_wan=round(investment * 0.85 * (s1 - s0) / (end - start), 1), start_stake_m=s0, end_stake_m=s1,
            progress_pct=round(float(np.clip(progress + draw.normal(0, 8.0), 0, 100)) if 0 < progress < 100
                               else progress, 1),
            score=score, adcode=adcode_at(*mid), geometry=route_line(route, s0, s1),
        ))
    return tuple(result)


@cache
def projects(today: date) -> tuple[Project, ...]:
    """The 60 projects as of the sample day, in project-code order."""
    draw = rng("construction", "projects")
    kinds = list(TYPES)
    shares = np.array([TYPES[k][2] for k in kinds])
    bridges = [f["properties"] for f in read_collection(sample_dir() / "bridges.geojson")
               if f["properties"]["tech_grade"] >= 3 and f["properties"]["scale"] in ("major", "medium")]
    taken: dict[str, list[tuple[int, int]]] = {}
    drafts = []
    for _ in range(PROJECT_COUNT):
        kind = kinds[int(draw.choice(len(kinds), p=shares / shares.sum()))]
        route, start, end, name = _stretch(draw, kind, taken, bridges)
        cost = float(draw.uniform(*TYPES[kind][5]))
        investment = round(cost * max((end - start) / 1000.0, 1.0), 1)
        begin = today - timedelta(days=int(draw.integers(-60, 900)))
        finish = begin + timedelta(days=int(draw.integers(*TYPES[kind][6])))
        drafts.append((begin, kind, route, start, end, name, investment, finish))
    drafts.sort(key=lambda d: (d[0], d[2], d[3]))
    serial: dict[int, int] = {}
    result = []
    for begin, kind, route, start, end, name, investment, finish in drafts:
        serial[begin.year] = serial.get(begin.year, 0) + 1
        code = f"GL{begin.year}{serial[begin.year]:03d}"
        if today < begin:
            status, progress = "preparing", 0.0
        elif today < finish:
            status = "under_construction"
            progress = round(100.0 * (today - begin).days / (finish - begin).days, 1)
        else:
            status = "completed" if (today - finish).days < 365 else "handed_over"
            progress = 100.0
        mid = _point(route, (start + end) // 2)
        adcode = adcode_at(*mid)
        owner = ("吉林省高速公路集团有限公司" if road_route(route).road_class == "expressway"
                 else f"{prefecture(adcode).name_zh}公路事业发展中心")
        lots = _lots(draw, code, name.removesuffix("工程"), route, start, end, kind, investment, progress,
                     status != "preparing")
        result.append(Project(code, name, kind, route, start, end, investment, owner,
                              SUPERVISION_FIRMS[int(draw.integers(len(SUPERVISION_FIRMS)))], begin, finish, status,
                              progress, adcode, route_line(route, start, end), lots))
    return tuple(sorted(result, key=lambda p: p.code))


def stake_range(start_m: int, end_m: int) -> str:
    return f"{stake_label('', start_m).strip()}—{stake_label('', end_m).strip()}"


def sample_day(now: datetime) -> date:
    return now.astimezone(CHINA_TZ).date()
