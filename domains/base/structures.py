"""Structures on the routes: bridges (`bridges`), toll stations (`toll_stations`), service areas.

Every structure sits on its route's line at a whole-metre stake. Bridges: one where a road
crosses the Songhua centre line, plus seeded ones about every 18 km (river crossings, over-
passes, interchanges, viaducts), their condition grade (技术状况等级, JTG H21) worsening with
age and limiting load. Toll stations sit where an expressway passes a town; service and
parking areas every 40–60 km. Names come from the nearest town (`geography.PLACES`).
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import Point

from domains.base.boundaries import adcode_at
from domains.base.features import Feature
from domains.base.geography import PLACES, RIVERS_BY_PREFECTURE, Place
from domains.base.measure import geod, rng
from domains.base.river import centre_line, river_crossings, width_at
from domains.base.roads import RouteLine, route_lines

#: Prefectures whose roads climb through the Changbai mountains (more viaducts).
MOUNTAIN_ADCODES = frozenset({"222400", "220600", "220500"})
BRIDGE_SPACING_KM = 18.0
BASE_LOAD_T = {"expressway": 55.0, "national": 49.0, "provincial": 40.0}
SURVEY_YEAR = 2024


def nearest_places(lon: float, lat: float) -> list[tuple[float, Place]]:
    """Towns by distance (m) from a point, nearest first."""
    lons = np.array([p.lon for p in PLACES])
    lats = np.array([p.lat for p in PLACES])
    _, _, dist = geod().inv(np.full(len(PLACES), lon), np.full(len(PLACES), lat), lons, lats)
    return sorted(zip((float(d) for d in dist), PLACES, strict=True), key=lambda item: item[0])


def _direction(place: Place, lon: float, lat: float) -> str:
    dx = (lon - place.lon) * math.cos(math.radians(lat))
    dy = lat - place.lat
    if abs(dx) >= abs(dy):
        return "东" if dx > 0 else "西"
    return "北" if dy > 0 else "南"


def _scale(length_m: float) -> str:
    if length_m > 1000:
        return "super_major"
    if length_m >= 100:
        return "major"
    if length_m >= 30:
        return "medium"
    return "small"


_SCALE_SUFFIX = {"super_major": "特大桥", "major": "大桥", "medium": "中桥", "small": "小桥"}


def _condition(draw: np.random.Generator, built: int, base_load: float) -> tuple[int, float]:
    """Technical grade 1–5 from age, and the load limit (t) it allows."""
    age = SURVEY_YEAR - built
    grade = int(np.clip(round(1 + 2.2 * age / 50 + draw.normal(0, 0.5)), 1, 5))
    load = {1: base_load, 2: base_load, 3: min(base_load, 40.0), 4: 30.0, 5: 20.0}[grade]
    return grade, load


def _bridge(line: RouteLine, stake_m: int, name: str, kind: str, length_m: float,
            clearance_m: float, draw: np.random.Generator) -> Feature:
    route = line.route
    lon, lat = line.point(stake_m)
    built = int(draw.integers(1996 if route.road_class == "expressway" else 1972, 2021))
    grade, load = _condition(draw, built, BASE_LOAD_T[route.road_class])
    code = f"{route.code}L{stake_m:07d}"
    return Feature(code, Point(lon, lat), {
        "bridge_code": code, "name_zh": name, "route_code": route.code, "stake_m": stake_m,
        "bridge_type": kind, "scale": _scale(length_m), "length_m": round(length_m, 1),
        "load_limit_t": load, "clearance_m": clearance_m, "tech_grade": grade, "built_year": built,
        "adcode": adcode_at(lon, lat),
    })


_ORDINALS = ("", "二", "三", "四", "五", "六")


def _songhua_bridges(line: RouteLine, draw: np.random.Generator, used: set[str]) -> list[Feature]:
    river = centre_line()
    result = []
    for crossing in river_crossings(line.line):
        stake_m, _ = line.stake_of(crossing.x, crossing.y)
        width = float(width_at(river.chainage_of(crossing.x, crossing.y)))
        length = width * float(draw.uniform(1.6, 2.6)) + float(draw.uniform(80, 300))
        town = nearest_places(crossing.x, crossing.y)[0][1].name_zh
        first = f"{town}松花江{_SCALE_SUFFIX[_scale(length)]}"
        name = next(n for n in (first, *(f"{town}松花江{o}桥" for o in _ORDINALS[1:])) if n not in used)
        used.add(name)
        result.append(_bridge(line, stake_m, name, "river", length, 5.0, draw))
    return result


def _seeded_bridge(line: RouteLine, stake_m: int, draw: np.random.Generator) -> Feature:
    lon, lat = line.point(stake_m)
    adcode = adcode_at(lon, lat)
    mountain = adcode in MOUNTAIN_ADCODES
    if line.route.road_class == "expressway":
        kinds, weights = ["river", "overpass", "interchange", "viaduct"], [0.45, 0.3, 0.1, 0.15]
    else:
        kinds, weights = ["river", "overpass", "viaduct"], [0.75, 0.15, 0.10]
    if mountain:
        weights = [w * (2.5 if k == "viaduct" else 1.0) for k, w in zip(kinds, weights, strict=True)]
    kind = str(draw.choice(kinds, p=np.array(weights) / sum(weights)))
    town = nearest_places(lon, lat)[0][1].name_zh
    clearance = float(draw.choice([4.5, 4.8, 5.0, 5.0, 5.2, 5.5]))
    if kind == "river":
        length = float(np.clip(draw.lognormal(math.log(70), 0.8), 12, 900))
        river = str(draw.choice(RIVERS_BY_PREFECTURE[adcode]))
        name, clearance = f"{river}{_SCALE_SUFFIX[_scale(length)]}", 5.0
    elif kind == "overpass":
        length, name = float(draw.uniform(30, 90)), f"{town}分离式立交桥"
    elif kind == "interchange":
        length, name = float(draw.uniform(60, 400)), f"{town}互通立交桥"
    else:
        length = float(draw.uniform(150, 1200 if mountain else 600))
        name, clearance = f"{town}高架桥", 5.0
    return _bridge(line, stake_m, name, kind, length, clearance, draw)


def bridge_features() -> list[Feature]:
    features: list[Feature] = []
    songhua_names: set[str] = set()
    for code, line in route_lines().items():
        draw = rng("bridges", code)
        songhua = _songhua_bridges(line, draw, songhua_names)
        taken = [int(f.properties["stake_m"]) for f in songhua]
        count = round((line.end_stake_m - line.start_stake_m) / 1000 / BRIDGE_SPACING_KM)
        candidates = draw.integers(line.start_stake_m + 300, line.end_stake_m - 300, size=count)
        seeded = []
        for stake in sorted(int(s) for s in candidates):
            if all(abs(stake - other) > 600 for other in taken):
                taken.append(stake)
                seeded.append(_seeded_bridge(line, stake, draw))
        features.extend(sorted(songhua + seeded, key=lambda f: f.properties["stake_m"]))
    return features


def _named(used: set[str], place: Place, lon: float, lat: float, suffix: str) -> str | None:
    for name in (f"{place.name_zh}{suffix}", f"{place.name_zh}{_direction(place, lon, lat)}{suffix}"):
        if name not in used:
            used.add(name)
            return name
    return None


def toll_station_features() -> list[Feature]:
    features: list[Feature] = []
    used: set[str] = set()
    for code, line in route_lines().items():
        if line.route.road_class != "expressway":
            continue
        draw = rng("toll", code)
        near = sorted(((*line.stake_of(p.lon, p.lat), p) for p in PLACES), key=lambda item: item[0])
        stations: list[int] = []
        for stake, distance, place in near:
            offset = int(draw.integers(-1500, 1501))
            stake = min(max(stake + offset, line.start_stake_m + 500), line.end_stake_m - 500)
            if distance > 12_000 or any(abs(stake - other) < 8000 for other in stations):
                continue
            lon, lat = line.point(stake)
            name = _named(used, place, lon, lat, "收费站")
            if name is None:
                continue
            stations.append(stake)
            n = len(stations)
            station_code = f"SF-{code}-{n:02d}"
            entry = int(draw.integers(2, 5))
            exit_ = int(draw.integers(entry, entry + 3))
            features.append(Feature(station_code, Point(lon, lat), {
                "station_code": station_code, "name_zh": name, "route_code": code, "stake_m": stake,
                "entry_lanes": entry, "exit_lanes": exit_, "etc_lanes": int(draw.integers(1, entry + 1)) * 2,
                "adcode": adcode_at(lon, lat),
            }))
    return features


def service_area_features() -> list[Feature]:
    features: list[Feature] = []
    used: set[str] = set()
    for code, line in route_lines().items():
        if line.route.road_class != "expressway":
            continue
        draw = rng("service", code)
        stake = line.start_stake_m + int(draw.integers(20_000, 35_001))
        n = 0
        while stake < line.end_stake_m - 10_000:
            lon, lat = line.point(stake)
            kind = "service" if draw.random() < 0.7 else "parking"
            suffix = "服务区" if kind == "service" else "停车区"
            name = None
            for distance, place in nearest_places(lon, lat):
                if distance > 45_000:
                    break
                name = _named(used, place, lon, lat, suffix)
                if name is not None:
                    break
            if name is None:
                name = f"{line.route.name_zh}K{stake // 1000}{suffix}"
            n += 1
            area_code = f"FW-{code}-{n:02d}"
            features.append(Feature(area_code, Point(lon, lat), {
                "area_code": area_code, "name_zh": name, "route_code": code, "stake_m": stake,
                "area_type": kind,
                "parking_spaces": int(draw.integers(80, 301) if kind == "service" else draw.integers(30, 81)),
                "has_fuel": kind == "service" or bool(draw.random() < 0.3),
                "has_ev_charging": bool(draw.random() < (0.8 if kind == "service" else 0.3)),
                "adcode": adcode_at(lon, lat),
            }))
            stake += int(draw.integers(40_000, 60_001))
    return features
