"""Depth areas, contours, soundings, land and shoreline from the survey raster (rasterio).

Every water cell of the survey gets the index of its depth band (DRVAL1 ≤ depth < DRVAL2),
every land cell inside the chart's coverage a land class; specks of fewer than `SIEVE_CELLS`
cells are sieved into their water neighbours; `rasterio.features.shapes` turns the classes into
polygons that tile the coverage exactly, and `shapely.coverage_simplify` straightens the cell
staircase while keeping shared edges shared (no gap, no overlap). From that one coverage come:
DEPARE (the water polygons), LNDARE (the land polygons), M_COVR (their union), DEPCNT (the
edges between bands, VALDCO = the limit between them), COALNE (the edges between land and
water). Soundings keep the shallowest depth of each grid square (`sounding_cell_m`), away from
the water's edge, taking the shallowest that agrees with the depth area it ends up in.

May import: `enc_chart.pilot.reach`, `enc_chart.pilot.settings`, `enc_chart.pilot.survey`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from rasterio.features import rasterize, shapes, sieve
from shapely.geometry import shape

from enc_chart.errors import ChartInputError
from enc_chart.pilot.reach import Reach
from enc_chart.pilot.settings import PilotSettings

LAND = 100
SIEVE_CELLS = 24
#: Soundings keep this far (m) from the water's edge.
SHORE_CLEARANCE_M = 20.0
#: Candidates tried per sounding square, shallowest first.
CANDIDATES_PER_CELL = 12


@dataclass
class DepthProducts:
    """Everything derived from the survey, in the survey CRS (metres)."""

    depth_areas: list[tuple[shapely.Polygon, float, float]]  # polygon, DRVAL1, DRVAL2
    land: list[shapely.Polygon]
    coverage: shapely.Polygon
    contours: list[tuple[shapely.LineString, float]]  # line, VALDCO
    coastline: list[shapely.LineString]
    soundings: np.ndarray  # K×3: x, y, depth


def classify(depth: np.ndarray, coverage: np.ndarray, bands: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Band index of each water cell, LAND on land inside the coverage, −1 outside."""
    water = ~np.isnan(depth)
    too_deep = water & (depth >= bands[-1][1])
    if too_deep.any():
        raise ChartInputError(f"测量水深超出最深分带 / survey depth {np.nanmax(depth):.2f} m exceeds the deepest band "
                         f"({bands[-1][1]} m)")
    if (water & (depth < bands[0][0])).any():
        raise ChartInputError("测量水深为负 / negative depth in the survey (drying heights are not supported)")
    limits = np.array([b[1] for b in bands[:-1]])
    classes = np.full(depth.shape, -1, dtype=np.int32)
    classes[coverage & ~water] = LAND
    classes[water] = np.digitize(depth[water], limits).astype(np.int32)
    sieved = sieve(classes, SIEVE_CELLS, mask=water)
    classes[water] = sieved[water]
    return classes


def _polygons(classes: np.ndarray, transform: object, tolerance: float) -> tuple[list[shapely.Polygon], list[int]]:
    pieces = [(shape(geom), int(value)) for geom, value in
              shapes(classes, mask=classes >= 0, transform=transform, connectivity=4)]
    geoms = np.array([g for g, _ in pieces], dtype=object)
    simplified = shapely.coverage_simplify(geoms, tolerance)
    keep = [i for i, g in enumerate(simplified) if not g.is_empty and g.area > 0]
    return [simplified[i] for i in keep], [pieces[i][1] for i in keep]


def _shared_lines(a: shapely.Geometry, b: shapely.Geometry) -> list[shapely.LineString]:
    if a.is_empty or b.is_empty:
        return []
    common = shapely.intersection(a.boundary, b.boundary)
    lines = [g for g in shapely.get_parts(common) if g.geom_type in ("LineString", "MultiLineString")]
    if not lines:
        return []
    merged = shapely.line_merge(shapely.union_all(lines))
    return [g for g in shapely.get_parts(merged) if g.length > 1.0]


