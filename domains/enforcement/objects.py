"""Inspection objects (检查对象): carriers and repair shops from the credit register, bus stations,
and overload detection stations on the road network; road points where roadside checks happen; and
the plates of carriers' vehicles."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from domains.base.geography import PLACES
from domains.base.measure import rng, stake_label
from domains.base.sample_network import RoadRoute, Section, adcode_at, road_routes
from domains.credit.enterprises import Enterprise, adcodes_at, enterprises, short_name
from domains.enforcement.vocabulary import PLATE_LETTER
from domains.framework.identities import enterprises_of

OBJECT_TYPE_OF_KIND = {
    "dangerous_goods": "dg_carrier", "passenger": "passenger_carrier", "freight": "freight_carrier",
    "repair": "repair_shop", "waterway": "waterway_carrier",
}
SUBJECT_OF_TYPE = {
    "dg_carrier": "dg_transport", "passenger_carrier": "passenger_safety", "freight_carrier": "overload_source",
    "repair_shop": "repair_quality", "waterway_carrier": "waterway_safety", "passenger_station": "station_safety",
    "detection_station": "detection_work",
}
#: Planned inspections a year by object type and supervision level (key objects are visited more).
_FREQUENCY = {"key": 6, "general": 2}
#: Freight carriers that are inspection objects (the rest are inspected through their vehicles).
FREIGHT_OBJECTS = 500


@dataclass(frozen=True, slots=True)
class InspectionObject:
    code: str
    name_zh: str
    object_type: str
    enterprise: Enterprise | None
    address: str
    adcode: str
    level: str
    lon: float
    lat: float

    @property
    def annual_inspections(self) -> int:
        return _FREQUENCY[self.level] + (2 if self.object_type == "dg_carrier" else 0)


@dataclass(frozen=True, slots=True)
class RoadPoint:
    """A place on a road, at a stake of its route (on the stored section that covers the stake)."""

    route: RoadRoute
    section: Section
    stake_m: int
    lon: float
    lat: float
    adcode: str

    @property
    def label(self) -> str:
        return f"{self.route.name_zh} {stake_label(self.route.code, self.stake_m)}"


def road_point(route: RoadRoute, stake_m: int) -> RoadPoint:
    section = route.section_at(stake_m)
    lon, lat = section.point(stake_m)
    return RoadPoint(route, section, stake_m, lon, lat, adcode_at(lon, lat))


@cache
def _sections(classes: tuple[str, ...] | None) -> tuple[tuple[RoadRoute, Section], ...]:
    return tuple((route, section) for _, route in sorted(road_routes().items())
                 if classes is None or route.road_class in classes for section in route.sections)


def random_road_points(draw: np.random.Generator, count: int,
                       classes: tuple[str, ...] | None = None) -> list[RoadPoint]:
    """`count` points on the road network, sections drawn by length (optionally of some road classes)."""
    pairs = _sections(classes)
    lengths = np.array([section.cum[-1] for _, section in pairs])
    picks = draw.choice(len(pairs), size=count, p=lengths / lengths.sum())
    result = []
    for i in picks.tolist():
        route, section = pairs[i]
        stake = int(draw.integers(section.start_stake_m, section.end_stake_m + 1))
        result.append(road_point(route, stake))
    return result


def plate(enterprise: Enterprise, vehicle: int) -> str:
    """The plate of a carrier's vehicle number `vehicle`, as stored: 吉 + the prefecture letter + "·" + a
    letter or digit and four digits (吉A·K3271). "D" never leads: the road-transport domain's
    dangerous-goods vehicles use 吉X·D….
    """
    chars = "0123456789ABCEFGHJKLMNPQRSTUVWXYZ"
    seed = (enterprise.number * 7_919 + vehicle * 104_729) % (len(chars) * 10_000)
    first, digits = divmod(seed, 10_000)
    return f"吉{PLATE_LETTER[enterprise.adcode]}·{chars[first]}{digits:04d}"


def _enterprise_objects() -> list[InspectionObject]:
    draw = rng("enforcement", "objects")
    freight = set(draw.choice(list(enterprises_of("freight")), size=FREIGHT_OBJECTS, replace=False).tolist())
    result = []
    for e in enterprises():
        if e.kind == "construction" or (e.kind == "freight" and e.number not in freight):
            continue
        object_type = OBJECT_TYPE_OF_KIND[e.kind]
        key = e.kind in ("dangerous_goods", "passenger") or draw.random() < 0.1
        result.append(InspectionObject(f"QY{e.number:05d}", e.name_zh, object_type, e, e.address, e.adcode,
                                       "key" if key else "general", e.lon, e.lat))
    return result


def _station_objects() -> list[InspectionObject]:
    draw = rng("enforcement", "stations")
    result = []
    serial: dict[str, int] = {}
    for place in PLACES:
        seat = next(p for p in PLACES if p.adcode == place.adcode) is place
        for label in (("公路客运总站", "客运西站") if seat else ("客运站",)):
            serial[place.adcode] = serial.get(place.adcode, 0) + 1
            lon = round(place.lon + float(draw.normal(0, 0.006)), 6)
            lat = round(place.lat + float(draw.normal(0, 0.004)), 6)
            if adcode_at(lon, lat) != place.adcode or not _inside(lon, lat):
                lon, lat = place.lon, place.lat
            name = f"{short_name(place.adcode) if seat else place.name_zh}{label}"
            result.append(InspectionObject(f"KY{place.adcode}{serial[place.adcode]:02d}", name, "passenger_station",
                                           None, f"{place.name_zh}站前路", place.adcode, "key", lon, lat))
    for n, point in enumerate(random_road_points(draw, 24, ("national", "provincial")), start=1):
        name = f"{point.route.code}线{point.label.split()[-1]}超限检测站"
        result.append(InspectionObject(f"ZC{point.adcode}{n:02d}", name, "detection_station", None, point.label,
                                       point.adcode, "general", point.lon, point.lat))
    return result


@cache
def inspection_objects() -> tuple[InspectionObject, ...]:
    return tuple(_enterprise_objects() + _station_objects())


def _inside(lon: float, lat: float) -> bool:
    """Inside one of the stored prefecture polygons (not just nearest to one)."""
    return bool(adcodes_at(np.array([lon]), np.array([lat]))[0])
