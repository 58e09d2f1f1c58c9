"""Aids, structures and waterway features of the pilot chart, placed along the waterway axis.

Everything is given by chainage (metres from Fengman Dam along the axis) and an offset across
the river (metres, positive towards the left bank, facing downstream), or by a lon/lat anchor
snapped to the axis. Geometry is built in metres (survey CRS).

Buoyage: IALA Region A; the conventional direction of buoyage runs DOWNSTREAM, from Fengman Dam
towards Wolongtan. Port-hand marks (red can buoys) therefore stand on the left-bank side of the
fairway (the side of downtown Jilin through the city), starboard-hand marks (green conical
buoys) on the right-bank side.

May import: `enc_chart.catalogue`, `enc_chart.pilot.reach`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from enc_chart.catalogue import object_class
from enc_chart.pilot.reach import Reach

Built = tuple[shapely.Geometry, dict[str, Any]]


@dataclass(frozen=True)
class BridgeSpec:
    name_zh: str
    name_en: str
    anchor: tuple[float, float] | None  # lon/lat snapped to the axis, or …
    after: tuple[str, float] | None  # … (name_en of another bridge, metres downstream of it)
    verclr: float  # vertical clearance above the design highest navigable level, m
    horclr: float  # horizontal clearance of the navigation span, m
    deck_m: float


BRIDGES: tuple[BridgeSpec, ...] = (
    BridgeSpec("丰满大桥", "Fengman Bridge", (126.6800, 43.7275), None, 8.5, 45.0, 14.0),
    BridgeSpec("清源大桥", "Qingyuan Bridge", (126.5330, 43.8090), None, 10.0, 80.0, 30.0),
    BridgeSpec("临江门大桥", "Linjiangmen Bridge", (126.5340, 43.8395), None, 10.0, 120.0, 28.0),
    BridgeSpec("吉林大桥", "Jilin Bridge", (126.5600, 43.8375), None, 7.0, 35.0, 35.0),
    BridgeSpec("江湾大桥", "Jiangwan Bridge", None, ("Jilin Bridge", 1_400.0), 10.0, 90.0, 31.0),
    BridgeSpec("松江大桥", "Songjiang Bridge", (126.5880, 43.8580), None, 7.5, 40.0, 22.5),
    BridgeSpec("龙潭大桥", "Longtan Bridge", (126.5888, 43.8720), None, 9.0, 60.0, 26.0),
    BridgeSpec("哈龙大桥", "Halong Bridge", (126.5835, 43.8870), None, 10.0, 80.0, 32.0),
)


def bridge_chainages(reach: Reach) -> dict[str, float]:
    out: dict[str, float] = {}
    for spec in BRIDGES:
        if spec.anchor is not None:
            out[spec.name_en] = round(reach.chainage_of(*spec.anchor), 1)
        else:
            ref, metres = spec.after  # type: ignore[misc]
            out[spec.name_en] = out[ref] + metres
    return out


def _across(reach: Reach, chainage_m: float, beyond_m: float, breadth_m: float) -> Polygon:
    """A rectangle across the river at a chainage, reaching `beyond_m` onto each bank."""
    p, tangent, normal = reach.frame_at(chainage_m)
    left, right = (float(v) for v in reach.half_widths(chainage_m))
    a, b = normal * (left + beyond_m), -normal * (right + beyond_m)
    half = tangent * breadth_m / 2.0
    return Polygon([p + a - half, p + b - half, p + b + half, p + a + half])


def bridges(reach: Reach) -> list[Built]:
    at = bridge_chainages(reach)
    out = []
    for spec in BRIDGES:
        out.append((_across(reach, at[spec.name_en], 60.0, spec.deck_m), {
            "catbrg": "1", "VERCLR": spec.verclr, "HORCLR": spec.horclr, "verdat": 32,
            "OBJNAM": spec.name_en, "NOBJNM": spec.name_zh,
            "INFORM": "Vertical clearance above the design highest navigable level (1985 datum, see gauges)",
            "NINFOM": "净空高度自设计最高通航水位起算",
        }))
    return out


def dam(reach: Reach) -> list[Built]:
    _, tangent, normal = reach.frame_at(5.0)
    centre = reach.xy[0] - tangent * 15.0
    half_len, half_thick = normal * 550.0, tangent * 15.0
    poly = Polygon([centre + half_len - half_thick, centre - half_len - half_thick,
                    centre - half_len + half_thick, centre + half_len + half_thick])
    return [(poly, {"CATDAM": 2, "OBJNAM": "Fengman Dam", "NOBJNM": "丰满大坝"})]


def axis(reach: Reach) -> list[Built]:
    return [(reach.axis_xy(), {"OBJNAM": "Songhua River", "NOBJNM": "第二松花江（丰满—卧龙潭段）"})]


def distance_marks(reach: Reach) -> list[tuple[float, float, dict[str, Any]]]:
    """(lon, lat, attributes) of a mark every kilometre from the dam, on the axis."""
    units = object_class("dismar")
    # hunits (3: kilometres) is mandatory in Inland ENC 2.5; written once the catalogue binds it to dismar
    extra = {"hunits": 3} if units is not None and "hunits" in units.attributes else {}
    out = []
    for km in range(int(reach.end_m // 1000) + 1):
        lon, lat = reach.point(km * 1000.0)
        out.append((round(lon, 7), round(lat, 7), {"catdis": 1, "wtwdis": float(km), **extra, "OBJNAM": f"km {km}",
                                                  "NOBJNM": f"{km}公里"}))
    return out


def fairway(reach: Reach, water: shapely.Geometry, half_width: float, least_depth: float) -> list[Built]:
    corridor = reach.axis_xy(400.0, reach.end_m).buffer(half_width, cap_style="flat")
    area = shapely.intersection(corridor, water)
    return [(area, {"DRVAL1": least_depth, "TRAFIC": 4, "OBJNAM": "Songhua River fairway Fengman-Wolongtan",
                    "NOBJNM": "松花江丰满—卧龙潭航道"})]


def buoys(reach: Reach, half_width: float) -> list[Built]:
    out = []
    for km in range(1, int(reach.end_m // 1000), 2):
        c = km * 1000.0
        for side, offset in (("port", half_width + 8.0), ("starboard", -(half_width + 8.0))):
            port = side == "port"
            out.append((Point(reach.offset_xy(c, offset)), {
                "catlam": 1 if port else 2, "BOYSHP": 2 if port else 1, "COLOUR": "3" if port else "4",
                "marsys": 1, "OBJNAM": f"{'P' if port else 'S'}{km:02d}",
                "NOBJNM": f"{km}公里{'左' if port else '右'}侧标",
            }))
    return out


def dangers(reach: Reach) -> dict[str, list[Built]]:
    jilin = bridge_chainages(reach)["Jilin Bridge"]
    return {
        "OBSTRN": [
            (Point(reach.offset_xy(jilin + 60.0, 35.0)), {
                "VALSOU": 1.2, "WATLEV": 3, "EXPSOU": 2, "OBJNAM": "Old Jilin Bridge pier remains",
                "NOBJNM": "吉林大桥旧桥墩残体"}),
            (Point(reach.offset_xy(9_300.0, -30.0)), {
                "VALSOU": 0.9, "WATLEV": 3, "EXPSOU": 2, "OBJNAM": "Submerged rock", "NOBJNM": "暗礁"}),
        ],
        "WRECKS": [
            (Point(reach.offset_xy(15_600.0, 20.0)), {
                "CATWRK": 1, "VALSOU": 2.1, "WATLEV": 3, "EXPSOU": 2, "OBJNAM": "Sunken barge",
                "NOBJNM": "沉船（驳船）"}),
        ],
    }


def _band(reach: Reach, start_m: float, end_m: float, right_m: float, left_m: float) -> Polygon:
    c = np.linspace(start_m, end_m, 25)
    pts = reach.xy_at(c)
    normals = np.array([reach.frame_at(float(v))[2] for v in c])
    return Polygon(np.vstack([pts + normals * left_m, (pts + normals * right_m)[::-1]]))


def restricted_areas(reach: Reach, water: shapely.Geometry) -> list[Built]:
    tailrace = shapely.intersection(_band(reach, 0.0, 600.0, -400.0, 400.0), water)
    intake = shapely.intersection(_band(reach, 18_400.0, 19_000.0, -400.0, 20.0), water)
    return [
        (tailrace, {"RESTRN": "7", "OBJNAM": "Fengman Dam tailrace no-entry zone", "NOBJNM": "丰满大坝坝下禁航区"}),
        (intake, {"RESTRN": "1,3", "OBJNAM": "Jilin water intake protection zone", "NOBJNM": "吉林市取水口保护区"}),
    ]


def buoyage(coverage: shapely.Geometry) -> list[Built]:
    return [(coverage, {
        "MARSYS": 1,
        "INFORM": "IALA A. Direction of buoyage: downstream from Fengman Dam; port-hand (red) marks on the "
                  "left-bank side of the fairway, starboard-hand (green) marks on the right-bank side.",
        "NINFOM": ("国际航标协会A区制式。浮标方向自丰满大坝顺流而下：左侧标（红色）设于航道左岸侧，"
                   "右侧标（绿色）设于右岸侧。"),
    })]

