"""Sample waterborne incidents (`wat_incidents`): 60 incidents with their histories.

48 closed — 6 of them without a rescue (false alarm or the vessel freed itself), about one in
four late at some step — and 12 open (2 reported, 3 dispatched, 7 rescuing), three of them
overdue now. Each lies afloat on the stored water area; most cite a sample vessel by MMSI and name.
Times are laid out around `now`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shapely.geometry import Point

from domains.base.measure import rng
from domains.base.sample_network import adcode_at, prefecture_short_name
from domains.framework.sample_items import Step, WorkflowItem, account, build_item, lay_out
from domains.waterway import river
from layers.model import LayerDefinition
from layers.stores.base import FeatureRecord
from layers.validation import CHINA_TZ

#: (final state, overdue now, dismissed without rescue, how many).
PLAN = (("closed", False, False, 42), ("closed", False, True, 6), ("reported", False, False, 1),
        ("reported", True, False, 1), ("dispatched", False, False, 2), ("dispatched", True, False, 1),
        ("rescuing", False, False, 6), ("rescuing", True, False, 1))
PATHS = {"reported": (), "dispatched": ("dispatch",), "rescuing": ("dispatch", "start_rescue"),
         "closed": ("dispatch", "start_rescue", "close")}
TYPES = ("collision", "grounding", "person_overboard", "fire", "flooding", "pollution")
TYPE_P = (0.2, 0.3, 0.2, 0.08, 0.12, 0.1)
WHAT_ZH = {"collision": "两船碰撞", "grounding": "搁浅", "person_overboard": "人员落水", "fire": "机舱起火",
           "flooding": "船体破损进水", "pollution": "燃油泄漏"}
DISMISSALS = ("经核实为误报 / false alarm", "船舶已自行脱浅，无需救援 / the vessel freed itself")


def org_of(role: str, adcode: str) -> str:
    short = prefecture_short_name(adcode)
    return {"maritime_watch": f"吉林省地方海事局{short}分局", "sar_coordinator": f"{short}水上搜救分中心",
            "rescue_captain": f"{short}水上救援队"}[role]


def _plan() -> list[tuple[str, bool, bool]]:
    rows = [(state, overdue, dismissed) for state, overdue, dismissed, count in PLAN for _ in range(count)]
    order = rng("waterway", "incident-plan").permutation(len(rows))
    return [rows[i] for i in order]


def generate_incidents(layer: LayerDefinition, now: datetime, vessels: list[FeatureRecord]) -> list[WorkflowItem]:
    ships = [v for v in vessels if v.properties["ship_type"] != "patrol"]
    return [_incident(layer, i, *profile, ships, now) for i, profile in enumerate(_plan())]


def _incident(layer: LayerDefinition, i: int, state: str, overdue: bool, dismissed: bool,
              ships: list[FeatureRecord], now: datetime) -> WorkflowItem:
    draw = rng("waterway", "incident", str(i))
    kind = TYPES[int(draw.choice(len(TYPES), p=TYPE_P))]
    path = ("dismiss",) if dismissed else PATHS[state]
    late = {int(draw.integers(0, len(path)))} if state == "closed" and draw.random() < 0.2 else set()
    times = lay_out(layer, path, draw=draw, now=now, late=late, overdue=overdue,
                    ended_hours_ago=float(draw.uniform(2, 24 * 180)) if state == "closed" else 0.0)
    chainage = int(draw.integers(1_000, river.length_m() - 1_000))
    lon, lat = river.offset(chainage, float(draw.uniform(-50, 50)))
    adcode = adcode_at(lon, lat)
    ship = ships[int(draw.integers(len(ships)))] if kind != "person_overboard" or draw.random() < 0.5 else None
    at_risk = int(draw.integers(1, 13))
    incident_no = f"XQ{times[0].astimezone(CHINA_TZ):%Y%m%d}{i + 1:03d}"
    vessel = f"“{ship.properties['ship_name']}”" if ship is not None else ""
    properties = {
        "incident_no": incident_no, "incident_type": kind,
        "vessel_mmsi": ship.properties["mmsi"] if ship is not None else None,
        "vessel_name": ship.properties["ship_name"] if ship is not None else None,
        "persons_at_risk": at_risk, "persons_rescued": None, "chainage_m": chainage,
        "occurred_at": times[0] - timedelta(minutes=int(draw.integers(3, 31))),
        "description_zh": f"松花江K{chainage // 1000}附近{vessel}{WHAT_ZH[kind]}，{at_risk}人遇险",
        "adcode": adcode,
    }

    def staff(role: str, count: int) -> tuple[str, str]:
        return account(role, adcode, int(draw.integers(1, count + 1))), org_of(role, adcode)

    steps = [Step(times[0], *staff("maritime_watch", 4))]
    for transition, at in zip(path, times[1:], strict=True):
        if transition == "dispatch":
            steps.append(Step(at, *staff("sar_coordinator", 3), transition))
        elif transition == "start_rescue":
            steps.append(Step(at, *staff("rescue_captain", 4), transition))
        elif transition == "close":
            rescued = at_risk if draw.random() < 0.9 else int(draw.integers(0, at_risk))
            steps.append(Step(at, *staff("sar_coordinator", 3), transition, values={"persons_rescued": rescued}))
        else:  # dismiss
            steps.append(Step(at, *staff("sar_coordinator", 3), transition, str(draw.choice(DISMISSALS))))
    return build_item(layer, Point(lon, lat), properties, steps, now)
