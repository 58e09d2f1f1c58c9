"""Geometry as read: areas valid (OM-GEOM-INVALID, with GEOS's explanation and the point it names),
lines with at least two distinct points (OM-LINE-DEGENERATE), and every point, line or area
feature with a geometry at all (S-58 12).

These checks see the geometry GDAL assembled. Ring closure, ring orientation and ring nesting
as encoded in the file (S-58 14–17, 80a–c) need the S-57 edge records: see `topology`.
"""

from __future__ import annotations

import re

import shapely
from shapely.geometry.base import BaseGeometry

from enc_chart.cell import Cell
from enc_chart.validate.access import number
from enc_chart.validate.finding import Finding, feature_ref, finding

_AT = re.compile(r"\[\s*(-?[0-9.eE+-]+)\s+(-?[0-9.eE+-]+)")
_PRIMITIVE = {1: "点 point", 2: "线 line", 3: "面 area"}


def _reason_point(reason: str) -> tuple[float, float] | None:
    match = _AT.search(reason)
    return (float(match.group(1)), float(match.group(2))) if match else None


def _degenerate(geometry: BaseGeometry) -> bool:
    for part in shapely.get_parts(geometry):
        coords = shapely.get_coordinates(part)
        if len({(float(x), float(y)) for x, y in coords}) < 2:
            return True
    return False


def check_geometry(cell: Cell) -> list[Finding]:
    out = []
    for acronym, frame in cell.layers.items():
        if not len(frame) or "geometry" not in frame:
            continue
        for _, row in frame.iterrows():
            geometry = row.geometry
            prim = number(row.get("PRIM"))
            if geometry is None or geometry.is_empty:
                if prim in _PRIMITIVE:
                    ref = feature_ref(acronym, row)
                    kind = _PRIMITIVE[int(prim)]
                    out.append(finding("12", f"{ref.label}（{kind.split()[0]}）没有几何",
                                       f"{ref.label} ({kind.split()[1]}) has no geometry", feature=ref))
                continue
            kind = geometry.geom_type
            if kind in ("LineString", "MultiLineString") and _degenerate(geometry):
                ref = feature_ref(acronym, row)
                out.append(finding("OM-LINE-DEGENERATE", f"{ref.label} 的线少于两个不同的点",
                                   f"{ref.label}: a line with fewer than two distinct points", feature=ref))
            elif kind in ("Polygon", "MultiPolygon") and not geometry.is_valid:
                ref = feature_ref(acronym, row)
                reason = shapely.is_valid_reason(geometry)
                out.append(finding("OM-GEOM-INVALID", f"{ref.label} 的几何无效：{reason}",
                                   f"{ref.label} has an invalid geometry: {reason}", feature=ref,
                                   at=_reason_point(reason) or geometry))
    return out
