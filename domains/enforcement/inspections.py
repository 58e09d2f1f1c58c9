"""5,000 administrative inspections (行政检查) over the year before the sample time.

Each is planned by a unit's lead for an inspection object (key objects drawn more often), done by
two inspectors, and then closed as compliant, ordered to rectify (and re-checked), or — for an
enterprise found breaking the law — referred as a clue (线索), which `clues.py` picks up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from shapely.geometry import Point

from domains.base.measure import rng
from domains.enforcement import roster
from domains.enforcement.objects import SUBJECT_OF_TYPE, InspectionObject, inspection_objects
from domains.framework.histories import Actor, PlannedStep, Walked, china_clock, pace, walk, working_moment
from domains.framework.sample_items import attachments
from layers.model import LayerDefinition
from layers.validation import CHINA_TZ

INSPECTION_COUNT = 5_000
_TYPES = ("random", "routine", "special", "complaint")
_TYPE_WEIGHTS = (0.55, 0.25, 0.15, 0.05)

PROBLEMS: dict[str, tuple[str, ...]] = {
    "dg_transport": ("车辆罐体检验报告过期", "驾驶员和押运员从业资格证未随车携带", "电子运单信息填报不全",
                     "车辆卫星定位装置不在线", "安全生产管理制度未落实"),
    "passenger_safety": ("驾驶员连续驾驶时间超限", "车辆安全例检记录缺失", "客运班车未按规定线路运行",
                         "动态监控值班记录不全"),
    "overload_source": ("装载记录台账缺失", "货运源头未落实称重检测", "车辆技术档案不完整"),
    "repair_quality": ("维修竣工出厂合格证未按规定签发", "维修档案不全", "配件采购台账缺失",
                       "维修价格未公示"),
    "waterway_safety": ("船员配备不足", "船舶安全检查记录缺失", "救生设备配备不足"),
    "station_safety": ("危险品查堵设备未正常使用", "出站检查记录不全", "安全应急预案未演练"),
    "detection_work": ("检测数据未按规定上传", "执法记录仪未全程使用", "卸载货物管理不规范"),
}


@dataclass(frozen=True, slots=True)
class InspectionSample:
    number: str
    target: InspectionObject
    walked: Walked
    geometry: Point

    @property
    def referred_clue(self) -> str | None:
        entry = self.walked.entry("refer")
        return None if entry is None else str(entry.values["clue_no"])


def clue_no_of(inspection_no: str) -> str:
    """The number of the clue an inspection refers: XS + adcode + year + J + the inspection's serial."""
    return f"XS{inspection_no[2:12]}J{inspection_no[12:]}"


def _numbers(created: list[datetime], adcodes: list[str]) -> list[str]:
    """JC + adcode + year + a serial per unit and year, in order of planning."""
    order = sorted(range(len(created)), key=lambda i: (created[i], i))
    serial: dict[tuple[str, int], int] = {}
    numbers = [""] * len(created)
    for i in order:
        key = (adcodes[i], created[i].astimezone(CHINA_TZ).year)
        serial[key] = serial.get(key, 0) + 1
        numbers[i] = f"JC{key[0]}{key[1]}{serial[key]:05d}"
    return numbers


def _steps(draw: np.random.Generator, number: str, target: InspectionObject,
           team: tuple[Actor, Actor]) -> list[PlannedStep]:
    lead = roster.pick(draw, target.adcode, "enforcement_lead")
    inspector = team[0]
    if draw.random() < 0.04:
        return [PlannedStep("cancel", lead, pace(draw), comment="检查对象停业，本次检查取消")]
    steps = [PlannedStep("start", inspector, pace(draw, 0.08), values=lambda at: {"inspected_at": at})]
    referable = target.enterprise is not None
    record = attachments(number, "inspection_record")
    outcome = draw.random()
    if referable and outcome < 0.025:
        steps.append(PlannedStep("refer", inspector, pace(draw, 0.05),
                                 values={"result": "violation", "clue_no": clue_no_of(number), **record},
                                 comment="现场发现涉嫌违法行为，移送线索"))
        return steps
    if outcome > 0.745:
        problem = str(draw.choice(PROBLEMS[SUBJECT_OF_TYPE[target.object_type]]))
        days = int(draw.choice([7, 15, 30]))
        steps.append(PlannedStep(
            "order_rectification", inspector, pace(draw, 0.05),
            values=lambda at, p=problem, d=days: {
                "result": "problems", "problems": p, "rectify_by": china_clock(at, 17, 30, days=d),
                **attachments(number, "inspection_record", "rectification_notice")},
            comment=f"责令限期整改：{problem}"))
        if referable and draw.random() < 0.08:
            steps.append(PlannedStep("refer", inspector, pace(draw, 0.15),
                                     values={"result": "violation", "clue_no": clue_no_of(number), **record},
                                     comment="逾期未整改，移送违法线索"))
        else:
            steps.append(PlannedStep("verify_rectification", inspector, pace(draw, 0.12, 0.03),
                                     values=attachments(number, "review_record")))
        return steps
    steps.append(PlannedStep("complete", inspector, pace(draw, 0.05), values={"result": "compliant", **record}))
    return steps


def generate(layer: LayerDefinition, now: datetime) -> list[InspectionSample]:
    """The inspections as of `now` (deterministic in `now`)."""
    draw = rng("enforcement", "inspections")
    objects = inspection_objects()
    weights = np.array([o.annual_inspections for o in objects], dtype=float)
    picks = draw.choice(len(objects), size=INSPECTION_COUNT, p=weights / weights.sum()).tolist()
    created = [working_moment(draw, now, 365) for _ in range(INSPECTION_COUNT)]
    numbers = _numbers(created, [objects[i].adcode for i in picks])
    result = []
    for i, pick in enumerate(picks):
        target = objects[pick]
        pool = roster.actors(target.adcode, "inspector")
        a, b = draw.choice(len(pool), size=2, replace=False).tolist()
        team = (pool[a], pool[b])
        planner = roster.pick(draw, target.adcode, "enforcement_lead")
        planned_for = china_clock(created[i], 17, 30, days=int(draw.integers(3, 41)))
        inspection_type = str(draw.choice(_TYPES, p=_TYPE_WEIGHTS))
        geometry = Point(target.lon, target.lat)
        values = {
            "inspection_no": numbers[i], "object_code": target.code, "object_name": target.name_zh,
            "credit_code": target.enterprise.credit_code if target.enterprise else None,
            "inspection_type": inspection_type, "subject": SUBJECT_OF_TYPE[target.object_type],
            "inspectors": f"{team[0].name_zh}、{team[1].name_zh}", "planned_for": planned_for,
            "inspected_at": None, "result": None, "problems": None, "rectify_by": None, "clue_no": None,
            "adcode": target.adcode,
        }
        walked = walk(layer, created_at=created[i], creator=planner, now=now, geometry=geometry, values=values,
                      steps=_steps(draw, numbers[i], target, team))
        result.append(InspectionSample(numbers[i], target, walked, geometry))
    return result
