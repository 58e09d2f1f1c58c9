"""Identities shared by the sample data of several domains, so that their records cite each other.

The credit domain's 3,000 enterprises (企业) are numbered 0…2,999; every domain that cites an
enterprise (a case, a dangerous-goods carrier, a construction contractor, a permit applicant)
derives the same unified social credit code (统一社会信用代码) and the same kind from the number.
"""

from __future__ import annotations

from typing import Literal

ENTERPRISE_COUNT = 3_000

EnterpriseKind = Literal["dangerous_goods", "passenger", "freight", "construction", "waterway", "repair"]

#: Enterprise numbers by kind: [start, stop) ranges.
KIND_RANGES: dict[EnterpriseKind, tuple[int, int]] = {
    "dangerous_goods": (0, 300),
    "passenger": (300, 600),
    "freight": (600, 2_200),
    "construction": (2_200, 2_500),
    "waterway": (2_500, 2_700),
    "repair": (2_700, 3_000),
}

_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 character set
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def enterprise_kind(number: int) -> EnterpriseKind:
    for kind, (start, stop) in KIND_RANGES.items():
        if start <= number < stop:
            return kind
    raise ValueError(f"enterprise number {number} is outside 0…{ENTERPRISE_COUNT - 1}")


def enterprises_of(kind: EnterpriseKind) -> range:
    start, stop = KIND_RANGES[kind]
    return range(start, stop)


def enterprise_code(number: int, adcode: str = "220100") -> str:
    """The enterprise's 18-character unified social credit code (GB 32100-2015, check digit valid):
    registration authority 9 (工商), kind 1 (企业), the prefecture's division code, a 9-character
    organisation code derived from the number, and the check character."""
    enterprise_kind(number)
    body = f"91{adcode}" + f"{(number * 7_919 + 10_000_019) % 1_000_000_000:09d}"
    total = sum(_CODE_CHARS.index(ch) * w for ch, w in zip(body, _WEIGHTS, strict=True))
    return body + _CODE_CHARS[(31 - total % 31) % 31]
