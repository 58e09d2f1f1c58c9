"""Who handles risks and hazards: the road operators' patrols and maintenance crews (reporting and
rectifying), the prefecture transport bureaus' safety officers (assessing, ordering, accepting) and
their leads (closing). Sample accounts `<role>.<adcode>.<nn>` (`sample_items.account`)."""

from __future__ import annotations

from functools import cache

from domains.base.geography import PREFECTURES
from domains.base.sample_network import prefecture_short_name
from domains.framework.histories import Actor
from domains.framework.sample_items import account

ROLES: dict[str, str] = {
    "hazard_reporter": "隐患排查上报人员",
    "safety_officer": "安全监管人员",
    "safety_lead": "安全监管负责人",
    "rectifier": "整改责任单位人员",
}
_PER_ORG = {"hazard_reporter": 4, "rectifier": 3, "safety_officer": 3, "safety_lead": 1}


def responsible_unit(adcode: str, road_class: str) -> str:
    """The unit that maintains a road of this class in this prefecture (责任单位)."""
    if road_class == "expressway":
        return f"吉林省高速公路集团有限公司{prefecture_short_name(adcode)}分公司"
    name = next(p.name_zh for p in PREFECTURES if p.adcode == adcode)
    return f"{name}公路事业发展中心"


def safety_office(adcode: str) -> str:
    name = next(p.name_zh for p in PREFECTURES if p.adcode == adcode)
    return f"{name}交通运输局"


@cache
def _roster() -> dict[tuple[str, str, str], tuple[Actor, ...]]:
    """(adcode, role, organisation) → actors."""
    table: dict[tuple[str, str, str], tuple[Actor, ...]] = {}
    for p in PREFECTURES:
        serial: dict[str, int] = {}
        orgs = {
            "hazard_reporter": [responsible_unit(p.adcode, c) for c in ("expressway", "national")],
            "rectifier": [responsible_unit(p.adcode, c) for c in ("expressway", "national")],
            "safety_officer": [safety_office(p.adcode)],
            "safety_lead": [safety_office(p.adcode)],
        }
        for role, names in orgs.items():
            for org in names:
                people = []
                for _ in range(_PER_ORG[role]):
                    serial[role] = serial.get(role, 0) + 1
                    people.append(Actor(account(role, p.adcode, serial[role]), org, role))
                table[(p.adcode, role, org)] = tuple(people)
    return table


def actors(adcode: str, role: str, org: str | None = None) -> tuple[Actor, ...]:
    if org is None:
        return tuple(a for (code, r, _), group in _roster().items() if code == adcode and r == role for a in group)
    return _roster()[(adcode, role, org)]


@cache
def roles_of() -> dict[str, str]:
    """Actor id → role."""
    return {a.id: a.role for group in _roster().values() for a in group}
