"""The 3,000 sample enterprises (企业) as every domain sees them: number, code, name, kind, place.

Identity only, independent of the sample time: the unified social credit code is
`domains.framework.identities.enterprise_code(n)` (its default registration division, as every
domain derives it), so a case, a contract section, a vehicle or a credit event that cites
enterprise number n cites the same code.
Locations are near county seats of the prefecture (weighted by population; waterway carriers on
the Songhua and border rivers), and the adcode is the prefecture polygon that contains the point.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from domains.base import sample_dir
from domains.base.features import read_collection
from domains.base.geography import PLACES, PREFECTURES, Place
from domains.base.measure import rng
from domains.base.sample_network import prefecture_short_name
from domains.framework.identities import ENTERPRISE_COUNT, EnterpriseKind, enterprise_code, enterprise_kind

KIND_LABELS: dict[EnterpriseKind, str] = {
    "dangerous_goods": "危险货物道路运输企业",
    "passenger": "道路旅客运输企业",
    "freight": "道路货物运输企业",
    "construction": "公路建设从业单位",
    "waterway": "水路运输企业",
    "repair": "机动车维修企业",
}

_SUFFIXES: dict[EnterpriseKind, tuple[str, ...]] = {
    "dangerous_goods": ("危险货物运输有限公司", "化工物流有限公司", "危险品运输有限责任公司"),
    "passenger": ("客运有限责任公司", "旅游客运有限公司", "公路客运集团有限公司"),
    "freight": ("物流有限公司", "货物运输有限公司", "运输有限责任公司", "供应链管理有限公司"),
    "construction": ("路桥工程有限公司", "公路工程有限责任公司", "交通建设集团有限公司", "市政路桥有限公司"),
    "waterway": ("航运有限公司", "船务有限公司"),
    "repair": ("汽车维修服务有限公司", "机动车修理有限公司", "汽车服务有限公司"),
}

#: Characters trade names (字号) are made of: two different ones give 60 × 59 names.
_TRADE = ("宏通顺安达鑫恒盛泰华远祥瑞兴隆昌德信诚利丰源广嘉凯旭晨辰路运"
          "捷驰畅新正金银吉福康宇博星海天鼎永中长东北松江龙鹏骏豪建立启")
_STREETS = ("人民大街", "解放大路", "建设街", "胜利路", "工业路", "站前路", "新华路", "长江路", "光明街",
            "繁荣路", "兴业街", "迎宾路", "开发区大街", "物流园路", "松江路", "北京大街")

#: Where waterway carriers sit: river ports (prefecture adcodes).
_WATERWAY_PREFECTURES = {"220200": 0.45, "220700": 0.3, "222400": 0.1, "220500": 0.08, "220600": 0.07}


@dataclass(frozen=True, slots=True)
class Enterprise:
    number: int
    credit_code: str
    name_zh: str
    kind: EnterpriseKind
    adcode: str
    place_zh: str
    address: str
    lon: float
    lat: float


def short_name(adcode: str) -> str:
    """The prefecture's name as it begins a company name: 长春, 吉林, …, 延边."""
    return prefecture_short_name(adcode)


@cache
def _prefecture_polygons() -> tuple[tuple[str, BaseGeometry], ...]:
    result = tuple((f["properties"]["adcode"], shape(f["geometry"]))
                   for f in read_collection(sample_dir() / "prefectures.geojson"))
    shapely.prepare([polygon for _, polygon in result])
    return result


def adcodes_at(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The adcode of the stored prefecture polygon containing each point ("" outside them all)."""
    result = np.full(len(lon), "", dtype=object)
    for adcode, polygon in _prefecture_polygons():
        inside = shapely.contains_xy(polygon, lon, lat)
        result[inside & (result == "")] = adcode
    return result


def _trade_names(count: int) -> list[str]:
    pairs = [a + b for a in _TRADE for b in _TRADE if a != b]
    order = rng("credit", "trade-names").permutation(len(pairs))[:count]
    return [pairs[i] for i in order]


def _prefecture_of(draw: np.random.Generator, kinds: list[EnterpriseKind]) -> np.ndarray:
    codes = np.array([p.adcode for p in PREFECTURES])
    population = np.array([p.population for p in PREFECTURES])
    general = population / population.sum()
    water = np.array([_WATERWAY_PREFECTURES.get(c, 0.0) for c in codes])
    picks = draw.random(len(kinds))
    result = np.empty(len(kinds), dtype=object)
    for i, kind in enumerate(kinds):
        weights = water if kind == "waterway" else general
        result[i] = codes[min(int(np.searchsorted(np.cumsum(weights), picks[i] * weights.sum())), len(codes) - 1)]
    return result


def _place_in(draw: np.random.Generator, adcode: str) -> Place:
    places = [p for p in PLACES if p.adcode == adcode]
    weights = np.array([4.0] + [1.0] * (len(places) - 1))  # the seat is listed first
    return places[int(draw.choice(len(places), p=weights / weights.sum()))]


@cache
def enterprises() -> tuple[Enterprise, ...]:
    """All 3,000 enterprises, by number."""
    draw = rng("credit", "enterprises")
    kinds = [enterprise_kind(n) for n in range(ENTERPRISE_COUNT)]
    adcodes = _prefecture_of(draw, kinds)
    places = [_place_in(draw, str(a)) for a in adcodes]
    lon = np.array([p.lon for p in places]) + draw.normal(0.0, 0.025, ENTERPRISE_COUNT)
    lat = np.array([p.lat for p in places]) + draw.normal(0.0, 0.018, ENTERPRISE_COUNT)
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    found = adcodes_at(lon, lat)
    moved = found != adcodes  # jittered across a prefecture edge (or the border): stand at the place
    lon[moved] = [p.lon for p, m in zip(places, moved, strict=True) if m]
    lat[moved] = [p.lat for p, m in zip(places, moved, strict=True) if m]
    trades = _trade_names(ENTERPRISE_COUNT)
    suffix_pick = draw.integers(0, 12, ENTERPRISE_COUNT)
    street_pick = draw.integers(0, len(_STREETS), ENTERPRISE_COUNT)
    house = draw.integers(1, 1_600, ENTERPRISE_COUNT)
    result = []
    for n in range(ENTERPRISE_COUNT):
        adcode, place, kind = str(adcodes[n]), places[n], kinds[n]
        suffixes = _SUFFIXES[kind]
        prefix = "吉林省" if kind == "construction" and n % 3 == 0 else short_name(adcode)
        prefecture_zh = next(p.name_zh for p in PREFECTURES if p.adcode == adcode)
        town = "" if place is places_seat(adcode) else place.name_zh
        result.append(Enterprise(
            number=n, credit_code=enterprise_code(n),
            name_zh=f"{prefix}{trades[n]}{suffixes[int(suffix_pick[n]) % len(suffixes)]}",
            kind=kind, adcode=adcode, place_zh=place.name_zh,
            address=f"吉林省{prefecture_zh}{town}{_STREETS[int(street_pick[n])]}{int(house[n])}号",
            lon=float(lon[n]), lat=float(lat[n]),
        ))
    return tuple(result)


def places_seat(adcode: str) -> Place:
    """The prefecture's seat among the places (listed first)."""
    return next(p for p in PLACES if p.adcode == adcode)


def enterprise(number: int) -> Enterprise:
    return enterprises()[number]


@cache
def by_code() -> dict[str, Enterprise]:
    return {e.credit_code: e for e in enterprises()}
