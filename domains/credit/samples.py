"""The credit domain's sample records (pure functions of the sample time) and their loader.

An enterprise's credit score is its standing score (drawn once per enterprise) plus the score
changes of its records in force at `now`; the grade is the score's band (AA ≥ 95, A ≥ 85, B ≥ 75,
C ≥ 60, else D), and the spot-check rate and key supervision follow from the grade.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
from shapely.geometry import Point

from domains.base.measure import rng
from domains.credit.enterprises import enterprises, short_name
from domains.credit.events import CreditEvent, credit_events
from domains.framework.domain import SampleContext
from domains.framework.identities import ENTERPRISE_COUNT
from domains.framework.sample_items import load_records
from layers.stores.base import FeatureRecord
from layers.validation import CHINA_TZ

#: (lowest score, grade, spot-check rate %) from the top band down.
GRADE_BANDS: tuple[tuple[float, str, float], ...] = (
    (95.0, "AA", 5.0), (85.0, "A", 10.0), (75.0, "B", 20.0), (60.0, "C", 50.0), (0.0, "D", 100.0),
)
_FLEET = {"dangerous_goods": (10, 120), "passenger": (20, 400), "freight": (5, 200), "waterway": (2, 30)}


def grade_of(score: float) -> tuple[str, float]:
    """The grade of a score and the spot-check rate that goes with it."""
    for lowest, grade, rate in GRADE_BANDS:
        if score >= lowest:
            return grade, rate
    raise ValueError(score)


def _quarter_start(now: datetime) -> date:
    day = now.astimezone(CHINA_TZ).date()
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def enterprise_records(now: datetime) -> list[FeatureRecord]:
    draw = rng("credit", "standing")
    standing = np.clip(draw.normal(87.0, 6.0, ENTERPRISE_COUNT), 55.0, 99.5)
    founded_days = draw.integers(2 * 365, 30 * 365, ENTERPRISE_COUNT)
    fleet_draw = draw.random(ENTERPRISE_COUNT)
    status_draw = draw.random(ENTERPRISE_COUNT)
    delta = np.zeros(ENTERPRISE_COUNT)
    good = np.zeros(ENTERPRISE_COUNT, dtype=int)
    bad = np.zeros(ENTERPRISE_COUNT, dtype=int)
    for event in credit_events(now):
        if event.in_force(now):
            n = event.enterprise.number
            delta[n] += event.score_delta
            (good if event.record_type == "good" else bad)[n] += 1
    scores = np.round(np.clip(standing + delta, 0.0, 100.0), 1)
    today = now.astimezone(CHINA_TZ).date()
    result = []
    for e in enterprises():
        n = e.number
        grade, rate = grade_of(float(scores[n]))
        status = "operating"
        if grade == "D":
            status = "revoked" if status_draw[n] < 0.1 else ("suspended" if status_draw[n] < 0.4 else "operating")
        low_high = _FLEET.get(e.kind)
        fleet = None if low_high is None else int(low_high[0] + fleet_draw[n] * (low_high[1] - low_high[0]))
        result.append(FeatureRecord(Point(e.lon, e.lat), {
            "credit_code": e.credit_code, "name_zh": e.name_zh, "kind": e.kind, "address": e.address,
            "adcode": e.adcode, "credit_grade": grade, "credit_score": float(scores[n]),
            "rating_year": today.year, "rated_on": _quarter_start(now), "bad_records": int(bad[n]),
            "good_records": int(good[n]), "spot_check_rate_pct": rate, "key_supervision": grade in ("C", "D"),
            "license_no": f"{short_name(e.adcode)}交运许{e.adcode}{n:06d}",
            "established_on": date.fromordinal(today.toordinal() - int(founded_days[n])),
            "fleet_size": fleet, "status": status,
        }))
    return result


def event_record(event: CreditEvent) -> FeatureRecord:
    e = event.enterprise
    return FeatureRecord(Point(e.lon, e.lat), {
        "event_no": event.event_no, "credit_code": e.credit_code, "enterprise_name": e.name_zh,
        "record_type": event.record_type, "category": event.category, "description": event.description,
        "case_no": event.case_no, "decision_no": event.decision_no, "score_delta": event.score_delta,
        "recorded_at": event.recorded_at, "valid_until": event.valid_until, "source_unit": event.source_unit,
        "adcode": e.adcode,
    })


def event_records(now: datetime) -> list[FeatureRecord]:
    return [event_record(event) for event in credit_events(now)]


def load(context: SampleContext) -> dict[str, int]:
    written = load_records(context, "cre_enterprises", enterprise_records(context.now))
    written.update(load_records(context, "cre_credit_events", event_records(context.now)))
    return written
