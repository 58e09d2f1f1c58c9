"""Vehicle number plates (机动车号牌, GA 36): checking and writing them one way.

A plate is the province's one-character abbreviation, the issuing authority's letter, a middle dot
and five characters (letters without I and O, or digits; the last may be 挂 for a trailer, 学, 警 …),
or six for new-energy plates (D/F first or last). Reports arrive written many ways (`吉A12345`,
`吉a·12345`, `吉A-12345`); `normalize_plate` returns the one form stored, `吉A·12345`, or None.
"""

from __future__ import annotations

import re
from functools import lru_cache

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"
_SEPARATORS = re.compile(r"[\s·•・.\-]")
_ORDINARY = re.compile(rf"^([{PROVINCES}])([{_LETTER}])([{_LETTER}0-9]{{4}}[{_LETTER}0-9挂学警港澳领试超])$")
_NEW_ENERGY = re.compile(rf"^([{PROVINCES}])([{_LETTER}])([DF][{_LETTER}0-9][0-9]{{4}}|[0-9]{{5}}[DF])$")

#: Longest stored plate (province + letter + dot + six characters).
MAX_PLATE_LENGTH = 9


@lru_cache(maxsize=65_536)
def normalize_plate(raw: str) -> str | None:
    """The stored form of a plate (`吉A·D1234`), or None when it is not a valid plate."""
    text = _SEPARATORS.sub("", raw).upper()
    match = _ORDINARY.match(text) or _NEW_ENERGY.match(text)
    if match is None:
        return None
    province, letter, rest = match.groups()
    return f"{province}{letter}·{rest}"
