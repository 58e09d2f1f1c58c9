"""500 enforcement cases (执法案件): those converted from clues, and the rest found on site (roadside
overload and unlicensed-operation checks). Numbered per unit and year in order of registration;
each cites its party enterprise and, when it came from one, its clue. Paths follow the procedure:
most are filed, investigated, reviewed, decided, served, executed and closed; some are not filed,
some dismissed, some sent back from legal review for more investigation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from shapely.geometry import Point

from domains.base.measure import rng
from domains.credit.enterprises import Enterprise, enterprise, short_name
from domains.enforcement import roster
from domains.enforcement.clues import ClueDraft
from domains.enforcement.objects import RoadPoint, plate, random_road_points
from domains.framework.histories import Actor, PlannedStep, Walked, pace, walk, working_moment
from domains.framework.identities import EnterpriseKind, enterprises_of
from domains.framework.sample_items import attachments
from layers.model import LayerDefinition
from layers.validation import CHINA_TZ

CASE_COUNT = 500

#: Fines (元) by case type: the range a decision draws from, rounded to 100 元.
FINES: dict[str, tuple[int, int]] = {
    "overload": (500, 30_000), "illegal_operation": (10_000, 100_000), "dg_violation": (5_000, 50_000),
    "passenger_violation": (1_000, 10_000), "repair_violation": (1_000, 20_000), "road_damage": (2_000, 30_000),
    "waterway_violation": (2_000, 30_000), "construction_violation": (50_000, 300_000),
}
LAW_BASIS: dict[str, str] = {
    "overload": "《公路安全保护条例》《超限运输车辆行驶公路管理规定》",
    "illegal_operation": "《中华人民共和国道路运输条例》",
    "dg_violation": "《危险货物道路运输安全管理办法》",
    "passenger_violation": "《道路旅客运输及客运站管理规定》",
    "repair_violation": "《机动车维修管理规定》",
    "road_damage": "《中华人民共和国公路法》《公路安全保护条例》",
    "waterway_violation": "《国内水路运输管理条例》",
    "construction_violation": "《建设工程质量管理条例》《公路水运工程质量监督管理规定》",
}
#: Roadside cases: (case type, party kind, share).
_ON_SITE: tuple[tuple[str, EnterpriseKind, float], ...] = (
    ("overload", "freight", 0.55), ("illegal_operation", "passenger", 0.15), ("illegal_operation", "freight", 0.1),
    ("road_damage", "freight", 0.12), ("construction_violation", "construction", 0.08),
)


@dataclass(slots=True)
class CaseDraft:
    created_at: datetime
    creator: Actor
    geometry: Point
    adcode: str
    enterprise: Enterprise
    case_type: str
    clue_no: str | None
    plate: str | None
    road: RoadPoint | None
    violation_at: datetime
    case_no: str = ""
    serial: int = 0
    steps: tuple[PlannedStep, ...] = ()
    walked: Walked | None = None


def _from_clues(clues: list[ClueDraft]) -> list[CaseDraft]:
    result = []
    for clue in clues:
        entry = clue.walked.entry("convert") if clue.walked else None
        if entry is None:
            continue
        result.append(CaseDraft(entry.at, roster.actor(entry.actor), clue.geometry, clue.adcode, clue.enterprise,
                                clue.case_type, clue.clue_no, clue.values["plate"], clue.road,
                                clue.values["observed_at"]))
    return result


def _on_site(draw: np.random.Generator, now: datetime, count: int) -> list[CaseDraft]:
    shares = np.array([s for _, _, s in _ON_SITE])
    points = random_road_points(draw, count, ("expressway", "national", "provincial"))
    result = []
    for point in points:
        case_type, kind, _ = _ON_SITE[int(draw.choice(len(_ON_SITE), p=shares / shares.sum()))]
        e = enterprise(int(draw.choice(list(enterprises_of(kind)))))
        created = working_moment(draw, now, 400)
        seen = plate(e, int(draw.integers(0, 20))) if kind != "construction" else None
        result.append(CaseDraft(created, roster.pick(draw, point.adcode, "inspector"), Point(point.lon, point.lat),
                                point.adcode, e, case_type, None, seen, point, created))
    return result


def _number(drafts: list[CaseDraft]) -> None:
    by_year: dict[tuple[str, int], int] = {}
    by_unit: dict[str, int] = {}
    for draft in sorted(drafts, key=lambda d: (d.created_at, d.enterprise.number, d.clue_no or "")):
        key = (draft.adcode, draft.created_at.astimezone(CHINA_TZ).year)
        by_year[key] = by_year.get(key, 0) + 1
        by_unit[draft.adcode] = draft.serial = by_unit.get(draft.adcode, 0) + 1
        draft.case_no = f"ZF{key[0]}{key[1]}{by_year[key]:05d}"


def _decision(draft: CaseDraft, fine: int, at: datetime) -> dict:
    year = at.astimezone(CHINA_TZ).year
    return {"penalty_amount": float(fine), "decision_no": f"{short_name(draft.adcode)}交执罚〔{year}〕{draft.serial}号",
            "decided_at": at, **attachments(draft.case_no, "legal_review_opinion", "penalty_decision")}


def _steps(draw: np.random.Generator, draft: CaseDraft) -> tuple[PlannedStep, ...]:
    pool = roster.actors(draft.adcode, "inspector")
    a, b = draw.choice(len(pool), size=2, replace=False).tolist()
    officer, partner = pool[a], pool[b]
    lead = roster.pick(draw, draft.adcode, "enforcement_lead")
    reviewer = roster.pick(draw, draft.adcode, "legal_reviewer")
    no = draft.case_no
    if draw.random() < 0.05:
        return (PlannedStep("reject_filing", lead, pace(draw), comment="违法事实不清，不予立案"),)
    steps = [PlannedStep("propose_filing", officer, pace(draw, 0.06),
                         values={"case_type": draft.case_type, "credit_code": draft.enterprise.credit_code,
                                 "violation_at": draft.violation_at, **attachments(no, "filing_form")})]
    if draw.random() < 0.04:
        return (*steps, PlannedStep("reject_filing", lead, pace(draw), comment="不符合立案条件"))
    steps.append(PlannedStep("approve_filing", lead, pace(draw, 0.08),
                             values={"handling_officers": f"{officer.name_zh}、{partner.name_zh}"}))
    if draw.random() < 0.06:
        return (*steps, PlannedStep("dismiss", lead, pace(draw), comment="违法事实不能成立，撤销案件"))
    review = PlannedStep("submit_review", officer, pace(draw, 0.12, 0.04),
                         values={"law_basis": LAW_BASIS[draft.case_type],
                                 **attachments(no, "investigation_report", "evidence")})
    steps.append(review)
    if draw.random() < 0.12:
        steps.append(PlannedStep("return_investigation", reviewer, pace(draw), comment="证据不足，退回补充调查"))
        steps.append(PlannedStep("submit_review", officer, pace(draw, 0.1), values=review.values))
    if draw.random() < 0.02:
        return (*steps, PlannedStep("dismiss", lead, pace(draw), comment="经法制审核，不予行政处罚"))
    low, high = FINES[draft.case_type]
    fine = int(round(float(draw.uniform(low, high)), -2))
    steps.append(PlannedStep("decide", lead, pace(draw, 0.08), values=lambda at, f=fine: _decision(draft, f, at)))
    steps.append(PlannedStep("serve", officer, pace(draw, 0.06), values=attachments(no, "service_receipt")))
    result = str(draw.choice(["paid", "instalments", "court_enforced"], p=[0.86, 0.06, 0.08]))
    steps.append(PlannedStep("close", lead, pace(draw, 0.2, 0.05),
                             values={"execution_result": result, **attachments(no, "closing_report")}))
    return tuple(steps)


def drafts(clues: list[ClueDraft], now: datetime) -> list[CaseDraft]:
    """All 500 cases, numbered and planned (not yet walked); needs the clues walked once."""
    draw = rng("enforcement", "cases")
    result = _from_clues(clues)
    result += _on_site(draw, now, CASE_COUNT - len(result))
    _number(result)
    result.sort(key=lambda d: d.case_no)
    for draft in result:
        draft.steps = _steps(draw, draft)
    return result


#: GB 11643-1999: weights of the first 17 digits and the check character by remainder mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def party_id_number(draft: CaseDraft) -> str:
    """A synthetic resident ID number (公民身份号码) of the party's legal representative: registered in the
    case's county, born 1960–1999, with a valid check character; fixed by the case number (its own random
    stream, so the other samples do not move)."""
    draw = rng("enforcement", "party_id", draft.case_no)
    born = f"{int(draw.integers(1960, 2000))}{int(draw.integers(1, 13)):02d}{int(draw.integers(1, 29)):02d}"
    body = f"{draft.adcode}{born}{int(draw.integers(0, 1000)):03d}"
    return body + _ID_CHECK[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def initial_values(draft: CaseDraft) -> dict:
    road = draft.road
    return {
        "case_no": draft.case_no, "case_type": draft.case_type, "source": "clue" if draft.clue_no else "on_site",
        "clue_no": draft.clue_no, "credit_code": draft.enterprise.credit_code, "party_name": draft.enterprise.name_zh,
        "party_id_number": party_id_number(draft),
        "plate": draft.plate, "route_code": road.route.code if road else None,
        "stake_m": road.stake_m if road else None,
        "place_desc": road.label if road else draft.enterprise.address, "violation_at": draft.violation_at,
        "handling_officers": None, "law_basis": None, "penalty_amount": None, "decision_no": None,
        "decided_at": None, "execution_result": None, "adcode": draft.adcode,
    }


def walk_all(layer: LayerDefinition, drafts: list[CaseDraft], now: datetime) -> None:
    for draft in drafts:
        draft.walked = walk(layer, created_at=draft.created_at, creator=draft.creator, steps=draft.steps, now=now,
                            geometry=draft.geometry, values=initial_values(draft))
