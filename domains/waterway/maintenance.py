"""Sample channel maintenance tasks (`wat_maintenance_tasks`): 120 tasks with their histories.

70 accepted (four of them after one rework, about one in five late at some step), 8 cancelled,
and 42 open (8 planned, 8 assigned, 16 in progress, 10 awaiting acceptance), about a quarter of
the open ones overdue now. Mark maintenance tasks sit at their mark (open ones at marks that need
attention now); bank protection on the bank; the rest on the centre line. Contractors are
waterway enterprises of the shared register (`identities`). Times are laid out around `now`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from shapely.geometry import Point

from domains.base.measure import rng
from domains.base.sample_network import adcode_at, prefecture_short_name
from domains.framework.identities import enterprise_code, enterprises_of
from domains.framework.sample_items import Step, WorkflowItem, account, attachments, build_item, lay_out
from domains.waterway import river
from domains.waterway.channel import section_at
from layers.model import LayerDefinition
from layers.stores.base import FeatureRecord
from layers.validation import CHINA_TZ, china_day

TASK_COUNT = 120
STATE_COUNTS = {"accepted": 70, "cancelled": 8, "planned": 8, "assigned": 8, "in_progress": 16, "completed": 10}
REWORKED = 4
PATHS = {"planned": (), "assigned": ("assign",), "in_progress": ("assign", "start"),
         "completed": ("assign", "start", "complete"), "accepted": ("assign", "start", "complete", "accept")}
TYPES = ("buoy_maintenance", "dredging", "survey", "bank_protection", "obstruction_removal")
TYPE_P = (0.4, 0.15, 0.2, 0.1, 0.15)
#: Planned working time (hours) by task type.
WORK_HOURS = {"buoy_maintenance": (8, 48), "dredging": (240, 720), "survey": (24, 120),
              "bank_protection": (240, 600), "obstruction_removal": (24, 96)}
BUDGET_WAN = {"buoy_maintenance": (0.5, 3), "dredging": (80, 400), "survey": (5, 30), "bank_protection": (50, 300),
              "obstruction_removal": (3, 20)}
DESCRIPTIONS = {
    "buoy_maintenance": "{mark}{status}，恢复标位并检修灯器",
    "dredging": "K{km}附近浅滩疏浚，清淤约{volume}万立方米，恢复维护水深",
    "survey": "K{km}上下游 {span} 公里航道地形测量，更新电子航道图",
    "bank_protection": "K{km}{bank}护岸水毁修复，抛石护脚约{volume}千立方米",
    "obstruction_removal": "K{km}附近沉木、渔网等碍航物清除",
}
REWORK_COMMENT = "验收不合格，返工 / not to specification"
CANCEL_COMMENT = "水位上涨，任务取消 / cancelled: high water"
STATUS_ZH = {"normal": "巡检", "displaced": "移位", "extinguished": "灭灯", "damaged": "损坏", "missing": "漂失"}


def org_of(role: str, adcode: str) -> str:
    short = prefecture_short_name(adcode)
    return f"{short}航道养护队" if role == "maintenance_crew" else f"{short}航道管理处"


def _plan() -> list[tuple[str, bool, bool, bool]]:
    """(final state, overdue, late, reworked) per task, in sample order."""
    draw = rng("waterway", "task-plan")
    states = [state for state, count in STATE_COUNTS.items() for _ in range(count)]
    states = [states[i] for i in draw.permutation(len(states))]
    plan, reworked = [], 0
    for state in states:
        open_ = state not in ("accepted", "cancelled")
        rework = state == "accepted" and reworked < REWORKED
        reworked += rework
        plan.append((state, open_ and bool(draw.random() < 0.25), state == "accepted" and bool(draw.random() < 0.2),
                     rework))
    return plan


def generate_tasks(layer: LayerDefinition, now: datetime, buoys: list[FeatureRecord]) -> list[WorkflowItem]:
    abnormal = [b for b in buoys if b.properties["status"] != "normal"]
    contractors = [enterprise_code(n) for n in enterprises_of("waterway")]
    items = []
    for i, (state, overdue, late, rework) in enumerate(_plan()):
        draw = rng("waterway", "task", str(i))
        kind = TYPES[int(draw.choice(len(TYPES), p=TYPE_P))]
        buoy = None
        if kind == "buoy_maintenance":
            buoy = abnormal[i % len(abnormal)] if state not in ("accepted", "cancelled") else \
                buoys[int(draw.integers(len(buoys)))]
        items.append(_task(layer, i, state, overdue, late, rework, kind, buoy, contractors, draw, now))
    return items


def _path(draw: np.random.Generator, state: str, rework: bool) -> tuple[str, ...]:
    if state == "cancelled":
        return ("cancel",) if draw.random() < 0.5 else ("assign", "cancel")
    if rework:
        return ("assign", "start", "complete", "rework", "complete", "accept")
    return PATHS[state]


def _task(layer: LayerDefinition, i: int, state: str, overdue: bool, late: bool, rework: bool, kind: str,
          buoy: FeatureRecord | None, contractors: list[str], draw: np.random.Generator, now: datetime) -> WorkflowItem:
    path = _path(draw, state, rework)
    hours = float(draw.uniform(*WORK_HOURS[kind]))
    terminal = state in ("accepted", "cancelled")
    times = lay_out(layer, path, draw=draw, now=now, planned_hours={"in_progress": hours},
                    late={int(draw.integers(0, len(path)))} if late else set(), overdue=overdue,
                    ended_hours_ago=float(draw.uniform(24, 24 * 200)) if terminal else 0.0)
    if buoy is not None:
        chainage = int(buoy.properties["chainage_m"])
        lon, lat = buoy.geometry.x, buoy.geometry.y
    else:
        chainage = int(draw.integers(1_000, river.length_m() - 1_000))
        side = 1 if draw.random() < 0.5 else -1
        lon, lat = river.ashore(chainage, side, 5.0) if kind == "bank_protection" else river.point(chainage)
    adcode = adcode_at(lon, lat)
    task_no = f"YH{times[0].astimezone(CHINA_TZ):%Y}{i + 1:04d}"
    started = times[path.index("start") + 1] if "start" in path else None
    planned_start = china_day(started) if started else china_day(times[0]) + timedelta(days=int(draw.integers(2, 8)))
    properties = {
        "task_no": task_no, "task_type": kind, "section_code": section_at(chainage).code,
        "buoy_code": buoy.properties["buoy_code"] if buoy is not None else None, "chainage_m": chainage,
        "description_zh": _describe(draw, kind, chainage, buoy),
        "planned_start": planned_start,
        "due_at": ((started or times[0] + timedelta(hours=120)) + timedelta(hours=hours)).replace(microsecond=0),
        "contractor_code": None,
        "budget_wan": round(float(draw.uniform(*BUDGET_WAN[kind])), 1), "adcode": adcode,
    }

    def staff(role: str, count: int) -> tuple[str, str]:
        return account(role, adcode, int(draw.integers(1, count + 1))), org_of(role, adcode)

    steps = [Step(times[0], *staff("channel_engineer", 3))]
    for transition, at in zip(path, times[1:], strict=True):
        if transition == "assign":
            contractor = contractors[int(draw.integers(len(contractors)))]
            steps.append(Step(at, *staff("channel_engineer", 3), transition, values={"contractor_code": contractor}))
        elif transition == "start":
            steps.append(Step(at, *staff("maintenance_crew", 4), transition, values={"due_at": properties["due_at"]}))
        elif transition == "complete":
            steps.append(Step(at, *staff("maintenance_crew", 4), transition,
                              values=attachments(task_no, "completion_photos")))
        elif transition == "accept":
            steps.append(Step(at, *staff("channel_supervisor", 1), transition,
                              values=attachments(task_no, "acceptance_record")))
        elif transition == "rework":
            steps.append(Step(at, *staff("channel_supervisor", 1), transition, REWORK_COMMENT,
                              {"due_at": (at + timedelta(hours=hours)).replace(microsecond=0)}))
        else:  # cancel
            steps.append(Step(at, *staff("channel_engineer", 3), transition, CANCEL_COMMENT))
    geometry = Point(lon, lat)
    return build_item(layer, geometry, properties, steps, now)


def _describe(draw: np.random.Generator, kind: str, chainage: int, buoy: FeatureRecord | None) -> str:
    if buoy is not None:
        return DESCRIPTIONS[kind].format(mark=buoy.properties["name_zh"], status=STATUS_ZH[buoy.properties["status"]])
    return DESCRIPTIONS[kind].format(km=chainage // 1000, volume=round(float(draw.uniform(0.5, 6)), 1),
                                     span=int(draw.integers(2, 11)), bank=str(draw.choice(["左岸", "右岸"])))
