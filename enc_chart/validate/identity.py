"""Feature object identifiers (FOID = AGEN, FIDN, FIDS): S-58 560a and 560b.

Several feature records may share one FOID only as parts of one object: same class, same
attribute values (560a), and all lines or all areas — never points, never mixed (560b). A
multipoint sounding that GDAL splits into points is one record (one RCID), not several.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from enc_chart.cell import Cell
from enc_chart.validate.access import number, present
from enc_chart.validate.finding import FeatureRef, Finding, feature_ref, finding

_IDENTITY = {"RCID", "PRIM", "GRUP", "OBJL", "RVER", "AGEN", "FIDN", "FIDS", "LNAM", "LNAM_REFS", "FFPT_RIND",
             "DEPTH", "geometry"}
_PRIMITIVES = {1: ("点", "point"), 2: ("线", "line"), 3: ("面", "area")}


def _attributes(row: pd.Series) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in row.items() if k not in _IDENTITY and present(v)))


def check_identifiers(cell: Cell) -> list[Finding]:
    records: dict[str, list[tuple[FeatureRef, int | None, tuple[tuple[str, str], ...]]]] = defaultdict(list)
    for acronym, frame in cell.layers.items():
        if not len(frame) or "FIDN" not in frame:
            continue
        for _, row in frame.drop_duplicates(subset=["RCID"] if "RCID" in frame else None).iterrows():
            ref = feature_ref(acronym, row)
            if ref.foid is not None:
                prim = number(row.get("PRIM"))
                records[ref.foid].append((ref, int(prim) if prim is not None else None, _attributes(row)))
    out = []
    for foid, shared in records.items():
        if len(shared) < 2:
            continue
        first, _, first_attributes = shared[0]
        others = ", ".join(f"{ref.object_class} RCID {ref.rcid}" for ref, _, _ in shared[1:])
        if any(ref.object_class != first.object_class or attributes != first_attributes
               for ref, _, attributes in shared[1:]):
            out.append(finding("560a", f"FOID {foid} 由多个类别或属性不同的要素共用（{first.label} 与 {others}）",
                               f"FOID {foid} is shared by features of different class or attributes "
                               f"({first.label} and {others})", feature=first))
        primitives = sorted({prim or 0 for _, prim, _ in shared})
        if 1 in primitives or len(primitives) > 1:
            zh = "、".join(_PRIMITIVES.get(p, ("?", "?"))[0] for p in primitives)
            en = ", ".join(_PRIMITIVES.get(p, ("?", "?"))[1] for p in primitives)
            out.append(finding("560b", f"FOID {foid} 由{zh}要素共用（{first.label} 与 {others}）",
                               f"FOID {foid} is shared by {en} features ({first.label} and {others})", feature=first))
    return out
