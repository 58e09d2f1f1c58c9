"""The 1,000 sample dangerous-goods vehicles: plates, carriers, goods, tanks.

Carriers are the credit domain's dangerous-goods enterprises (`identities.enterprises_of`), cited by
`enterprise_code`. Goods follow what Jilin's roads carry: refined oil and crude from Jilin
Petrochemical and the Songyuan oilfield (class 3) first, then LPG/LNG and industrial gases (2),
acids and lye (8), oxidizers (5), toxics (6), sulphur (4), environmentally hazardous liquids (9),
blasting explosives for quarries (1) and a few radioactive consignments (7).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from domains.base.measure import rng
from domains.framework.identities import enterprise_code, enterprises_of
from domains.road_transport.vocabulary import PLATE_LETTERS

VEHICLE_COUNT = 1_000

#: Registration prefectures and their share of the fleet.
HOMES: tuple[tuple[str, float], ...] = (
    ("220100", 0.30), ("220200", 0.22), ("220700", 0.14), ("220300", 0.08), ("220400", 0.04),
    ("220500", 0.06), ("220600", 0.04), ("220800", 0.05), ("222400", 0.07),
)

#: (class, share, [(goods name, UN number, vehicle type)])
GOODS: tuple[tuple[str, float, tuple[tuple[str, str, str], ...]], ...] = (
    ("3", 0.52, (("汽油", "UN1203", "tank"), ("柴油", "UN1202", "tank"), ("原油", "UN1267", "tank"),
                 ("甲醇", "UN1230", "tank"), ("乙醇", "UN1170", "tank"))),
    ("2", 0.20, (("液化石油气", "UN1075", "tank"), ("液化天然气", "UN1972", "tank"),
                 ("压缩氧气", "UN1072", "cylinder"), ("液氯", "UN1017", "tank_container"))),
    ("8", 0.10, (("硫酸", "UN1830", "tank"), ("盐酸", "UN1789", "tank"), ("氢氧化钠溶液", "UN1824", "tank"))),
    ("5", 0.05, (("过氧化氢溶液", "UN2014", "tank"), ("硝酸铵", "UN1942", "van"))),
    ("6", 0.04, (("氰化钠", "UN1689", "van"), ("苯酚", "UN2312", "tank_container"))),
    ("4", 0.03, (("硫磺", "UN1350", "van"),)),
    ("9", 0.04, (("危害环境的液态物质", "UN3082", "tank_container"),)),
    ("1", 0.015, (("工业炸药", "UN0241", "van"),)),
    ("7", 0.005, (("放射性物品（例外货包）", "UN2910", "van"),)),
)


@dataclass(frozen=True, slots=True)
class VehicleSpec:
    index: int
    plate: str
    adcode: str
    enterprise_code: str
    goods_class: str
    goods_name_zh: str
    un_number: str
    vehicle_type: str
    tank_capacity_m3: float | None
    approved_load_t: float
    transport_cert_no: str

    def properties(self) -> dict[str, object]:
        return {
            "plate": self.plate, "enterprise_code": self.enterprise_code, "vehicle_type": self.vehicle_type,
            "goods_class": self.goods_class, "un_number": self.un_number, "goods_name_zh": self.goods_name_zh,
            "tank_capacity_m3": self.tank_capacity_m3, "approved_load_t": self.approved_load_t,
            "transport_cert_no": self.transport_cert_no, "adcode": self.adcode,
        }


@cache
def vehicle_specs() -> tuple[VehicleSpec, ...]:
    draw = rng("road_transport", "vehicles")
    serials = draw.choice(10_000, VEHICLE_COUNT, replace=False)
    homes = draw.choice(len(HOMES), VEHICLE_COUNT, p=_shares([share for _, share in HOMES]))
    classes = draw.choice(len(GOODS), VEHICLE_COUNT, p=_shares([share for _, share, _ in GOODS]))
    carriers = enterprises_of("dangerous_goods")
    specs = []
    for i in range(VEHICLE_COUNT):
        adcode = HOMES[int(homes[i])][0]
        goods_class, _, kinds = GOODS[int(classes[i])]
        name, un, vehicle_type = kinds[int(draw.integers(len(kinds)))]
        tank = vehicle_type in ("tank", "tank_container")
        capacity = round(float(draw.uniform(18.0, 40.0)), 1) if tank else None
        load = round(float(draw.uniform(8.0, 32.0)), 1)
        carrier = carriers[int(draw.integers(len(carriers)))]
        specs.append(VehicleSpec(
            i, f"吉{PLATE_LETTERS[adcode]}·D{int(serials[i]):04d}", adcode, enterprise_code(carrier), goods_class,
            name, un, vehicle_type, capacity, load, f"吉字{adcode}{i + 1:06d}"))
    return tuple(specs)


def _shares(values: list[float]) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array / array.sum()
