"""Sample expressway resources: cameras (`exp_cameras`), emergency stores, rescue teams.

All sit on their expressway at their stake (the stored road section's point):
cameras every 5–9 km; an emergency material store at every service area (服务区, the base
`service_areas` layer's stake); a rescue team at about half of the toll stations (收费站), whose
stations they take their names from. The nearest-resource rule measures along the roads from
these stakes. Deterministic (seeded per route); independent of the reference time.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from shapely.geometry import Point

from domains.base import sample_dir
from domains.base.features import read_collection
from domains.base.measure import rng, stake_label
from domains.base.sample_network import RoadRoute, adcode_at, prefecture_short_name, road_routes
from layers.stores.base import FeatureRecord

STORE_MATERIALS = {
    "snow_ice": "融雪剂 {a} 吨；防滑料 {b} 立方米；除雪铲 {c} 台",
    "traffic_control": "锥桶 {b} 个；水马 {a} 个；可变情报板 {c} 块；警示灯 {a} 个",
    "repair": "沥青冷补料 {a} 吨；钢护栏板 {b} 米；发电机 {c} 台",
    "comprehensive": "融雪剂 {a} 吨；锥桶 {b} 个；救援物资 {c} 套；照明设备 {c} 套",
}
TEAM_KINDS = {
    "clearance": ("高速清障救援大队", (12, 40), (4, 12), "清障车、吊车、拖车、照明车"),
    "maintenance": ("高速养护抢险队", (10, 30), (3, 9), "除雪车、撒布机、装载机、抢修车"),
    "medical": ("高速急救站", (6, 15), (2, 4), "救护车、急救设备"),
    "fire": ("高速消防救援站", (15, 35), (3, 7), "消防车、破拆工具、抢险救援车"),
}


def _expressways() -> list[RoadRoute]:
    return [route for code, route in sorted(road_routes().items()) if route.road_class == "expressway"]


def _on_road(route: RoadRoute, stake: int) -> tuple[Point, str]:
    lon, lat = route.point(stake)
    return Point(lon, lat), adcode_at(lon, lat)


#: Telephone area codes (长途区号) by prefecture.
AREA_CODES = {"220100": "0431", "220200": "0432", "220300": "0434", "220400": "0437", "220500": "0435",
              "220600": "0439", "220700": "0438", "220800": "0436", "222400": "0433"}


def _phone(draw: np.random.Generator, adcode: str) -> str:
    return f"{AREA_CODES[adcode]}-8{int(draw.integers(0, 10_000_000)):07d}"


def camera_records() -> list[FeatureRecord]:
    records = []
    for route in _expressways():
        draw = rng("expressway", "cameras", route.code)
        stake = route.start_stake_m + int(draw.integers(1_000, 4_000))
        n = 0
        while stake < route.end_stake_m - 1_000:
            n += 1
            point, adcode = _on_road(route, stake)
            kind = str(draw.choice(["bullet", "dome", "panoramic"], p=[0.6, 0.3, 0.1]))
            records.append(FeatureRecord(point, {
                "camera_code": f"SX-{route.code}-{n:04d}",
                "name_zh": f"{route.code}{route.name_zh}{stake_label('', stake).strip()}监控",
                "route_code": route.code,
                "stake_m": stake,
                "direction": str(draw.choice(["up", "down", "both"], p=[0.4, 0.4, 0.2])),
                "camera_type": kind,
                "status": str(draw.choice(["online", "offline", "fault"], p=[0.9, 0.06, 0.04])),
                # GB/T 28181: 8-digit centre code, 2-digit industry (交通 08), 3-digit type (131 camera), serial
                "gb28181_id": f"{adcode}00" + "08" + "131" + f"{len(records) + 1:07d}",
                "install_year": int(draw.integers(2012, 2025)),
                "adcode": adcode,
            }))
            stake += int(draw.integers(5_000, 9_001))
    return records


def _base_rows(layer_id: str) -> Iterator[dict]:
    routes = road_routes()
    for feature in read_collection(sample_dir() / f"{layer_id}.geojson"):
        if feature["properties"]["route_code"] in routes:
            yield feature["properties"]


def store_records() -> list[FeatureRecord]:
    records = []
    routes = road_routes()
    for row in _base_rows("service_areas"):
        if row["area_type"] != "service":
            continue
        route = routes[row["route_code"]]
        draw = rng("expressway", "stores", row["area_code"])
        point, adcode = _on_road(route, int(row["stake_m"]))
        kind = str(draw.choice(list(STORE_MATERIALS), p=[0.4, 0.15, 0.15, 0.3]))
        materials = STORE_MATERIALS[kind].format(a=int(draw.integers(20, 200)), b=int(draw.integers(100, 800)),
                                                 c=int(draw.integers(2, 12)))
        records.append(FeatureRecord(point, {
            "store_code": f"WZ-{row['area_code'].removeprefix('FW-')}",
            "name_zh": f"{row['name_zh']}应急物资储备点",
            "route_code": route.code,
            "stake_m": int(row["stake_m"]),
            "resource_type": kind,
            "materials_zh": materials,
            "manager_org": f"吉林省高速公路{prefecture_short_name(adcode)}养护管理分中心",
            "phone": _phone(draw, adcode),
            "adcode": adcode,
        }))
    return records


def team_records() -> list[FeatureRecord]:
    records = []
    routes = road_routes()
    for row in _base_rows("toll_stations"):
        draw = rng("expressway", "teams", row["station_code"])
        if draw.random() >= 0.5:
            continue
        route = routes[row["route_code"]]
        point, adcode = _on_road(route, int(row["stake_m"]))
        kind = str(draw.choice(list(TEAM_KINDS), p=[0.5, 0.25, 0.15, 0.1]))
        suffix, members, vehicles, equipment = TEAM_KINDS[kind]
        records.append(FeatureRecord(point, {
            "team_code": f"JY-{row['station_code'].removeprefix('SF-')}",
            "name_zh": f"{row['name_zh'].removesuffix('收费站')}{suffix}",
            "route_code": route.code,
            "stake_m": int(row["stake_m"]),
            "resource_type": kind,
            "members": int(draw.integers(*members)),
            "vehicles": int(draw.integers(*vehicles)),
            "equipment_zh": equipment,
            "on_duty_24h": kind != "maintenance" or bool(draw.random() < 0.5),
            "phone": _phone(draw, adcode),
            "adcode": adcode,
        }))
    return records
