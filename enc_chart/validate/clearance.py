"""Vertical clearance of structures over water (S-58 507: mandatory clearance attribute missing).

Bridges, overhead cables, overhead pipelines and conveyors (IHO and Inland ENC classes) that lie
over navigable water must carry VERCLR; an opening bridge (CATBRG 2 opening, 3 swing, 4 lifting,
5 bascule, 7 drawbridge) may give its clearances closed/open instead (VERCCL, VERCOP). "Over
navigable water" means reaching into a depth area or dredged area (not merely touching its edge):
a bridge over a river drawn on land (RIVERS on LNDARE, as in S-58 dataset AA400001) is not
checked, nor is any structure of a cell without depth areas (IENC portrayal test cells such as
5I7IENC1 draw a bridge and no water): whether it spans navigable water cannot be told.

S-57 accepts a clearance encoded with an empty value ("unknown"): that satisfies 507 but leaves the
route check without a clearance, so it is reported as the warning OM-VALUE-UNKNOWN (needs the
file's own records, `encoded`).
"""

from __future__ import annotations

import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from enc_chart.cell import Cell
from enc_chart.validate.access import codes, frames, is_area, present
from enc_chart.validate.encoded import Encoded
from enc_chart.validate.finding import FeatureRef, Finding, feature_ref, finding

STRUCTURES = ("BRIDGE", "bridge", "CBLOHD", "cblohd", "PIPOHD", "pipohd", "CONVYR", "convyr")
WATER = ("DEPARE", "depare", "DRGARE")
OPENING_BRIDGE = {"2", "3", "4", "5", "7"}
_NAMES = {"BRIDGE": ("桥梁", "bridge"), "CBLOHD": ("架空电缆", "overhead cable"),
          "PIPOHD": ("架空管道", "overhead pipeline"), "CONVYR": ("传送带", "conveyor")}


def _water(cell: Cell) -> list[BaseGeometry]:
    areas = [geom for _, frame in frames(cell, WATER) for geom in frame.geometry if is_area(geom)]
    return [geom if geom.is_valid else shapely.make_valid(geom) for geom in areas]


def _over(geometry: BaseGeometry, water: list[BaseGeometry], tree: shapely.STRtree) -> bool:
    """True when the structure reaches into the water (interiors meet), not only along its edge."""
    return any(not geometry.touches(water[i]) for i in tree.query(geometry, predicate="intersects"))


def _opening(acronym: str, row: pd.Series, ref: FeatureRef, encoded: Encoded | None) -> bool:
    if acronym.upper() != "BRIDGE":
        return False
    categories = codes(row.get("CATBRG")) | codes(row.get("catbrg"))
    if encoded is not None:  # GDAL drops CATBRG on the inland class, whose table binds `catbrg`
        categories |= codes(encoded.value(ref.rcid, "CATBRG")) | codes(encoded.value(ref.rcid, "catbrg"))
    return bool(categories & OPENING_BRIDGE)


def check_clearance(cell: Cell, encoded: Encoded | None = None) -> list[Finding]:
    water = _water(cell)
    if not water:
        return []
    tree = shapely.STRtree(water)
    out = []
    for acronym, frame in frames(cell, STRUCTURES):
        zh, en = _NAMES[acronym.upper()]
        for _, row in frame.iterrows():
            geometry = row.geometry
            if geometry is None or geometry.is_empty:
                continue
            if not _over(geometry, water, tree):
                continue  # over land: no navigation under it
            ref = feature_ref(acronym, row)
            opening = _opening(acronym, row, ref, encoded)
            wanted = ("VERCLR", "VERCCL", "VERCOP") if opening else ("VERCLR",)
            if any(present(row.get(name)) for name in wanted):
                continue
            if encoded is not None and any(encoded.has(ref.rcid, name) for name in wanted):
                out.append(finding("OM-VALUE-UNKNOWN", f"水上{zh} {ref.label} 的垂直净空编码为未知（空值）",
                                   f"{ref.label} ({en}) over water has its vertical clearance encoded as unknown "
                                   "(empty value)", feature=ref))
            elif opening:
                out.append(finding("507", f"开启桥 {ref.label} 缺少净空（VERCLR 或 VERCCL/VERCOP）",
                                   f"opening bridge {ref.label} has no vertical clearance (VERCLR or VERCCL/VERCOP)",
                                   feature=ref))
            else:
                out.append(finding("507", f"水上{zh} {ref.label} 缺少垂直净空 VERCLR",
                                   f"{ref.label} ({en}) over water has no vertical clearance VERCLR", feature=ref))
    return out
