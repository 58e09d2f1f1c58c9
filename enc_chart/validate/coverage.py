"""Skin of the earth: the Group 1 areas cover the data coverage with no gap (S-58 519a) and no overlap (519b).

Group 1 are the area features of DEPARE, DRGARE, FLODOC, HULKES, LNDARE, PONTON, UNSARE and the
inland `depare` (Inland ENC Product Specification 2.5, 3.10.1, which adds: "flodoc, hulkes and
ponton are not Group 1 features"), and of any other class the file puts in group 1 (FRID
GRUP = 1). The data coverage is the union of the M_COVR areas with CATCOV = 1. Gaps and overlaps
thinner than `tolerance_m` or smaller than `min_area_m2` are rounding, not findings. S-58 check
42 (each Group 1 edge inside the coverage shared by two Group 1 areas with opposite ORNT) is the
edge-level form of the same rule; a hole or an overlap it finds shows here as 519a or 519b.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from enc_chart.cell import Cell
from enc_chart.validate.access import area_m2, codes, is_area, metres_to_degrees, number
from enc_chart.validate.finding import FeatureRef, Finding, feature_ref, finding

GROUP1 = ("DEPARE", "depare", "DRGARE", "FLODOC", "HULKES", "LNDARE", "PONTON", "UNSARE")
TOLERANCE_M = 0.5
MIN_AREA_M2 = 1.0


def _valid(geometry: BaseGeometry) -> BaseGeometry:
    return geometry if geometry.is_valid else shapely.make_valid(geometry)


def group1_areas(cell: Cell) -> list[tuple[FeatureRef, BaseGeometry]]:
    out = []
    for acronym, frame in cell.layers.items():
        if not len(frame) or "geometry" not in frame:
            continue
        if acronym not in GROUP1:
            if "GRUP" not in frame:
                continue
            frame = frame[frame["GRUP"].map(number) == 1]
        for _, row in frame.iterrows():
            if is_area(row.geometry):
                out.append((feature_ref(acronym, row), _valid(row.geometry)))
    return out


def coverage_areas(cell: Cell) -> list[tuple[FeatureRef, BaseGeometry]]:
    frame = cell.layers.get("M_COVR", gpd.GeoDataFrame())
    return [(feature_ref("M_COVR", row), _valid(row.geometry)) for _, row in frame.iterrows()
            if is_area(row.geometry) and "1" in codes(row.get("CATCOV"))]


def _significant(part: BaseGeometry, shrink: float, min_area_m2: float) -> bool:
    """Larger than the minimum area and not a sliver thinner than the tolerance."""
    return area_m2(part) >= min_area_m2 and not part.buffer(-shrink).is_empty


def _polygons(geometry: BaseGeometry) -> list[BaseGeometry]:
    parts = shapely.get_parts(geometry)
    return [p for p in parts if p.geom_type == "Polygon"] + [
        q for p in parts if p.geom_type in ("MultiPolygon", "GeometryCollection") for q in _polygons(p)]


def check_coverage(cell: Cell, *, tolerance_m: float = TOLERANCE_M, min_area_m2: float = MIN_AREA_M2) -> list[Finding]:
    areas = group1_areas(cell)
    coverage = coverage_areas(cell)
    if not coverage:
        return []  # no data coverage to fill: check 505 reports a missing M_COVR
    lat = shapely.centroid(shapely.union_all([g for _, g in coverage])).y
    shrink = metres_to_degrees(tolerance_m, lat)
    return _gaps(areas, coverage, shrink, min_area_m2) + _overlaps(areas, shrink, min_area_m2)


def _gaps(areas: list[tuple[FeatureRef, BaseGeometry]], coverage: list[tuple[FeatureRef, BaseGeometry]],
          shrink: float, min_area_m2: float) -> list[Finding]:
    water_and_land = shapely.union_all([g for _, g in areas]) if areas else shapely.Polygon()
    out = []
    for ref, cover in coverage:
        for part in _polygons(cover.difference(water_and_land)):
            if not _significant(part, shrink, min_area_m2):
                continue
            size = area_m2(part)
            out.append(finding(
                "519a", f"数据覆盖范围（M_COVR CATCOV=1）内约 {size:,.0f} m² 未被水深区、陆地等第一组要素覆盖",
                f"about {size:,.0f} m² of the data coverage (M_COVR CATCOV=1) is covered by no Group 1 "
                "feature (depth area, land area …)", feature=ref, at=part))
    return out


def _overlaps(areas: list[tuple[FeatureRef, BaseGeometry]], shrink: float, min_area_m2: float) -> list[Finding]:
    if len(areas) < 2:
        return []
    geoms = [g for _, g in areas]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    out = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        common = [p for p in _polygons(geoms[i].intersection(geoms[j])) if _significant(p, shrink, min_area_m2)]
        if not common:
            continue
        overlap = shapely.union_all(common)
        size = area_m2(overlap)
        (a, _), (b, _) = areas[i], areas[j]
        out.append(finding(
            "519b", f"{a.label} 与 {b.label} 重叠约 {size:,.0f} m²",
            f"{a.label} overlaps {b.label} by about {size:,.0f} m²", feature=a, at=overlap))
    return out