def _eroded(water: np.ndarray, cells: int) -> np.ndarray:
    out = water.copy()
    for _ in range(cells):
        shrunk = out.copy()
        shrunk[1:, :] &= out[:-1, :]
        shrunk[:-1, :] &= out[1:, :]
        shrunk[:, 1:] &= out[:, :-1]
        shrunk[:, :-1] &= out[:, 1:]
        out = shrunk
    return out


def _soundings(depth: np.ndarray, transform: object, areas: list[tuple[shapely.Polygon, float, float]],
               settings: PilotSettings) -> np.ndarray:
    res = abs(transform.a)  # the survey's own cell size
    inner = _eroded(~np.isnan(depth), int(np.ceil(SHORE_CLEARANCE_M / res)))
    rows, cols = np.nonzero(inner)
    values = depth[rows, cols]
    x = transform.c + (cols + 0.5) * transform.a
    y = transform.f + (rows + 0.5) * transform.e
    cell = np.floor((x - transform.c) / settings.sounding_cell_m).astype(np.int64) * 1_000_003 + np.floor(
        (transform.f - y) / settings.sounding_cell_m).astype(np.int64)
    order = np.lexsort((cols, rows, values, cell))
    cell_sorted = cell[order]
    first = np.r_[True, cell_sorted[1:] != cell_sorted[:-1]]
    rank = np.arange(len(order)) - np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    tried = order[rank < CANDIDATES_PER_CELL]
    # a point agrees when every depth area it touches (two on a shared edge) has a range holding it
    px, py, pz = x[tried], y[tried], values[tried]
    touched = np.zeros(len(tried), dtype=bool)
    ok = np.ones(len(tried), dtype=bool)
    for poly, low, high in areas:
        shapely.prepare(poly)
        hit = shapely.intersects_xy(poly, px, py)
        touched |= hit
        ok &= ~hit | ((pz >= low) & (pz <= high))
    ok &= touched
    chosen, seen = [], set()
    for i in np.nonzero(ok)[0]:
        c = int(cell[tried[i]])
        if c not in seen:
            seen.add(c)
            chosen.append(tried[i])
    chosen_idx = np.array(sorted(chosen, key=lambda i: (x[i], y[i])), dtype=np.int64)
    return np.column_stack([x[chosen_idx], y[chosen_idx], values[chosen_idx]])


def derive(depth: np.ndarray, transform: object, reach: Reach, settings: PilotSettings) -> DepthProducts:
    coverage = rasterize([(reach.coverage_xy(settings.land_corridor_m), 1)], out_shape=depth.shape,
                         transform=transform, dtype="uint8") == 1
    coverage |= ~np.isnan(depth)
    classes = classify(depth, coverage, settings.depth_bands)
    polys, values = _polygons(classes, transform, settings.simplify_tolerance_m)
    bands = settings.depth_bands
    areas = [(p, *bands[v]) for p, v in zip(polys, values, strict=True) if v != LAND]
    land = [p for p, v in zip(polys, values, strict=True) if v == LAND]
    water_union = shapely.union_all([a[0] for a in areas])
    land_union = shapely.union_all(land)
    contours = []
    for limit_index in range(1, len(bands)):
        shallow = shapely.union_all([p for p, v in zip(polys, values, strict=True) if v < limit_index])
        deep = shapely.union_all([p for p, v in zip(polys, values, strict=True) if limit_index <= v < LAND])
        contours += [(line, bands[limit_index][0]) for line in _shared_lines(shallow, deep)]
    return DepthProducts(
        depth_areas=areas,
        land=land,
        coverage=shapely.union_all(polys),
        contours=contours,
        coastline=_shared_lines(land_union, water_union),
        soundings=_soundings(depth, transform, areas, settings),
    )
