"""Timeliness statistics on a constructed history (loaded through the samples bulk path), both stores.

Four hazards, window [T0, T0 + 240 h], asked at T0 + 240 h (hours after T0 below):

- A (220100): created 0; assess 10 (reported due 24: on time, 10 h, 养护中心 held it); assign 70
  (assessed due 58: late, 60 h, 交通局), handed to 管理处; verify 100 (rectifying due 200: on time,
  30 h, 管理处); close 110 (verified due 124: on time, 10 h, 交通局). Closed.
- B (220200): created 24; assess 54 (due 48: late, 30 h, 养护中心). In assessed, due 102: overdue now,
  held by 交通局.
- C (220100): created -120, assessed -96 (before the window); assign 2 (assessed due -48: late, 98 h,
  交通局), handed to 管理处. Rectifying, due 720: not overdue.
- D (220100): created 5, still reported, due 29: overdue now, held by 养护中心.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from shapely.geometry import Point

from domains.workflow import insert_items
from domains.workflow.samples import SampleHistoryError
from domains.workflow.statistics import timeliness
from layers.stores.base import FeatureRecord
from layers.workflow import HistoryEntry
from tests.workflow.support import HAZARDS, T0

H = timedelta(hours=1)
KEEP, BUREAU, OFFICE = "长春市公路养护中心", "长春市交通运输局", "长春公路管理处"


def at(hours: float) -> datetime:
    return T0 + hours * H


def step(hours: float, actor_org: str, to: str, frm: str | None = None, transition: str | None = None,
         due: float | None = None, **values: object) -> HistoryEntry:
    return HistoryEntry(at=at(hours), actor=actor_org[:4], to_state=to, from_state=frm, transition=transition,
                        actor_org=actor_org, deadline=None if due is None else at(due), values=values)


def item(x: float, adcode: str, state: str, since: float, due: float | None, holder_org: str,
         **extra: object) -> FeatureRecord:
    return FeatureRecord(Point(x, 43.9), {
        "name": f"隐患{x}", "adcode": adcode, "workflow_state": state, "holder": "someone", "holder_org": holder_org,
        "state_since": at(since), "deadline": None if due is None else at(due), "overdue": False, **extra})


ITEMS = [
    (item(125.1, "220100", "closed", 110, None, BUREAU, grade="major"), [
        step(0, KEEP, "reported"),
        step(10, BUREAU, "assessed", "reported", "assess", due=24),
        step(70, BUREAU, "rectifying", "assessed", "assign", due=58, holder_org=OFFICE),
        step(100, BUREAU, "verified", "rectifying", "verify", due=200),
        step(110, "吉林省交通运输厅", "closed", "verified", "close", due=124)]),
    (item(125.2, "220200", "assessed", 54, 102, BUREAU, grade="general"), [
        step(24, KEEP, "reported"),
        step(54, BUREAU, "assessed", "reported", "assess", due=48)]),
    (item(125.3, "220100", "rectifying", 2, 720, OFFICE, grade="general"), [
        step(-120, KEEP, "reported"),
        step(-96, BUREAU, "assessed", "reported", "assess", due=-96),
        step(2, BUREAU, "rectifying", "assessed", "assign", due=-48, holder_org=OFFICE)]),
    (item(125.4, "220100", "reported", 5, 29, KEEP), [step(5, KEEP, "reported")]),
]


@pytest.fixture
def loaded(store) -> list[int]:
    return insert_items(store, HAZARDS, ITEMS)


def _by_key(groups: list[dict]) -> dict:
    return {group["key"]: group for group in groups}


def _medians(group: dict) -> dict[str, float]:
    return {state: value["hours"] for state, value in group["median_hours"].items()}


def test_samples_go_in_with_their_histories(store, loaded: list[int]) -> None:
    steps = store.history(HAZARDS, loaded[0])
    assert [(s.seq, s.from_state, s.to_state, s.late) for s in steps] == [
        (1, None, "reported", False), (2, "reported", "assessed", False), (3, "assessed", "rectifying", True),
        (4, "rectifying", "verified", False), (5, "verified", "closed", False)]
    assert [s.holder_org for s in steps] == [None, KEEP, BUREAU, OFFICE, BUREAU]
    assert steps[2].state_since == at(10)
    assert all(s.geometry is not None and s.geometry.equals(Point(125.1, 43.9)) for s in steps)


def test_by_organisation(store, loaded: list[int]) -> None:
    groups = _by_key(timeliness(store, [HAZARDS], "organisation", at(0), at(240), at(240)))
    assert set(groups) == {KEEP, BUREAU, OFFICE}
    keep, bureau, office = groups[KEEP], groups[BUREAU], groups[OFFICE]
    assert (keep["handled"], keep["on_time"], keep["overdue_and_closed"], keep["overdue_now"]) == (2, 1, 1, 1)
    assert (bureau["handled"], bureau["on_time"], bureau["overdue_and_closed"], bureau["overdue_now"]) == (3, 1, 2, 1)
    assert (office["handled"], office["on_time"], office["overdue_and_closed"], office["overdue_now"]) == (1, 1, 0, 0)
    assert _medians(keep) == {"reported": 20.0}
    assert _medians(bureau) == {"assessed": 79.0, "verified": 10.0}
    assert _medians(office) == {"rectifying": 30.0}
    assert bureau["median_hours"]["assessed"] == {"name_zh": "已评估", "hours": 79.0, "count": 2}
    assert bureau["on_time_rate"] == round(1 / 3, 4)


def test_by_region_and_filtered(store, loaded: list[int]) -> None:
    groups = _by_key(timeliness(store, [HAZARDS], "region", at(0), at(240), at(240)))
    north, west = groups["220100"], groups["220200"]
    assert (north["handled"], north["on_time"], north["overdue_and_closed"], north["overdue_now"]) == (5, 3, 2, 1)
    assert _medians(north) == {"reported": 10.0, "assessed": 79.0, "rectifying": 30.0, "verified": 10.0}
    assert (west["handled"], west["on_time"], west["overdue_and_closed"], west["overdue_now"]) == (1, 0, 1, 1)
    only = timeliness(store, [HAZARDS], "region", at(0), at(240), at(240), region="220200")
    assert [group["key"] for group in only] == ["220200"]
    by_domain = timeliness(store, [HAZARDS], "domain", at(0), at(240), at(240))
    assert [(g["key"], g["handled"], g["overdue_now"]) for g in by_domain] == [("hazards", 6, 2)]
    assert timeliness(store, [HAZARDS], "domain", at(0), at(240), at(240), domain="enforcement") == []


def test_a_narrower_window(store, loaded: list[int]) -> None:
    groups = _by_key(timeliness(store, [HAZARDS], "organisation", at(60), at(240), at(240)))
    bureau, office = groups[BUREAU], groups[OFFICE]
    assert (bureau["handled"], bureau["on_time"], bureau["overdue_and_closed"]) == (2, 1, 1)
    assert (office["handled"], office["on_time"]) == (1, 1)
    assert groups[KEEP]["handled"] == 0 and groups[KEEP]["overdue_now"] == 1  # D is still overdue at 240
    # asked earlier, B is not overdue yet (due 102) and D is (due 29)
    early = _by_key(timeliness(store, [HAZARDS], "organisation", at(0), at(50), at(50)))
    assert early[BUREAU]["overdue_now"] == 0 and early[KEEP]["overdue_now"] == 1


def test_histories_that_break_the_workflow_are_refused_before_writing(store) -> None:
    record = item(125.5, "220100", "assessed", 1, 49, BUREAU, grade="major")
    wrong = [
        [step(0, KEEP, "assessed")],  # not created in the initial state
        [step(0, KEEP, "reported"), step(1, BUREAU, "closed", "reported", "assess")],  # assess leads elsewhere
        [step(0, KEEP, "reported"), step(1, BUREAU, "assessed", "rectifying", "assess")],  # not where it was
        [step(2, KEEP, "reported"), step(1, BUREAU, "assessed", "reported", "assess")],  # back in time
        [step(0, KEEP, "reported")],  # ends in another state than the item's
    ]
    for history in wrong:
        with pytest.raises(SampleHistoryError):
            insert_items(store, HAZARDS, [ITEMS[3], (record, history)])
    assert store.layer_state(HAZARDS).feature_count == 0
