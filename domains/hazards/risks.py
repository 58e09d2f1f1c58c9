"""Safety risk points (风险点) on the road network: bridges in poor condition (technical grade 3–5 of
the base `bridges` layer, at their stake) and road stretches with a risk category, graded 1 重大 …
4 低. Every point lies on its road section's line at its stake."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache

import numpy as np

from domains.base import sample_dir
from domains.base.features import read_collection
from domains.base.measure import rng, stake_label
from domains.base.sample_network import RoadRoute, adcode_at, road_routes
from domains.hazards.people import responsible_unit

RISK_POINT_COUNT = 600
CATEGORIES = {  # category: (Chinese, share among road-stretch risks, control measures)
    "long_steep_slope": ("连续长陡下坡", 0.18, "设置避险车道和减速标线，限速并加强巡查"),
    "sharp_curve": ("急弯陡坡", 0.22, "设置警告标志、凸面镜和减速设施"),
    "roadside_drop": ("临水临崖路段", 0.16, "完善波形护栏和警示桩，汛期专人值守"),
    "geological": ("地质灾害易发路段", 0.12, "边坡监测预警，雨后专项巡查"),
    "level_crossing": ("平交路口", 0.17, "设置减速让行标志和信号灯"),
    "fog_ice": ("团雾结冰多发路段", 0.15, "设置能见度检测和除冰预案，恶劣天气交通管制"),
}
_LEVEL_SHARES = np.array([0.05, 0.15, 0.45, 0.35])
_REVIEW_DAYS = {1: 90, 2: 180, 3: 365, 4: 365}


@dataclass(frozen=True, slots=True)
class RiskPoint:
    code: str
    name_zh: str
    category: str
    level: int
    route: RoadRoute
    stake_m: int
    lon: float
    lat: float
    adcode: str
    bridge_code: str | None
    assessed_days_ago: int

    def assessed_on(self, now: datetime) -> date:
        return (now - timedelta(days=self.assessed_days_ago)).date()

    def next_review_on(self, now: datetime) -> date:
        return self.assessed_on(now) + timedelta(days=_REVIEW_DAYS[self.level])

    @property
    def measures(self) -> str:
        if self.category == "bridge":
            return "限载限速通行，定期检测，纳入危桥改造计划"
        return CATEGORIES[self.category][2]


    @property
    def section_code(self) -> str:
        return self.route.section_at(self.stake_m).section_code


def _point(code: str, name: str, category: str, level: int, route: RoadRoute, stake: int,
           bridge: str | None, days: int) -> RiskPoint:
    lon, lat = route.point(stake)
    return RiskPoint(code, name, category, level, route, stake, lon, lat, adcode_at(lon, lat), bridge, days)


def road_sections() -> list[tuple[RoadRoute, int, int, float]]:
    """(route, start stake, end stake, length m) of every stored road section, route by route."""
    return [(route, s.start_stake_m, s.end_stake_m, float(s.cum[-1]))
            for _, route in sorted(road_routes().items()) for s in route.sections]


@cache
def risk_points() -> tuple[RiskPoint, ...]:
    draw = rng("hazards", "risk-points")
    drafts: list[tuple[str, str, int, RoadRoute, int, str | None]] = []
    for bridge in (f["properties"] for f in read_collection(sample_dir() / "bridges.geojson")):
        if bridge["tech_grade"] >= 3:
            drafts.append((bridge["name_zh"], "bridge", 6 - int(bridge["tech_grade"]),
                           road_routes()[bridge["route_code"]], int(bridge["stake_m"]), bridge["bridge_code"]))
    sections = road_sections()
    lengths = np.array([length for *_, length in sections])
    categories = list(CATEGORIES)
    shares = np.array([CATEGORIES[c][1] for c in categories])
    for _ in range(RISK_POINT_COUNT - len(drafts)):
        route, start, end, _ = sections[int(draw.choice(len(sections), p=lengths / lengths.sum()))]
        stake = int(draw.integers(start, end + 1))
        category = categories[int(draw.choice(len(categories), p=shares / shares.sum()))]
        level = int(draw.choice(4, p=_LEVEL_SHARES)) + 1
        name = f"{route.name_zh}{stake_label('', stake).strip()}{CATEGORIES[category][0]}"
        drafts.append((name, category, level, route, stake, None))
    result = []
    serial: dict[str, int] = {}
    for name, category, level, route, stake, bridge in sorted(drafts, key=lambda d: (d[3].code, d[4])):
        point = _point("", name, category, level, route, stake, bridge, int(draw.integers(30, 700)))
        serial[point.adcode] = serial.get(point.adcode, 0) + 1
        result.append(replace(point, code=f"FX{point.adcode}{serial[point.adcode]:04d}"))
    return tuple(result)


def risk_record_values(point: RiskPoint, now: datetime) -> dict:
    return {
        "risk_code": point.code, "name_zh": point.name_zh, "category": point.category, "risk_level": point.level,
        "route_code": point.route.code, "stake_m": point.stake_m, "section_code": point.section_code,
        "bridge_code": point.bridge_code, "control_measures": point.measures,
        "responsible_unit": responsible_unit(point.adcode, point.route.road_class),
        "assessed_on": point.assessed_on(now), "next_review_on": point.next_review_on(now), "adcode": point.adcode,
    }
