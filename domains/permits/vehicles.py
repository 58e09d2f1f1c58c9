"""Oversize vehicles of the permit samples: who applies, which plates, what they carry, how big.

Applicants are 60 freight enterprises of the shared enterprise register (`identities`, kind
`freight`), cited by their unified social credit code. Plates are Jilin plates, unique per
application (duplicates and repeat trips reuse their first application's plate). Dimensions are
drawn per cargo and then kept under the weakest bridge and the lowest clearance of the route —
or, for the deliberate failures, above them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from domains.base.measure import rng
from domains.framework.identities import enterprise_code, enterprises_of

APPLICANT_COUNT = 60
PLATE_PREFIXES = ("吉A", "吉B", "吉C", "吉D", "吉E", "吉F", "吉G", "吉H", "吉J")
PLATE_WEIGHTS = (0.34, 0.16, 0.1, 0.06, 0.07, 0.04, 0.06, 0.1, 0.07)
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class Cargo:
    name_zh: str
    weight_t: tuple[float, float]
    height_m: tuple[float, float]
    width_m: tuple[float, float]
    length_m: tuple[float, float]
    axles: tuple[int, int]


CARGOES: tuple[Cargo, ...] = (
    Cargo("电力变压器", (38, 90), (3.6, 4.4), (3.0, 3.8), (16, 24), (8, 14)),
    Cargo("风电叶片", (18, 32), (3.6, 4.3), (3.0, 4.2), (55, 88), (6, 8)),
    Cargo("风电塔筒", (35, 70), (4.0, 4.4), (4.0, 4.8), (25, 38), (8, 12)),
    Cargo("履带式挖掘机", (32, 60), (3.4, 3.9), (3.0, 3.4), (14, 18), (6, 9)),
    Cargo("预制箱梁", (40, 95), (3.5, 4.2), (2.8, 3.5), (30, 42), (8, 13)),
    Cargo("发电机定子", (45, 120), (3.8, 4.4), (3.2, 4.0), (16, 22), (10, 16)),
    Cargo("化工塔器", (25, 60), (4.0, 4.4), (4.2, 5.0), (30, 45), (6, 10)),
    Cargo("盾构机部件", (40, 85), (3.6, 4.4), (3.4, 4.2), (16, 20), (8, 12)),
    Cargo("大型压路机", (20, 35), (3.3, 3.8), (2.8, 3.3), (12, 16), (4, 6)),
)
HEAVY_CARGOES = ("电力变压器", "发电机定子", "预制箱梁", "盾构机部件")
TALL_CARGOES = ("风电塔筒", "化工塔器")


@dataclass(frozen=True, slots=True)
class Vehicle:
    applicant_code: str
    plate: str
    trailer_plate: str
    cargo_zh: str
    axles: int
    gross_weight_t: float
    height_m: float
    width_m: float
    length_m: float


@cache
def applicants() -> tuple[str, ...]:
    numbers = rng("permits", "applicants").choice(np.array(enterprises_of("freight")), APPLICANT_COUNT,
                                                   replace=False)
    return tuple(enterprise_code(int(n)) for n in sorted(numbers))


@cache
def plates(count: int) -> tuple[tuple[str, str], ...]:
    """`count` distinct (tractor plate, trailer plate) pairs."""
    draw = rng("permits", "plates")
    seen: set[str] = set()
    result = []
    while len(result) < count:
        prefix = PLATE_PREFIXES[int(draw.choice(len(PLATE_PREFIXES), p=PLATE_WEIGHTS))]
        letter = PLATE_LETTERS[int(draw.integers(len(PLATE_LETTERS)))]
        plate = f"{prefix}{letter}{int(draw.integers(0, 10_000)):04d}"
        if plate in seen:
            continue
        seen.add(plate)
        result.append((plate, f"{prefix}{int(draw.integers(0, 10_000)):04d}挂"))
    return tuple(result)


def _floor(value: float, step: float) -> float:
    return round(math.floor(value / step + 1e-9) * step, 2)


def _ceil(value: float, step: float) -> float:
    return round(math.ceil(value / step - 1e-9) * step, 2)


def draw_vehicle(draw: np.random.Generator, plate: tuple[str, str], applicant: str, *, load_limit_t: float,
                 clearance_m: float, overweight_by: float = 0.0, overheight_by: float = 0.0) -> Vehicle:
    """A vehicle within `load_limit_t` and `clearance_m` (by a small margin), or above the one
    limit it is asked to exceed by the given amount."""
    names = HEAVY_CARGOES if overweight_by else TALL_CARGOES if overheight_by else [c.name_zh for c in CARGOES]
    chosen = str(draw.choice(names))
    cargo = next(c for c in CARGOES if c.name_zh == chosen)
    weight = float(draw.uniform(*cargo.weight_t))
    height = float(draw.uniform(*cargo.height_m))
    if overweight_by:
        weight = _ceil(load_limit_t + overweight_by, 0.1)
    else:
        weight = _floor(min(weight, load_limit_t - float(draw.uniform(0.5, 5.0))), 0.1)
    if overheight_by:
        height = _ceil(clearance_m + overheight_by, 0.01)
    else:
        height = _floor(min(height, clearance_m - float(draw.uniform(0.1, 0.4))), 0.01)
    return Vehicle(
        applicant_code=applicant, plate=plate[0], trailer_plate=plate[1], cargo_zh=cargo.name_zh,
        axles=int(draw.integers(cargo.axles[0], cargo.axles[1] + 1)), gross_weight_t=weight, height_m=height,
        width_m=_floor(float(draw.uniform(*cargo.width_m)), 0.01),
        length_m=_floor(float(draw.uniform(*cargo.length_m)), 0.1),
    )
