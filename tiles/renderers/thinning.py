"""Thinning for the Python tile renderer: which features of one layer go into one tile.

Pure functions over `TileFeature`s (fid, shapely geometry in tile units, properties) applying a
`tiles.plan.LayerTilePlan` as the PostGIS renderer's SQL does (`tiles/renderers/postgis_sql.py`),
so both stores draw the same map:

- *drop-densest* keeps one feature per grid cell of `plan.grid_units`, the highest-priority one;
  a feature's cell is that of its point, or of its bounding-box centre;
- *drop-smallest* drops lines and areas whose bounding box (larger side) is under
  `plan.min_size_units`; points are never dropped by size;
- *coalesce* (points) merges the features of a grid cell into one at their mean position, with
  the properties of the highest-priority member and ``point_count`` (how many features it stands
  for); for lines and areas it falls back to drop-smallest;
- the feature limit keeps the first features in priority order.

Priority: each (field, ascending) key of `plan.priority` in turn, nulls last either way, ties by
ascending fid. Grid cells: with `origin` (the tile's top-left corner in the tile matrix set's CRS,
in tile units, y up) the grid is global — anchored at the CRS origin like the PostGIS renderer's,
so neighbouring tiles agree on cells; without it the grid is anchored at the tile's top-left.
Cell and size tests run vectorised with shapely/numpy. May import: numpy, shapely, layers.model,
tiles.plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from layers.model import GeometryType, ThinningRule
from tiles.plan import POINT_COUNT, LayerTilePlan

#: Property a coalesced feature carries: how many source features it stands for.

_POINT_TYPE_IDS = (0, 4)  # shapely type ids of Point and MultiPoint
_POINT_LAYERS = (GeometryType.POINT, GeometryType.MULTIPOINT)


class TileFeature(NamedTuple):
    """One feature on its way into a tile: geometry already in tile units (y down)."""

    fid: int
    geometry: BaseGeometry
    properties: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ThinnedLayer:
    """The survivors in priority order, and how many input features did not survive on their own."""

    features: list[TileFeature]
    dropped: int

    @property
    def thinned(self) -> bool:
        return self.dropped > 0


def priority_order(fids: Sequence[int], properties: Sequence[dict[str, Any]],
                   priority: Sequence[tuple[str, bool]]) -> list[int]:
    """Indexes of the features, highest priority first (keys in turn, nulls last, then fid)."""
    order = sorted(range(len(fids)), key=fids.__getitem__)
    for name, ascending in reversed(priority):  # stable sorts, least significant key first
        present = [i for i in order if properties[i].get(name) is not None]
        nulls = [i for i in order if properties[i].get(name) is None]
        present.sort(key=lambda i: properties[i][name], reverse=not ascending)  # reverse keeps ties stable
        order = present + nulls
    return order


def by_priority(features: Sequence[TileFeature], priority: Sequence[tuple[str, bool]]) -> list[TileFeature]:
    """Features sorted highest priority first."""
    order = priority_order([f.fid for f in features], [f.properties for f in features], priority)
    return [features[i] for i in order]


def _geometries(features: Sequence[TileFeature]) -> np.ndarray:
    out = np.empty(len(features), dtype=object)
    out[:] = [f.geometry for f in features]
    return out


def _anchors(geometries: np.ndarray) -> np.ndarray:
    """(n, 2) positions: a point's own, else its bounding-box centre."""
    bounds = shapely.bounds(geometries)
    return np.column_stack(((bounds[:, 0] + bounds[:, 2]) / 2.0, (bounds[:, 1] + bounds[:, 3]) / 2.0))


def _cells(anchors: np.ndarray, grid_units: float, origin: tuple[float, float] | None) -> np.ndarray:
    """One int64 key per anchor: the grid cell it falls in."""
    if origin is None:
        cx, cy = np.floor(anchors[:, 0] / grid_units), np.floor(anchors[:, 1] / grid_units)
    else:  # global grid: x from the CRS origin, y up
        cx = np.floor((origin[0] + anchors[:, 0]) / grid_units)
        cy = np.floor((origin[1] - anchors[:, 1]) / grid_units)
    ix, iy = cx.astype(np.int64), cy.astype(np.int64)
    return (ix - ix.min()) * (int(iy.max() - iy.min()) + 1) + (iy - iy.min())


