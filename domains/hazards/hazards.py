"""2,000 hidden hazards (隐患) found on the road network over the two years before the sample time.

Each stands on a road section at a stake (a third of them near a risk point of the same section),
is reported by the road operator's patrol, assessed and ordered to be rectified by the prefecture
transport bureau with a deadline (`rectify_by`), rectified by the responsible unit, accepted (or
sent back for re-rectification with a new deadline) and closed (销号).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from shapely.geometry import Point

from domains.base.measure import rng, stake_label
from domains.base.sample_network import RoadRoute, adcode_at
from domains.framework.histories import Actor, PlannedStep, Walked, china_clock, pace, walk, working_moment
from domains.framework.sample_items import attachments
from domains.hazards import people
from domains.hazards.risks import RiskPoint, risk_points, road_sections
from layers.model import LayerDefinition
from layers.validation import CHINA_TZ

HAZARD_COUNT = 2_000
LINKED_SHARE = 0.33
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "subgrade": ("路基沉陷，路面出现纵向裂缝", "路基边缘冲刷掏空", "路肩塌陷"),
    "pavement": ("路面坑槽连片，影响行车安全", "路面车辙深度超标", "路面翻浆"),
    "bridge": ("桥梁伸缩缝损坏", "桥墩混凝土剥落露筋", "桥面铺装破损", "支座脱空"),
    "slope": ("边坡落石，坡面防护网破损", "挖方边坡局部滑塌", "危岩体松动"),
    "safety_facility": ("波形护栏缺失", "防眩板损坏", "中央分隔带开口未封闭", "护栏端头未处理"),
    "drainage": ("边沟堵塞，雨天路面积水", "涵洞淤积", "排水管破损"),
    "signage": ("限速标志缺失", "标线磨损不清", "急弯警告标志被遮挡"),
    "work_zone": ("施工作业区未按规定设置警示区", "施工围挡缺失", "夜间施工无警示灯"),
}
MEASURES: dict[str, str] = {
    "subgrade": "注浆加固路基，修复路面", "pavement": "铣刨重铺，设置临时警示",
    "bridge": "专项检测后维修加固，限载通行",
    "slope": "清除危石，修复防护网，设置警示", "safety_facility": "按规范补齐并更换安全设施",
    "drainage": "清淤疏通，修复排水设施", "signage": "补设标志，重划标线", "work_zone": "按规范完善作业区布设",
}
_CATEGORY_SHARES = {"subgrade": 0.12, "pavement": 0.25, "bridge": 0.08, "slope": 0.1, "safety_facility": 0.2,
                    "drainage": 0.1, "signage": 0.1, "work_zone": 0.05}
_RISK_CATEGORY = {"bridge": "bridge", "geological": "slope", "long_steep_slope": "pavement",
                  "sharp_curve": "safety_facility", "roadside_drop": "safety_facility", "level_crossing": "signage",
                  "fog_ice": "signage"}


@dataclass(slots=True)
class HazardSample:
    number: str
    route: RoadRoute
    stake_m: int
    geometry: Point
    adcode: str
    risk: RiskPoint | None
    walked: Walked | None = None


def _site(draw: np.random.Generator, risk: RiskPoint | None) -> tuple[RoadRoute, int]:
    """Near a risk point (within 500 m, on the same section), or anywhere on the network by length."""
    if risk is not None:
        section = risk.route.section_at(risk.stake_m)
        stake = risk.stake_m + int(draw.integers(-500, 501))
        return risk.route, min(max(stake, section.start_stake_m), section.end_stake_m - 1)
    sections = road_sections()
    lengths = np.array([length for *_, length in sections])
    route, start, end, _ = sections[int(draw.choice(len(sections), p=lengths / lengths.sum()))]
    return route, int(draw.integers(start, end + 1))


def _steps(draw: np.random.Generator, number: str, adcode: str, unit: str, grade: str,
           category: str) -> list[PlannedStep]:
    officer = _one(draw, people.actors(adcode, "safety_officer"))
    if draw.random() < 0.05:
        return [PlannedStep("dismiss", officer, pace(draw), comment="经现场核查不构成安全隐患")]
    crew = _one(draw, people.actors(adcode, "rectifier", unit))
    lead = _one(draw, people.actors(adcode, "safety_lead"))
    days = int(draw.integers(30, 91)) if grade == "major" else int(draw.integers(7, 31))
    done = PlannedStep("report_done", crew, pace(draw, 0.2, 0.06),
                       values=attachments(number, "rectification_report", "site_photos"))
    steps = [
        PlannedStep("assess", officer, pace(draw), values={"grade": grade, "category": category}),
        PlannedStep("assign", officer, pace(draw), values=lambda at: {
            "responsible_unit": unit, "measures": MEASURES[category],
            "rectify_by": china_clock(at, 18, 0, days=days), **attachments(number, "rectification_notice")}),
        done,
    ]
    if draw.random() < 0.15:
        again = int(draw.integers(7, 16))
        steps.append(PlannedStep("fail", officer, pace(draw), comment="整改不到位，重新整改",
                                 values=lambda at: {"rectify_by": china_clock(at, 18, 0, days=again)}))
        steps.append(PlannedStep("report_done", crew, pace(draw, 0.2), values=done.values))
    steps.append(PlannedStep("pass", officer, pace(draw, 0.1, 0.02), values=attachments(number, "acceptance_record")))
    steps.append(PlannedStep("close", lead, pace(draw)))
    return steps


def _one(draw: np.random.Generator, pool: tuple[Actor, ...]) -> Actor:
    return pool[int(draw.integers(len(pool)))]


def generate(layer: LayerDefinition, now: datetime) -> list[HazardSample]:
    """The hazards as of `now` (deterministic in `now`), in hazard-number order."""
    draw = rng("hazards", "hazards")
    risks = risk_points()
    weights = np.array([5.0 - r.level for r in risks])
    categories = list(_CATEGORY_SHARES)
    shares = np.array(list(_CATEGORY_SHARES.values()))
    drafts = []
    for _ in range(HAZARD_COUNT):
        risk = risks[int(draw.choice(len(risks), p=weights / weights.sum()))] if draw.random() < LINKED_SHARE else None
        route, stake = _site(draw, risk)
        lon, lat = route.point(stake)
        adcode = adcode_at(lon, lat)
        category = _RISK_CATEGORY[risk.category] if risk else categories[int(draw.choice(len(categories), p=shares))]
        major = draw.random() < (0.25 if risk is not None and risk.level <= 2 else 0.06)
        created = working_moment(draw, now, 730)
        drafts.append((created, route, stake, Point(lon, lat), adcode, risk, category, "major" if major else "general",
                       str(draw.choice(DESCRIPTIONS[category]))))
    drafts.sort(key=lambda d: (d[0], d[1].code, d[2]))
    serial: dict[tuple[str, int], int] = {}
    result = []
    for created, route, stake, point, adcode, risk, category, grade, text in drafts:
        key = (adcode, created.astimezone(CHINA_TZ).year)
        serial[key] = serial.get(key, 0) + 1
        number = f"YH{adcode}{key[1]}{serial[key]:05d}"
        unit = people.responsible_unit(adcode, route.road_class)
        reporter = _one(draw, people.actors(adcode, "hazard_reporter", unit))
        values = {
            "hazard_no": number, "description": text, "category": category, "grade": grade,
            "route_code": route.code, "stake_m": stake, "stake_label": stake_label(route.code, stake),
            "section_code": route.section_at(stake).section_code, "risk_code": risk.code if risk else None,
            "responsible_unit": None,
            "measures": None, "rectify_by": None, "found_at": created, "reporter_org": reporter.org, "adcode": adcode,
        }
        sample = HazardSample(number, route, stake, point, adcode, risk)
        sample.walked = walk(layer, created_at=created, creator=reporter, now=now, geometry=point, values=values,
                             steps=_steps(draw, number, adcode, unit, grade, category))
        result.append(sample)
    return result
