"""Sample vessel positions (`wat_vessels`) and water rescue resources (`wat_rescue_resources`).

80 vessels afloat on the stored water area (sightseeing boats and ferries near Jilin City and
Songyuan, the rest anywhere), each with its last position up to 30 minutes before `now`, owned by
waterway enterprises of the shared register (patrol vessels by the maritime bureau). 25 rescue
resources along the river: stations, diving teams and depots on the bank, boats afloat near it.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
from shapely.geometry import Point

from domains.base.measure import rng
from domains.base.sample_network import adcode_at, nearest_place, prefecture_short_name
from domains.framework.identities import enterprise_code, enterprises_of
from domains.waterway import river
from layers.stores.base import FeatureRecord

VESSEL_COUNT = 80
SHIP_TYPES = ("cargo", "tour", "passenger", "ferry", "work", "patrol")
SHIP_TYPE_P = (0.3, 0.2, 0.1, 0.1, 0.2, 0.1)
NAME_PREFIX = {"cargo": "吉货", "tour": "松江游", "passenger": "吉客", "ferry": "吉渡", "work": "吉工",
               "patrol": "吉海巡"}
SIZE = {"cargo": ((35, 60), (200, 800)), "tour": ((20, 45), (50, 300)), "passenger": ((25, 40), (80, 250)),
        "ferry": ((15, 30), (30, 120)), "work": ((20, 50), (60, 500)), "patrol": ((12, 25), (20, 80))}
#: Chainage stretches near the two river cities (Jilin City, Songyuan), where boats for people ply.
CITY_STRETCHES = ((8_000, 30_000), (222_000, 245_000))
RESOURCES = (("station", 8), ("rescue_boat", 8), ("patrol_boat", 4), ("diver_team", 3), ("material_depot", 2))
RESOURCE_NAMES = {"station": "水上救助站", "rescue_boat": "救援艇", "patrol_boat": "海巡艇", "diver_team": "潜水救援队",
                  "material_depot": "水上应急物资库"}
AREA_CODES = {"220100": "0431", "220200": "0432", "220700": "0438"}


def _chainage(draw: np.random.Generator, ship_type: str) -> int:
    if ship_type in ("tour", "ferry", "passenger"):
        lo, hi = CITY_STRETCHES[int(draw.integers(len(CITY_STRETCHES)))]
        return int(draw.integers(lo, hi))
    return int(draw.integers(1_000, river.length_m() - 1_000))


def _heading(chainage_m: int, downstream: bool) -> float:
    (x0, y0), (x1, y1) = river.point(max(chainage_m - 50, 0)), river.point(min(chainage_m + 50, river.length_m()))
    bearing = math.degrees(math.atan2((x1 - x0) * math.cos(math.radians(y0)), y1 - y0)) % 360
    return round(bearing if downstream else (bearing + 180) % 360, 1)


def vessel_records(now: datetime) -> list[FeatureRecord]:
    owners = [enterprise_code(n) for n in enterprises_of("waterway")]
    records = []
    for i in range(VESSEL_COUNT):
        draw = rng("waterway", "vessel", str(i))
        kind = SHIP_TYPES[int(draw.choice(len(SHIP_TYPES), p=SHIP_TYPE_P))]
        chainage = _chainage(draw, kind)
        status = str(draw.choice(["underway", "anchored", "moored"], p=[0.6, 0.15, 0.25]))
        lon, lat = river.offset(chainage, float(draw.uniform(-40, 40)))
        (length_lo, length_hi), (tons_lo, tons_hi) = SIZE[kind]
        records.append(FeatureRecord(Point(lon, lat), {
            "mmsi": f"4132{20_000 + i * 37:05d}",
            "ship_name": f"{NAME_PREFIX[kind]}{int(draw.integers(1, 1000)):03d}",
            "ship_type": kind,
            "owner_code": None if kind == "patrol" else owners[int(draw.integers(len(owners)))],
            "length_m": round(float(draw.uniform(length_lo, length_hi)), 1),
            "gross_tonnage": float(int(draw.integers(tons_lo, tons_hi))),
            "nav_status": status,
            "speed_kn": round(float(draw.uniform(3, 10)), 1) if status == "underway" else 0.0,
            "course_deg": _heading(chainage, bool(draw.random() < 0.5)),
            "position_time": (now - timedelta(seconds=int(draw.integers(0, 1800)))).replace(microsecond=0),
            "chainage_m": chainage,
            "adcode": adcode_at(lon, lat),
        }))
    return records


def resource_records() -> list[FeatureRecord]:
    draw = rng("waterway", "rescue-resources")
    kinds = [kind for kind, count in RESOURCES for _ in range(count)]
    kinds = [kinds[i] for i in draw.permutation(len(kinds))]
    spacing = (river.length_m() - 4_000) / len(kinds)
    records = []
    for n, kind in enumerate(kinds, start=1):
        chainage = int(2_000 + spacing * (n - 0.5) + draw.uniform(-2_000, 2_000))
        side = 1 if draw.random() < 0.5 else -1
        if kind in ("rescue_boat", "patrol_boat"):
            lon, lat = river.offset(chainage, side * 60.0)
        else:
            lon, lat = river.ashore(chainage, side)
        adcode = adcode_at(lon, lat)
        place = nearest_place(lon, lat)[0]
        boat = kind in ("rescue_boat", "patrol_boat")
        records.append(FeatureRecord(Point(lon, lat), {
            "resource_code": f"JZ-{n:02d}",
            "name_zh": f"{place}{RESOURCE_NAMES[kind]}" + (f"{n:02d}号" if boat else ""),
            "resource_type": kind,
            "chainage_m": chainage,
            "members": int(draw.integers(3, 8) if boat else draw.integers(6, 30)),
            "capacity_persons": int(draw.integers(6, 20)) if kind != "material_depot" else 0,
            "managing_org": f"{prefecture_short_name(adcode)}水上搜救分中心",
            "phone": f"{AREA_CODES.get(adcode, '0432')}-6{int(draw.integers(0, 10_000_000)):07d}",
            "adcode": adcode,
        }))
    return records