def drop_densest(features: Sequence[TileFeature], grid_units: float,
                 origin: tuple[float, float] | None = None) -> list[TileFeature]:
    """One feature per grid cell: the first one, so give features in priority order."""
    if grid_units <= 0 or len(features) < 2:
        return list(features)
    _, first = np.unique(_cells(_anchors(_geometries(features)), grid_units, origin), return_index=True)
    return [features[i] for i in np.sort(first).tolist()]


def drop_smallest(features: Sequence[TileFeature], min_size_units: float) -> list[TileFeature]:
    """Lines and areas whose bounding box's larger side is under `min_size_units` go; points stay."""
    if min_size_units <= 0 or not features:
        return list(features)
    geometries = _geometries(features)
    bounds = shapely.bounds(geometries)
    size = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    is_point = np.isin(shapely.get_type_id(geometries), _POINT_TYPE_IDS)
    keep = is_point | (size >= min_size_units)
    return [features[i] for i in np.flatnonzero(keep).tolist()]


def coalesce(features: Sequence[TileFeature], grid_units: float,
             origin: tuple[float, float] | None = None) -> list[TileFeature]:
    """Merge each grid cell's features into one point at their mean position, carrying the first
    (highest-priority) member's fid and properties and ``point_count`` (members' counts added up)."""
    if not features:
        return []
    anchors = _anchors(_geometries(features))
    counts = np.fromiter((int(f.properties.get(POINT_COUNT) or 1) for f in features), dtype=np.int64,
                         count=len(features))
    if grid_units > 0:
        _, groups = np.unique(_cells(anchors, grid_units, origin), return_inverse=True)
    else:
        groups = np.arange(len(features))
    size = int(groups.max()) + 1
    first = np.full(size, len(features), dtype=np.int64)
    np.minimum.at(first, groups, np.arange(len(features)))  # the highest-priority member of each cell
    members = np.bincount(groups, minlength=size)
    mean_x = np.bincount(groups, weights=anchors[:, 0], minlength=size) / members
    mean_y = np.bincount(groups, weights=anchors[:, 1], minlength=size) / members
    totals = np.bincount(groups, weights=counts, minlength=size).astype(np.int64)
    merged = []
    for cell in np.argsort(first, kind="stable").tolist():  # back into priority order
        head = features[int(first[cell])]
        geometry = shapely.Point(float(mean_x[cell]), float(mean_y[cell]))
        merged.append(TileFeature(head.fid, geometry, {**head.properties, POINT_COUNT: int(totals[cell])}))
    return merged


def effective_rule(plan: LayerTilePlan) -> ThinningRule:
    """The rule applied: coalesce merges points only (lines and areas drop-smallest instead)."""
    if plan.thinning is ThinningRule.COALESCE and plan.layer.geometry_type not in _POINT_LAYERS:
        return ThinningRule.DROP_SMALLEST
    return plan.thinning


def thin(features: Sequence[TileFeature], plan: LayerTilePlan, limit: int | None = None, *,
         ordered: bool = False, origin: tuple[float, float] | None = None) -> ThinnedLayer:
    """Apply the plan's rule, then the feature limit (`limit`, default `plan.feature_limit`).

    `ordered=True` says the features already come highest priority first (as the renderer reads
    them); otherwise they are sorted here. `origin` makes the grid global (see the module doc).
    """
    chosen = list(features) if ordered else by_priority(features, plan.priority)
    rule = effective_rule(plan)
    if rule is ThinningRule.DROP_DENSEST:
        chosen = drop_densest(chosen, plan.grid_units, origin)
    elif rule is ThinningRule.DROP_SMALLEST:
        chosen = drop_smallest(chosen, plan.min_size_units)
    elif rule is ThinningRule.COALESCE:
        chosen = coalesce(chosen, plan.grid_units, origin)
    cap = plan.feature_limit if limit is None else limit
    chosen = chosen[:max(0, cap)]
    return ThinnedLayer(chosen, dropped=len(features) - len(chosen))
