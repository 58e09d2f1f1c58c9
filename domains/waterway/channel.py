"""Sample channel sections (`wat_channel_sections`) and navigation marks (`wat_buoys`).

Sections follow the stored centre line between whole-100 m chainages: the ENC pilot reach
(Fengman Dam – Wolongtan) in two, the rest 15–25 km long, each reach boundary a section
boundary. Channel class: IV on the pilot reach and below Jilin's northern outskirts, V in the
shallow middle reach, III below Songyuan; depth, width and bend radius follow the class.
Marks every 0.9–1.6 km, left- and right-hand lateral marks 30–70 m off the centre line on their
side, a crossing mark near mid-channel every eighth, and a bridge-span mark under every road
bridge across the river; about one in seven needs attention (displaced, out, damaged, missing).
All afloat in the stored water area. Deterministic; independent of the reference time except
for the inspection dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from itertools import pairwise

import numpy as np
from shapely.geometry import LineString, Point

from domains.base.measure import locate, rng
from domains.base.sample_network import adcode_at, bridges, nearest_place, prefecture_short_name
from domains.waterway import river
from layers.stores.base import FeatureRecord
from layers.validation import china_day

#: Chainages where the channel class changes (m) and the class downstream of each.
CLASS_BREAKS = ((0, 4), (60_000, 5), (150_000, 4), (238_060, 3))
CLASS_PARAMETERS = {3: (2.0, 60.0, 480.0), 4: (1.6, 50.0, 330.0), 5: (1.3, 40.0, 270.0)}
PILOT_SPLIT_M = 14_000
BUOY_NAMES = {"side_left": "左侧面标", "side_right": "右侧面标", "crossing": "过河标", "bridge": "桥涵标"}
LIGHTS = {"side_left": "单闪绿 4s", "side_right": "单闪红 4s", "crossing": "单闪白 4s", "bridge": "定光红"}
STATUS = ("normal", "displaced", "extinguished", "damaged", "missing")
STATUS_P = (0.86, 0.05, 0.04, 0.03, 0.02)


@dataclass(frozen=True, slots=True)
class ChannelSection:
    code: str
    reach_code: str
    start_m: int
    end_m: int


def channel_class(chainage_m: float) -> int:
    return next(cls for start, cls in reversed(CLASS_BREAKS) if chainage_m >= start)


@cache
def sections() -> tuple[ChannelSection, ...]:
    draw = rng("waterway", "sections")
    bounds: list[tuple[str, int, int]] = []
    for reach in river.reaches():
        cuts = [reach.start_chainage_m]
        if reach.code == "FM-WLT":
            cuts.append(PILOT_SPLIT_M)
        else:
            while reach.end_chainage_m - cuts[-1] > 30_000:
                cuts.append(round((cuts[-1] + draw.uniform(15_000, 25_000)) / 100) * 100)
        cuts.append(reach.end_chainage_m)
        bounds.extend((reach.code, a, b) for a, b in pairwise(cuts))
    return tuple(ChannelSection(f"HD-{n:02d}", code, a, b) for n, (code, a, b) in enumerate(bounds, start=1))


def section_at(chainage_m: float) -> ChannelSection:
    for section in sections():
        if chainage_m <= section.end_m:
            return section
    return sections()[-1]


def _place_name(chainage_m: float) -> str:
    return "丰满" if chainage_m == 0 else nearest_place(*river.point(chainage_m))[0]


def section_records() -> list[FeatureRecord]:
    draw = rng("waterway", "section-parameters")
    records = []
    for s in sections():
        middle = (s.start_m + s.end_m) / 2
        cls = channel_class(middle)
        depth, width, radius = CLASS_PARAMETERS[cls]
        start_name, end_name = _place_name(s.start_m), _place_name(s.end_m)
        name = f"{start_name}—{end_name}段" if start_name != end_name else f"{start_name}段"
        adcode = adcode_at(*river.point(middle))
        records.append(FeatureRecord(LineString(river.line(s.start_m, s.end_m)), {
            "section_code": s.code,
            "name_zh": f"松花江{name}（{s.code}）",
            "reach_code": s.reach_code,
            "start_chainage_m": s.start_m,
            "end_chainage_m": s.end_m,
            "length_km": round((s.end_m - s.start_m) / 1000, 3),
            "channel_class": cls,
            "maintained_depth_m": round(depth + float(draw.choice([0.0, 0.1, 0.2])), 1),
            "maintained_width_m": width + float(draw.choice([0.0, 5.0, 10.0])),
            "min_bend_radius_m": radius,
            "maintenance_class": "1" if s.reach_code == "FM-WLT" else str(draw.choice(["2", "3"])),
            "navigation_season": "4月—11月",
            "managing_org": f"{prefecture_short_name(adcode)}航道管理处",
            "adcode": adcode,
        }))
    return records


@dataclass(frozen=True, slots=True)
class Mark:
    code: str
    kind: str
    side: str
    chainage_m: int
    lon: float
    lat: float


def _bridge_chainages() -> list[int]:
    """Chainages where stored road bridges cross the river (within 300 m of the centre line)."""
    found = []
    for reach in river.reaches():
        line = LineString(reach.coords)
        for b in bridges():
            if line.distance(Point(b.lon, b.lat)) < 0.003:
                along, distance = locate(reach.coords, reach.cum, b.lon, b.lat)
                if distance < 300:
                    found.append(reach.start_chainage_m + round(along))
    return sorted(found)


@cache
def marks() -> tuple[Mark, ...]:
    draw = rng("waterway", "buoys")
    end = river.length_m() - 300
    result: list[Mark] = []
    chainage_m = 500
    side = 1
    while chainage_m < end:
        n = len(result) + 1
        if n % 8 == 0:
            kind, label, metres = "crossing", "centre", float(draw.uniform(-15, 15))
        else:
            side = -side if draw.random() < 0.85 else side
            kind, label = ("side_right", "right") if side > 0 else ("side_left", "left")
            metres = side * float(draw.uniform(30, 70))
        lon, lat = river.offset(chainage_m, metres)
        result.append(Mark(f"HB-{n:04d}", kind, label, chainage_m, lon, lat))
        chainage_m += int(draw.integers(900, 1601))
    for at in _bridge_chainages():
        lon, lat = river.offset(at, float(draw.uniform(-20, 20)))
        result.append(Mark(f"HB-{len(result) + 1:04d}", "bridge", "centre", at, lon, lat))
    return tuple(result)


def buoy_records(now: datetime) -> list[FeatureRecord]:
    today: date = china_day(now)
    records = []
    for mark in marks():
        draw = rng("waterway", "buoy", mark.code)
        status = str(draw.choice(STATUS, p=STATUS_P))
        records.append(FeatureRecord(Point(mark.lon, mark.lat), {
            "buoy_code": mark.code,
            "name_zh": f"松花江{mark.code.removeprefix('HB-').lstrip('0')}号{BUOY_NAMES[mark.kind]}",
            "buoy_type": mark.kind,
            "side": mark.side,
            "light_character": LIGHTS[mark.kind],
            "chainage_m": mark.chainage_m,
            "section_code": section_at(mark.chainage_m).code,
            "status": status,
            "last_inspected": today - timedelta(days=int(draw.integers(1, 60))),
            "adcode": adcode_at(mark.lon, mark.lat),
        }))
    return records


def abnormal_marks(records: list[FeatureRecord]) -> list[FeatureRecord]:
    """Marks whose status needs a maintenance task."""
    return [r for r in records if r.properties["status"] != "normal"]


def spread(draw: np.random.Generator, count: int) -> list[int]:
    """`count` chainages spread over the navigable river (whole metres)."""
    return sorted(int(c) for c in draw.integers(1_000, river.length_m() - 1_000, size=count))
