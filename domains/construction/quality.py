"""Quality supervision inspections (工程质量监督检查) of the projects' contract sections.

About 600 inspections over the working life of each project up to the sample time (at most two
years back), by the provincial quality supervision station; each lies on its lot's road line at a
stake. Unqualified items are ordered to be rectified by the lot's contractor, who replies; the
station re-checks and closes (or sends them back with a new deadline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache

import numpy as np
from shapely.geometry import Point

from domains.base.measure import rng
from domains.base.sample_network import adcode_at, road_route
from domains.construction.projects import Lot, Project, projects, sample_day
from domains.framework.histories import Actor, PlannedStep, Walked, china_clock, pace, walk
from domains.framework.names import person_names
from domains.framework.sample_items import account, attachments
from layers.model import LayerDefinition
from layers.validation import CHINA_TZ

INSPECTION_TARGET = 600
STATION = "吉林省交通运输工程质量监督站"
#: The station's unit code in sample accounts (the province's division code).
STATION_UNIT = "220000"
ROLES = {"quality_supervisor": "质量监督人员", "supervision_lead": "质量监督机构负责人", "contractor": "施工单位"}
ISSUES = {
    "compaction": "路基压实度抽检不合格", "pavement_thickness": "路面厚度代表值不满足设计要求",
    "concrete_strength": "混凝土试件强度不足", "rebar_cover": "钢筋保护层厚度合格率偏低",
    "bridge_structure": "墩柱尺寸偏差超标", "site_safety": "临边防护和安全警示不到位",
}
_ITEMS_OF_LOT = {"civil": ("compaction", "concrete_strength", "rebar_cover", "bridge_structure", "site_safety"),
                 "pavement": ("pavement_thickness", "compaction", "site_safety"),
                 "traffic_safety": ("site_safety", "concrete_strength")}


@dataclass(slots=True)
class QualitySample:
    number: str
    project: Project
    lot: Lot
    stake_m: int
    geometry: Point
    walked: Walked | None = None


@cache
def station_staff() -> dict[str, tuple[Actor, ...]]:
    names = person_names(rng("construction", "staff"), 14)
    supervisors = tuple(Actor(account("quality_supervisor", STATION_UNIT, n), STATION, "quality_supervisor",
                              names[n - 1]) for n in range(1, 13))
    leads = tuple(Actor(account("supervision_lead", STATION_UNIT, n), STATION, "supervision_lead", names[11 + n])
                  for n in (1, 2))
    return {"quality_supervisor": supervisors, "supervision_lead": leads}


def contractor_actor(lot: Lot) -> Actor:
    """The contractor's project manager for a lot (account unit: the contractor's credit code)."""
    return Actor(account("contractor", lot.contractor.credit_code, 1), lot.contractor.name_zh, "contractor")


def _point(route: str, stake: int) -> tuple[float, float]:
    return road_route(route).point(stake)


def _window(project: Project, now: datetime) -> tuple[datetime, datetime] | None:
    begin = datetime.combine(project.start_date, time(0), tzinfo=CHINA_TZ).astimezone(UTC)
    end = min(now, datetime.combine(project.planned_completion, time(0), tzinfo=CHINA_TZ).astimezone(UTC))
    begin = max(begin, now - timedelta(days=730))
    return (begin, end) if end - begin > timedelta(days=7) else None


def _steps(draw: np.random.Generator, number: str, lot: Lot, item: str,
           team: tuple[Actor, Actor]) -> list[PlannedStep]:
    if draw.random() < 0.03:
        lead = station_staff()["supervision_lead"][int(draw.integers(2))]
        return [PlannedStep("cancel", lead, pace(draw), comment="标段停工，检查取消")]
    steps = [PlannedStep("start", team[0], pace(draw, 0.06), values=lambda at: {"inspected_at": at})]
    if draw.random() < 0.65:
        score = round(float(draw.uniform(85, 100)), 1)
        steps.append(PlannedStep("pass", team[0], pace(draw, 0.05), values={
            "result": "qualified", "score": score, **attachments(number, "inspection_record")}))
        return steps
    score = round(float(draw.uniform(55, 85)), 1)
    days = int(draw.integers(7, 21))
    steps.append(PlannedStep("order_rectification", team[0], pace(draw, 0.05), comment=ISSUES[item], values=lambda at: {
        "result": "unqualified", "score": score, "issues": ISSUES[item],
        "rectify_by": china_clock(at, 17, 30, days=days),
        **attachments(number, "inspection_record", "rectification_notice")}))
    reply = PlannedStep("submit_rectification", contractor_actor(lot), pace(draw, 0.15, 0.04),
                        values=attachments(number, "rectification_reply"))
    steps.append(reply)
    if draw.random() < 0.15:
        again = int(draw.integers(5, 15))
        steps.append(PlannedStep("reject", team[1], pace(draw), comment="复查仍不合格，继续整改",
                                 values=lambda at: {"rectify_by": china_clock(at, 17, 30, days=again)}))
        steps.append(reply)
    steps.append(PlannedStep("accept", team[1], pace(draw, 0.1), values=attachments(number, "review_record")))
    return steps


def generate(layer: LayerDefinition, now: datetime) -> list[QualitySample]:
    """The quality inspections as of `now`, in inspection-number order."""
    draw = rng("construction", "quality")
    active = [(p, w) for p in projects(sample_day(now)) if (w := _window(p, now)) is not None]
    weights = np.array([len(p.lots) * (w[1] - w[0]).days for p, w in active], dtype=float)
    quota = weights / weights.sum() * INSPECTION_TARGET
    counts = np.floor(quota).astype(int)
    counts[np.argsort(counts - quota, kind="stable")[: INSPECTION_TARGET - int(counts.sum())]] += 1
    supervisors = station_staff()["quality_supervisor"]
    drafts = []
    for (project, (begin, end)), count in zip(active, counts.tolist(), strict=True):
        for _ in range(count):
            lot = project.lots[int(draw.integers(len(project.lots)))]
            stake = int(draw.integers(lot.start_stake_m, lot.end_stake_m + 1))
            created = begin + timedelta(seconds=float(draw.uniform(0, (end - begin).total_seconds())))
            created = china_clock(created, 9, 0) + timedelta(minutes=int(draw.integers(0, 480)))
            if created > now:
                created -= timedelta(days=1)
            drafts.append((created, project, lot, stake, str(draw.choice(_ITEMS_OF_LOT[lot.lot_type]))))
    drafts.sort(key=lambda d: (d[0], d[2].code, d[3]))
    serial: dict[int, int] = {}
    result = []
    for created, project, lot, stake, item in drafts:
        year = created.astimezone(CHINA_TZ).year
        serial[year] = serial.get(year, 0) + 1
        number = f"ZJ{year}{serial[year]:05d}"
        a, b = draw.choice(len(supervisors), size=2, replace=False).tolist()
        team = (supervisors[a], supervisors[b])
        lon, lat = _point(project.route_code, stake)
        kind = "handover" if project.status != "under_construction" and draw.random() < 0.3 else str(
            draw.choice(["routine", "special", "sampling"], p=[0.5, 0.2, 0.3]))
        values = {
            "inspection_no": number, "project_code": project.code, "lot_code": lot.code,
            "contractor_code": lot.contractor.credit_code, "inspection_kind": kind, "check_item": item,
            "route_code": project.route_code, "stake_m": stake, "inspectors": f"{team[0].name_zh}、{team[1].name_zh}",
            "planned_for": china_clock(created, 17, 30, days=int(draw.integers(2, 21))), "inspected_at": None,
            "result": None, "score": None, "issues": None, "rectify_by": None,
            "adcode": adcode_at(lon, lat),
        }
        sample = QualitySample(number, project, lot, stake, Point(lon, lat))
        sample.walked = walk(layer, created_at=created, creator=team[0], now=now, geometry=sample.geometry,
                             values=values, steps=_steps(draw, number, lot, item, team))
        result.append(sample)
    return result
