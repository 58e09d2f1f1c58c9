"""Violation clues (线索): referred by inspections, raised by the dangerous-goods restricted-zone rule
(with the track segment as evidence), reported by the public (12328 hotline), or found in integrated
violation data (off-site overload detection, dynamic-monitoring alarms). Screened, then converted into a
case or dismissed; the case numbers of converted clues are filled in by `casebook` once every case is
numbered (`case_numbers`), which is why a draft is walked twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from shapely.geometry import Point

from domains.base.measure import rng
from domains.base.sample_network import adcode_at
from domains.credit.enterprises import Enterprise, by_code, enterprise
from domains.enforcement import roster, zones
from domains.enforcement.inspections import InspectionSample
from domains.enforcement.objects import RoadPoint, plate, random_road_points
from domains.framework.histories import Actor, PlannedStep, Walked, pace, walk, working_moment
from domains.framework.identities import enterprises_of
from layers.model import LayerDefinition
from layers.validation import CHINA_TZ

#: At most this many clues become cases (the rest of the 500 cases are found on site).
MAX_CLUE_CASES = 440
COUNTS = {"dg_restricted_zone": 200, "public_report": 170, "integrated_data": 240}
CONVERSION = {"inspection": 0.85, "dg_restricted_zone": 0.45, "public_report": 0.35, "integrated_data": 0.4}
_LETTER = {"inspection": "J", "dg_restricted_zone": "W", "public_report": "Q", "integrated_data": "S"}
CASE_TYPE_OF_SUBJECT = {"dg_transport": "dg_violation", "passenger_safety": "passenger_violation",
                        "overload_source": "overload", "repair_quality": "repair_violation",
                        "waterway_safety": "waterway_violation"}


@dataclass(slots=True)
class ClueDraft:
    clue_no: str
    source: str
    created_at: datetime
    creator: Actor
    geometry: Point
    values: dict
    steps: list[PlannedStep]
    converts: bool
    enterprise: Enterprise
    case_type: str
    road: RoadPoint | None = None
    walked: Walked | None = None

    @property
    def adcode(self) -> str:
        return str(self.values["adcode"])


def _values(source: str, e: Enterprise, adcode: str, observed_at: datetime, description: str,
            **extra: object) -> dict:
    return {"clue_no": "", "source": source, "description": description, "plate": None, "zone_id": None,
            "dedup_key": None, "evidence_track": None, "observed_at": observed_at, "enterprise_code": e.credit_code,
            "enterprise_name": e.name_zh, "inspection_no": None, "case_no": None, "adcode": adcode, **extra}


def _from_inspections(inspections: list[InspectionSample]) -> list[ClueDraft]:
    result = []
    for sample in inspections:
        entry = sample.walked.entry("refer")
        if entry is None or sample.target.enterprise is None:
            continue
        e = sample.target.enterprise
        values = _values("inspection", e, sample.target.adcode, entry.at,
                         f"行政检查（{sample.number}）发现{e.name_zh}涉嫌违法", inspection_no=sample.number)
        values["clue_no"] = str(entry.values["clue_no"])
        subject = str(sample.walked.values["subject"])
        result.append(ClueDraft(values["clue_no"], "inspection", entry.at, roster.actor(entry.actor),
                                sample.geometry, values, [], False, e, CASE_TYPE_OF_SUBJECT[subject]))
    return result


def _banned_moment(draw: np.random.Generator, day: datetime, entry: zones.ZoneEntry) -> datetime:
    """A China-time moment of `day` inside one of the zone's banned windows (any hour if always banned)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ)
    if not entry.windows:
        return midnight + timedelta(seconds=int(draw.integers(0, 86_400)))
    start, end = entry.windows[int(draw.integers(len(entry.windows)))]
    opens = midnight + timedelta(hours=start.hour, minutes=start.minute)
    length = (datetime.combine(day, end) - datetime.combine(day, start)).total_seconds() % 86_400
    return opens + timedelta(seconds=int(draw.integers(0, max(int(length), 60))))


def _restricted_zone(draw: np.random.Generator, now: datetime) -> list[ClueDraft]:
    result = []
    entries = zones.zone_entries()
    vehicles = zones.dg_vehicles()
    for _ in range(COUNTS["dg_restricted_zone"]):
        entry = entries[int(draw.integers(len(entries)))]
        vehicle = vehicles[int(draw.integers(len(vehicles)))]
        e = by_code()[vehicle.enterprise_code]
        day = working_moment(draw, now, 400, 2).astimezone(CHINA_TZ)
        local = _banned_moment(draw, day, entry)
        observed = local.astimezone(now.tzinfo)
        track, (lon, lat) = zones.evidence_track(entry, float(draw.uniform(40, 75)), float(draw.uniform(0, 400)))
        values = _values("dg_restricted_zone", e, entry.adcode, observed,
                         f"危险货物运输车辆{vehicle.plate}驶入{entry.name_zh}", plate=vehicle.plate,
                         zone_id=entry.zone_id, dedup_key=f"{vehicle.plate}|{entry.zone_id}|{local:%Y%m%d%H}",
                         evidence_track=track)
        result.append(ClueDraft("", "dg_restricted_zone", observed, roster.system_actor(entry.adcode),
                                Point(lon, lat), values, [], False, e, "dg_violation"))
    return result


