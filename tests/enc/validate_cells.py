"""Small hand-made cells for the validation tests: GeoDataFrames in a `Cell`, near the Songhua pilot reach.

`clean_cell()` is a valid little chart: data coverage 0.01° × 0.01°, a 0–2 m and a 2–5 m depth
area and land filling it exactly, the three mandatory meta objects. Tests change one thing and
expect exactly the finding of that thing.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from enc_chart.cell import Cell, CellInfo

X0, Y0, SIZE = 126.70, 43.80, 0.01
COVERAGE = box(X0, Y0, X0 + SIZE, Y0 + SIZE)
SHALLOW = box(X0, Y0, X0 + 0.004, Y0 + SIZE)  # 0–2 m
CHANNEL = box(X0 + 0.004, Y0, X0 + 0.007, Y0 + SIZE)  # 2–5 m
LAND = box(X0 + 0.007, Y0, X0 + SIZE, Y0 + SIZE)
_PRIM = {"Point": 1, "MultiPoint": 1, "LineString": 2, "MultiLineString": 2, "Polygon": 3, "MultiPolygon": 3}


def feature(rcid: int, geometry: BaseGeometry | None, **attributes: Any) -> dict[str, Any]:
    prim = _PRIM[geometry.geom_type] if geometry is not None else attributes.pop("PRIM", 3)
    return {"RCID": rcid, "PRIM": prim, "GRUP": 2, "AGEN": 1810, "FIDN": 1000 + rcid, "FIDS": 1,
            "LNAM": f"0712{1000 + rcid:08X}0001", "geometry": geometry, **attributes}


def frame(*rows: dict[str, Any]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(list(rows), geometry="geometry", crs="EPSG:4326")


def clean_layers() -> dict[str, list[dict[str, Any]]]:
    return {
        "M_COVR": [feature(1, COVERAGE, CATCOV="1")],
        "M_NSYS": [feature(2, COVERAGE, MARSYS="1")],
        "M_QUAL": [feature(3, COVERAGE, CATZOC="2")],
        "DEPARE": [feature(10, SHALLOW, DRVAL1=0.0, DRVAL2=2.0, GRUP=1),
                   feature(11, CHANNEL, DRVAL1=2.0, DRVAL2=5.0, GRUP=1)],
        "LNDARE": [feature(12, LAND, GRUP=1)],
    }


def make_cell(layers: dict[str, list[dict[str, Any]]], *, updates: tuple[str, ...] = (), update: int = 0) -> Cell:
    info = CellInfo(name="CN5SHJ01", edition=1, update=update, issue_date=None, updates_applied=updates)
    return Cell(info, {name: frame(*rows) for name, rows in layers.items()})


def clean_cell(**changes: list[dict[str, Any]]) -> Cell:
    """The clean cell with whole layers replaced or added (`DEPARE=[…]`); an empty list drops the layer."""
    layers = clean_layers()
    for name, rows in changes.items():
        if rows:
            layers[name] = rows
        else:
            layers.pop(name, None)
    return make_cell(layers)


def at(dx: float, dy: float) -> Point:
    """A point at (dx, dy) degrees from the cell's south-west corner."""
    return Point(X0 + dx, Y0 + dy)


def span(dx0: float, dx1: float, dy: float) -> LineString:
    return LineString([(X0 + dx0, Y0 + dy), (X0 + dx1, Y0 + dy)])


def area(dx0: float, dy0: float, dx1: float, dy1: float) -> Polygon:
    return box(X0 + dx0, Y0 + dy0, X0 + dx1, Y0 + dy1)
