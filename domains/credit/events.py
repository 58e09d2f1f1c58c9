"""Credit records (信用记录) of the sample enterprises, good and bad, over three years before `now`.

Every penalty decision of the enforcement samples becomes a bad record within seven days of the
decision (行政处罚信息 7 个工作日内公示), citing the case number and the decision number; other bad
records (quality and safety failings, contract breaches, upheld complaints) and good ones
(commendations, emergency support, integrity models) are drawn per enterprise kind. A record counts
towards the credit score while it is published (`valid_until` not past).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

import numpy as np

from domains.base.geography import prefecture
from domains.base.measure import rng
from domains.credit.enterprises import Enterprise, enterprise
from domains.framework.histories import in_office_hours, working_moment
from domains.framework.identities import EnterpriseKind, enterprises_of
from layers.validation import CHINA_TZ

#: Other records: category → (record type, enterprise kinds, count, score change range, years published).
OTHER: dict[str, tuple[str, tuple[EnterpriseKind, ...], int, tuple[float, float], int]] = {
    "quality_safety": ("bad", ("construction",), 150, (-12.0, -3.0), 2),
    "contract_breach": ("bad", ("construction", "freight"), 80, (-8.0, -2.0), 1),
    "complaint": ("bad", ("passenger", "repair", "waterway"), 120, (-4.0, -1.0), 1),
    "commendation": ("good", ("passenger", "freight", "dangerous_goods", "construction", "repair"), 200, (1.0, 4.0), 3),
    "emergency_support": ("good", ("freight", "passenger", "waterway"), 80, (2.0, 5.0), 3),
    "integrity_model": ("good", ("dangerous_goods", "passenger", "construction"), 60, (3.0, 6.0), 3),
}
_DESCRIPTIONS = {
    "quality_safety": "公路工程质量监督检查发现质量安全问题，被通报批评",
    "contract_breach": "未按合同约定履约，被建设单位书面警告",
    "complaint": "经 12328 交通运输服务监督电话核实的有责投诉",
    "commendation": "获评年度交通运输行业先进单位",
    "emergency_support": "参加防汛抢险和重点物资运输保障任务",
    "integrity_model": "获评交通运输诚信示范企业",
}


@dataclass(frozen=True, slots=True)
class CreditEvent:
    event_no: str
    enterprise: Enterprise
    record_type: str
    category: str
    description: str
    case_no: str | None
    decision_no: str | None
    score_delta: float
    recorded_at: datetime
    valid_until: date
    source_unit: str

    def in_force(self, now: datetime) -> bool:
        return self.recorded_at <= now and self.valid_until >= now.astimezone(CHINA_TZ).date()


def _years_after(moment: datetime, years: int) -> date:
    day = moment.astimezone(CHINA_TZ).date()
    return day.replace(year=day.year + years) if not (day.month == 2 and day.day == 29) else \
        date(day.year + years, 3, 1)


def _penalty_events(now: datetime, draw: np.random.Generator) -> list[dict]:
    from domains.enforcement.casebook import penalty_decisions  # enforcement cites credit's enterprises

    result = []
    for decision in penalty_decisions(now):
        recorded = in_office_hours(decision.decided_at + timedelta(hours=float(draw.uniform(4, 7 * 24))))
        if recorded > now:
            continue
        delta = -round(2.0 + min(decision.penalty_amount / 5_000.0, 18.0), 1)
        severe = decision.penalty_amount >= 50_000
        result.append({
            "enterprise": enterprise(decision.enterprise_number), "record_type": "bad", "category": "penalty",
            "description": f"因{decision.case_type_label}被处以罚款 {decision.penalty_amount:,.0f} 元",
            "case_no": decision.case_no, "decision_no": decision.decision_no, "score_delta": delta,
            "recorded_at": recorded, "valid_until": _years_after(recorded, 3 if severe else 1),
            "source_unit": f"{prefecture(decision.adcode).name_zh}交通运输综合行政执法支队",
        })
    return result


def _other_events(now: datetime, draw: np.random.Generator) -> list[dict]:
    result = []
    for category, (record_type, kinds, count, (low, high), years) in OTHER.items():
        pool = [n for kind in kinds for n in enterprises_of(kind)]
        for _ in range(count):
            e = enterprise(int(draw.choice(pool)))
            recorded = working_moment(draw, now, 3 * 365)
            unit = "吉林省交通运输厅" if record_type == "good" else f"{prefecture(e.adcode).name_zh}交通运输局"
            result.append({
                "enterprise": e, "record_type": record_type, "category": category,
                "description": _DESCRIPTIONS[category], "case_no": None, "decision_no": None,
                "score_delta": round(float(draw.uniform(low, high)), 1), "recorded_at": recorded,
                "valid_until": _years_after(recorded, years), "source_unit": unit,
            })
    return result


@cache
def credit_events(now: datetime) -> tuple[CreditEvent, ...]:
    """Every credit record as of `now`, numbered XY + year + serial in order of recording."""
    draw = rng("credit", "events")
    drafts = _penalty_events(now, draw) + _other_events(now, draw)
    drafts.sort(key=lambda d: (d["recorded_at"], d["enterprise"].number, d["category"]))
    serial: dict[int, int] = {}
    result = []
    for d in drafts:
        year = d["recorded_at"].astimezone(CHINA_TZ).year
        serial[year] = serial.get(year, 0) + 1
        result.append(CreditEvent(event_no=f"XY{year}{serial[year]:06d}", **d))
    return tuple(result)
