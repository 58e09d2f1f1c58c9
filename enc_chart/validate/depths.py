"""Depths: each depth area's range is sound (DRVAL1 given and below DRVAL2: OM-DRVAL; equal:
OM-DRVAL-EQUAL; encoded empty, i.e. unknown: OM-VALUE-UNKNOWN), and each sounding agrees with the
depth area it lies in (S-58 1768: not shoaler than DRVAL1; 1769: not deeper than DRVAL2 unless
EXPSOU = 3 "deeper than the range").

A sounding on the boundary of two depth areas agrees if it agrees with either. Dredged areas
(DRGARE) bound soundings from above only (DRVAL1 is the dredged depth; deeper water is normal).
A sounding with EXPSOU = 2 ("shoaler than the range") is declared shoal on purpose and not
reported by 1768. `tolerance_m` absorbs rounding of depths to the chart's resolution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from enc_chart.cell import Cell
from enc_chart.validate.access import codes, frames, is_area, number
from enc_chart.validate.encoded import Encoded
from enc_chart.validate.finding import FeatureRef, Finding, feature_ref, finding

DEPTH_AREAS = ("DEPARE", "depare", "DRGARE")
TOLERANCE_M = 0.01


def check_depth_ranges(cell: Cell, encoded: Encoded | None = None) -> list[Finding]:
    """DRVAL1 given and not above DRVAL2; DRVAL1 encoded empty ("unknown", `encoded`) is a warning."""
    out = []
    for acronym, frame in frames(cell, DEPTH_AREAS):
        for _, row in frame.iterrows():
            ref = feature_ref(acronym, row)
            low, high = number(row.get("DRVAL1")), number(row.get("DRVAL2"))
            if low is None and encoded is not None and encoded.has(ref.rcid, "DRVAL1"):
                out.append(finding("OM-VALUE-UNKNOWN", f"{ref.label} 的 DRVAL1 编码为未知（空值）",
                                   f"{ref.label} has DRVAL1 encoded as unknown (empty value)", feature=ref))
            elif low is None:
                out.append(finding("OM-DRVAL", f"{ref.label} 缺少 DRVAL1（深度范围下限）",
                                   f"{ref.label} has no DRVAL1 (shoal end of its depth range)", feature=ref))
            elif high is not None and low > high:
                out.append(finding("OM-DRVAL", f"{ref.label} 的 DRVAL1 {low:g} m 大于 DRVAL2 {high:g} m",
                                   f"{ref.label}: DRVAL1 {low:g} m is greater than DRVAL2 {high:g} m", feature=ref))
            elif high is not None and low == high:
                out.append(finding("OM-DRVAL-EQUAL", f"{ref.label} 的 DRVAL1 与 DRVAL2 相同（{low:g} m）",
                                   f"{ref.label}: DRVAL1 equals DRVAL2 ({low:g} m)", feature=ref))
    return out


Area = tuple[FeatureRef, BaseGeometry, float, float | None]  # feature, geometry, DRVAL1, upper bound


def _depth_areas(cell: Cell) -> list[Area]:
    out = []
    for acronym, frame in frames(cell, DEPTH_AREAS):
        for _, row in frame.iterrows():
            low = number(row.get("DRVAL1"))
            if is_area(row.geometry) and low is not None:
                high = None if acronym == "DRGARE" else number(row.get("DRVAL2"))
                shape = row.geometry if row.geometry.is_valid else shapely.make_valid(row.geometry)
                out.append((feature_ref(acronym, row), shape, low, high))
    return out


def _depth(row: pd.Series) -> float | None:
    depth = number(row.get("DEPTH"))
    geometry = row.geometry
    if depth is None and geometry is not None and geometry.has_z:
        depth = float(shapely.get_coordinates(geometry, include_z=True)[0][2])
    return depth


def check_soundings(cell: Cell, *, tolerance_m: float = TOLERANCE_M) -> list[Finding]:
    soundings = cell.layers.get("SOUNDG")
    areas = _depth_areas(cell)
    if soundings is None or not len(soundings) or not areas:
        return []
    tree = shapely.STRtree([a[1] for a in areas])
    points = soundings.geometry.to_numpy()
    hits = tree.query(points, predicate="intersects")
    containing: dict[int, list[int]] = {}
    for point_index, area_index in zip(hits[0].tolist(), hits[1].tolist(), strict=True):
        containing.setdefault(point_index, []).append(area_index)
    out = []
    for point_index, area_indexes in containing.items():
        row = soundings.iloc[point_index]
        depth = _depth(row)
        if depth is None:
            continue
        problem = _disagreement(depth, [areas[i] for i in area_indexes], codes(row.get("EXPSOU")), tolerance_m)
        if problem is not None:
            check_id, area, bound = problem
            out.append(_sounding_finding(check_id, feature_ref("SOUNDG", row), depth, area, bound))
    return out


def _disagreement(depth: float, areas: list[Area], expsou: set[str],
                  tolerance_m: float) -> tuple[str, FeatureRef, float] | None:
    """None when the sounding agrees with one of the areas holding it, else (check, area, bound)."""
    problems = []
    for ref, _, low, high in areas:
        if depth < low - tolerance_m:
            if "2" in expsou:
                return None
            problems.append(("1768", ref, low))
        elif high is not None and depth > high + tolerance_m:
            if "3" in expsou:
                return None
            problems.append(("1769", ref, high))
        else:
            return None
    return problems[int(np.argmin([abs(depth - bound) for _, _, bound in problems]))] if problems else None


def _sounding_finding(check_id: str, sounding: FeatureRef, depth: float, area: FeatureRef, bound: float) -> Finding:
    if check_id == "1768":
        return finding("1768", f"水深点 {depth:g} m 浅于所在 {area.label} 的 DRVAL1 {bound:g} m",
                       f"sounding of {depth:g} m is shoaler than DRVAL1 {bound:g} m of its {area.label}",
                       feature=sounding)
    return finding("1769", f"水深点 {depth:g} m 深于所在 {area.label} 的 DRVAL2 {bound:g} m（未标 EXPSOU=3）",
                   f"sounding of {depth:g} m is deeper than DRVAL2 {bound:g} m of its {area.label} "
                   "(EXPSOU is not 3)", feature=sounding)