def _reported(draw: np.random.Generator, now: datetime, source: str) -> list[ClueDraft]:
    result = []
    count = COUNTS[source]
    points = random_road_points(draw, count, ("expressway", "national", "provincial"))
    for i in range(count):
        created = working_moment(draw, now, 400)
        observed = created - timedelta(hours=float(draw.uniform(1, 96)))
        if source == "public_report":
            kind = str(draw.choice(["passenger", "freight", "repair", "dangerous_goods"], p=[0.35, 0.3, 0.25, 0.1]))
            case_type = {"passenger": str(draw.choice(["illegal_operation", "passenger_violation"])),
                         "freight": str(draw.choice(["illegal_operation", "overload"])),
                         "repair": "repair_violation", "dangerous_goods": "dg_violation"}[kind]
        else:
            kind = str(draw.choice(["freight", "passenger", "dangerous_goods"], p=[0.6, 0.25, 0.15]))
            case_type = {"freight": "overload", "passenger": "passenger_violation",
                         "dangerous_goods": "dg_violation"}[kind]
        on_road = source == "integrated_data" or case_type in ("illegal_operation", "overload")
        if kind == "dangerous_goods":
            vehicle = zones.dg_vehicles()[int(draw.integers(len(zones.dg_vehicles())))]
            e, vehicle_plate = by_code()[vehicle.enterprise_code], vehicle.plate
        else:
            e = enterprise(int(draw.choice(list(enterprises_of(kind)))))  # type: ignore[arg-type]
            vehicle_plate = plate(e, int(draw.integers(0, 20)))
        road = points[i] if on_road else None
        lon, lat = (road.lon, road.lat) if road else (e.lon, e.lat)
        adcode = road.adcode if road else adcode_at(lon, lat)
        plate_seen = vehicle_plate if on_road else None
        where = road.label if road else e.address
        finding = "超限运输" if case_type == "overload" else "动态监控报警"
        text = (f"群众举报：{e.name_zh}在{where}涉嫌违法经营" if source == "public_report"
                else f"违法数据比对：车辆{plate_seen}在{where}{finding}")
        values = _values(source, e, adcode, observed, text, plate=plate_seen)
        result.append(ClueDraft("", source, created, roster.pick(draw, adcode, "clue_analyst"), Point(lon, lat),
                                values, [], False, e, case_type, road))
    return result


def _number(drafts: list[ClueDraft]) -> None:
    serial: dict[tuple[str, int, str], int] = {}
    for draft in sorted(drafts, key=lambda d: (d.created_at, d.source, d.values["description"])):
        if draft.source == "inspection":
            continue
        key = (draft.adcode, draft.created_at.astimezone(CHINA_TZ).year, _LETTER[draft.source])
        serial[key] = serial.get(key, 0) + 1
        draft.clue_no = draft.values["clue_no"] = f"XS{key[0]}{key[1]}{key[2]}{serial[key]:05d}"


def _plan(draw: np.random.Generator, drafts: list[ClueDraft], case_numbers: Mapping[str, str]) -> None:
    planned = 0
    for draft in sorted(drafts, key=lambda d: (d.created_at, d.clue_no)):
        draft.converts = draw.random() < CONVERSION[draft.source] and planned < MAX_CLUE_CASES
        planned += draft.converts
        analyst = roster.pick(draw, draft.adcode, "clue_analyst")
        lead = roster.pick(draw, draft.adcode, "enforcement_lead")
        if not draft.converts and draw.random() < 0.3:
            reason = "重复线索，已合并处理" if draft.source == "dg_restricted_zone" else "线索信息不实"
            draft.steps = [PlannedStep("dismiss", analyst, pace(draw), comment=reason)]
            continue
        draft.steps = [PlannedStep("screen", analyst, pace(draw, 0.08, 0.02))]
        if draft.converts:
            draft.steps.append(PlannedStep(
                "convert", lead, pace(draw, 0.1), comment="符合立案条件，转入立案程序",
                values=lambda at, d=draft: {"case_no": case_numbers.get(d.clue_no, "PENDING"),
                                            "enterprise_code": d.enterprise.credit_code}))
        else:
            draft.steps.append(PlannedStep("dismiss", lead, pace(draw), comment="经核查违法事实不成立"))


def drafts(inspections: list[InspectionSample], now: datetime, case_numbers: Mapping[str, str]) -> list[ClueDraft]:
    """Every clue as of `now`, planned but not yet walked."""
    draw = rng("enforcement", "clues")
    result = _from_inspections(inspections) + _restricted_zone(draw, now)
    result += _reported(draw, now, "public_report") + _reported(draw, now, "integrated_data")
    result = [d for d in result if d.created_at <= now]
    _number(result)
    _plan(draw, result, case_numbers)
    return sorted(result, key=lambda d: d.clue_no)


def walk_all(layer: LayerDefinition, drafts: list[ClueDraft], now: datetime) -> None:
    for draft in drafts:
        draft.walked = walk(layer, created_at=draft.created_at, creator=draft.creator, steps=draft.steps, now=now,
                            geometry=draft.geometry, values=draft.values,
                            comment="规则引擎自动生成" if draft.source == "dg_restricted_zone" else None)
