"""Who enforces: the nine prefecture enforcement units (综合行政执法支队), their officers and equipment.

Officers are the actors of every enforcement history: an officer's login id is a sample account
`<role>.<adcode>.<nn>` (`sample_items.account`), beside their enforcement certificate number
(执法证号). `actors(adcode, role)` is what the case, clue and inspection generators draw from.
Deterministic, independent of the sample time except for certificate validity and equipment dates
(laid out relative to `now`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

import numpy as np

from domains.base.geography import PREFECTURES
from domains.base.measure import rng
from domains.framework.histories import Actor
from domains.framework.names import person_names
from domains.framework.sample_items import account

#: The platform itself, when a spatial rule creates a clue (角色 system：监管平台规则引擎).
SYSTEM_ROLE = "system"


@dataclass(frozen=True, slots=True)
class Unit:
    adcode: str
    name_zh: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class Officer:
    actor: Actor
    cert_no: str
    adcode: str
    unit: Unit
    gender: str
    cert_offset_days: int  # certificate valid until now + this many days

    def cert_valid_until(self, now: datetime) -> date:
        return (now + timedelta(days=self.cert_offset_days)).date()


@cache
def units() -> dict[str, Unit]:
    """adcode → the prefecture's enforcement unit, placed near the prefecture seat."""
    result = {}
    for p in PREFECTURES:
        result[p.adcode] = Unit(p.adcode, f"{p.name_zh}交通运输综合行政执法支队",
                                round(p.lon + 0.012, 6), round(p.lat - 0.009, 6))
    return result


def _staffing(population: float) -> dict[str, int]:
    return {"inspector": 8 + round(population / 60.0), "enforcement_lead": 2, "legal_reviewer": 2,
            "clue_analyst": 2}


@cache
def officers() -> tuple[Officer, ...]:
    """Every officer, unit by unit: accounts per role, certificates ZF + four adcode digits + a serial."""
    draw = rng("enforcement", "officers")
    plan = [(p.adcode, role) for p in PREFECTURES for role, n in _staffing(p.population).items() for _ in range(n)]
    names = person_names(draw, len(plan))
    result = []
    serial: dict[str, int] = {}
    per_role: dict[tuple[str, str], int] = {}
    for (adcode, role), name in zip(plan, names, strict=True):
        serial[adcode] = serial.get(adcode, 0) + 1
        per_role[(adcode, role)] = per_role.get((adcode, role), 0) + 1
        unit = units()[adcode]
        actor = Actor(account(role, adcode, per_role[(adcode, role)]), unit.name_zh, role, name)
        result.append(Officer(
            actor=actor, cert_no=f"ZF{adcode[:4]}{serial[adcode]:03d}", adcode=adcode, unit=unit,
            gender="female" if draw.random() < 0.28 else "male",
            cert_offset_days=int(draw.integers(-20, 1_800)),
        ))
    return tuple(result)


@cache
def _by_unit_role() -> dict[tuple[str, str], tuple[Actor, ...]]:
    table: dict[tuple[str, str], list[Actor]] = {}
    for officer in officers():
        table.setdefault((officer.adcode, officer.actor.role), []).append(officer.actor)
    return {key: tuple(value) for key, value in table.items()}


def actors(adcode: str, role: str) -> tuple[Actor, ...]:
    return _by_unit_role()[(adcode, role)]


def pick(draw: np.random.Generator, adcode: str, role: str) -> Actor:
    pool = actors(adcode, role)
    return pool[int(draw.integers(len(pool)))]


def system_actor(adcode: str) -> Actor:
    """The platform's rule engine creating a clue for the unit of `adcode`."""
    return Actor(account(SYSTEM_ROLE, adcode, 1), units()[adcode].name_zh, SYSTEM_ROLE, "监管平台规则引擎")


@cache
def _by_id() -> dict[str, Actor]:
    return {officer.actor.id: officer.actor for officer in officers()}


def actor(actor_id: str) -> Actor:
    """The officer with this login id."""
    return _by_id()[actor_id]


EQUIPMENT_KINDS: dict[str, tuple[str, int, int]] = {
    # kind: (Chinese name, per-unit minimum, per-unit maximum)
    "patrol_vehicle": ("执法车辆", 6, 16),
    "body_camera": ("执法记录仪", 12, 30),
    "mobile_terminal": ("移动执法终端", 8, 20),
    "portable_scale": ("便携式称重设备", 2, 5),
    "drone": ("执法无人机", 1, 3),
    "speed_radar": ("测速设备", 1, 4),
}


@dataclass(frozen=True, slots=True)
class Equipment:
    code: str
    kind: str
    name_zh: str
    unit: Unit
    status: str
    age_days: int
    lon: float
    lat: float


@cache
def equipment() -> tuple[Equipment, ...]:
    draw = rng("enforcement", "equipment")
    result = []
    for adcode, unit in units().items():
        serial = 0
        for kind, (name, low, high) in EQUIPMENT_KINDS.items():
            for _ in range(int(draw.integers(low, high + 1))):
                serial += 1
                status = str(draw.choice(["in_use", "in_use", "in_use", "in_use", "standby", "repair"]))
                result.append(Equipment(
                    code=f"ZB{adcode}{serial:04d}", kind=kind, name_zh=f"{name}{serial:03d}", unit=unit,
                    status=status, age_days=int(draw.integers(30, 2_900)),
                    lon=round(unit.lon + float(draw.normal(0, 0.002)), 6),
                    lat=round(unit.lat + float(draw.normal(0, 0.0015)), 6),
                ))
    return tuple(result)
