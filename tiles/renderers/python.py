"""`PythonTileRenderer`: MVT tiles for the embedded (GeoPackage) store, encoded in Python.

For each requested layer visible at the tile's zoom (`tiles.matrix_sets.scale_zoom`): read the
candidates touching the tile and its buffer (`python_read`), thin them with the plan's rule and
limit (`thinning`, the same rules as the PostGIS renderer's SQL), then finish each survivor's
geometry in `ST_AsMVTGeom`'s order — simplify (storage degrees, the PostGIS tolerance), move to
tile units, snap to the integer grid, clip with the 64-unit buffer, snap again, orient rings
(exterior clockwise on screen, MVT 2.1) — and encode with mapbox-vector-tile: one MVT layer per
registry layer named by its id, feature id = fid, properties = `plan.fields` (no nulls) plus
`domain` (and `point_count` for coalesced points). A tile without features is empty bytes.

Shapely and numpy do the geometry work on whole arrays; the encoder walks coordinates in Python,
which is why the embedded store keeps feature limits (pure-Python encoding of tens of thousands of
features takes seconds). Layers are read and thinned once per tile; the 500 KB budget loop
(`budget.fit_to_budget`) re-renders with smaller limits, each a prefix of what was prepared.

May import: numpy, shapely, mapbox_vector_tile, layers.*, tiles.*.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mapbox_vector_tile
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from layers.model import LayerDefinition, ThinningRule
from layers.stores.base import FeatureStore
from tiles.matrix_sets import scale_zoom
from tiles.model import EXTENT, LayerTileStats, RenderedTile, TileAddress
from tiles.plan import LayerTilePlan, plan_layer
from tiles.renderers.budget import RenderFn, fit_to_budget
from tiles.renderers.python_read import (
    BUFFER,
    DIMENSION_OF,
    Candidates,
    Source,
    TileFrame,
    candidates,
    dimension,
    geometry_array,
    open_source,
    tile_area,
)
from tiles.renderers.thinning import TileFeature, effective_rule, thin

__all__ = ["BUFFER", "PythonTileRenderer", "TileFrame", "finish"]

_ENCODE_OPTIONS = {"extents": EXTENT, "y_coord_down": True, "check_winding_order": False}


def finish(features: Sequence[TileFeature], source: dict[int, BaseGeometry], plan: LayerTilePlan,
           frame: TileFrame) -> np.ndarray:
    """The tile geometry of each feature (None where nothing is left), in `ST_AsMVTGeom`'s order.

    Lines and areas: simplified in storage degrees with the PostGIS renderer's tolerance, moved to
    tile units, snapped to the integer grid, clipped to the tile and buffer (linework along the
    clip edge falls away), snapped again where clipping cut, rings oriented. Points: snapped;
    multipoints lose the parts outside.
    """
    if not features:
        return np.empty(0, dtype=object)
    dim = dimension(plan)
    if dim == 0:  # single points touch the area already (see `python_read.candidates`)
        snapped = shapely.transform(geometry_array([f.geometry for f in features]), np.rint)
        multi = shapely.get_type_id(snapped) == 4
        if multi.any():
            snapped[multi] = shapely.intersection(snapped[multi], tile_area())
    else:
        stored = geometry_array([source[f.fid] for f in features])
        tolerance = frame.simplify_degrees(plan.simplify_units)
        if tolerance > 0:  # Douglas-Peucker as ST_Simplify; validity is restored when snapping below
            simplified = shapely.simplify(stored, tolerance, preserve_topology=False)
            # ST_Simplify(…, preserveCollapsed => true): what would vanish keeps its own shape
            collapsed = shapely.is_empty(simplified) & ~shapely.is_empty(stored)
            stored = np.where(collapsed, stored, simplified)
        low, high = -BUFFER, EXTENT + BUFFER
        clipped = shapely.clip_by_rect(shapely.transform(frame.to_tile(stored), np.rint), low, low, high, high)
        snapped = _snap_to_grid(clipped)
        if dim == 2:
            # Tile y points down, so a ring positive in x/y (counter-clockwise) is clockwise on screen:
            # what MVT 2.1 requires of exterior rings.
            snapped = shapely.orient_polygons(snapped, exterior_cw=False)
    for i in np.flatnonzero(shapely.get_type_id(snapped) == 7).tolist():  # collections: keep our dimension
        keep = [p for p in shapely.get_parts(snapped[i]) if DIMENSION_OF.get(p.geom_type) == dim]
        snapped[i] = shapely.union_all(keep) if keep else None
    snapped[shapely.is_missing(snapped) | shapely.is_empty(snapped)] = None
    return snapped


@dataclass(frozen=True, slots=True)
class _Prepared:
    """One layer read, thinned and finished at its full limit; a smaller limit keeps a prefix."""

    plan: LayerTilePlan
    features: list[TileFeature]
    geometries: np.ndarray
    #: Features in the tile as far as known (read, or counted when the read could not see them all).
    available: int
    #: Whether anything was left out before the limit (thinning, or a read that stopped or filtered).
    left_out: bool

    def stats(self, limit: int, written: int) -> LayerTileStats:
        if not self.left_out and limit >= len(self.features):
            return LayerTileStats(written)
        dropped = max(0, self.available - written)
        return LayerTileStats(written, dropped, thinned=dropped > 0)


def _prepare_layer(source: Source, plan: LayerTilePlan, frame: TileFrame) -> _Prepared:
    read: Candidates = candidates(source, plan, frame)
    thinned = thin(read.features, plan, ordered=True, origin=frame.origin)
    survivors = thinned.features
    if read.lazy and survivors:
        stored = source.properties(plan, [f.fid for f in survivors])
        survivors = [f._replace(properties={**stored.get(f.fid, {}), **f.properties}) for f in survivors]
    filtered = source.size_filtered(plan)
    available = source.count(plan, frame) if read.truncated or filtered else read.rows
    grid = effective_rule(plan) in (ThinningRule.DROP_DENSEST, ThinningRule.COALESCE)
    left_out = thinned.dropped > 0 or read.truncated or (filtered and available > read.rows) or grid
    return _Prepared(plan, survivors, finish(survivors, read.source, plan, frame), available, left_out)


class PythonTileRenderer:
    """Renders tiles from any non-PostGIS store (GeoPackage read directly, others via `query`)."""

    def __init__(self, store: FeatureStore) -> None:
        self.store = store

    def prepare(self, layers: Sequence[LayerDefinition], address: TileAddress) -> tuple[list[LayerTilePlan],
                                                                                         RenderFn]:
        """Read, thin and finish every layer once; return the plans and a renderer taking per-layer limits."""
        frame = TileFrame.of(address)
        zoom = scale_zoom(address.tms, address.z)
        plans = [plan_layer(layer, zoom) for layer in layers if layer.min_zoom <= zoom <= layer.max_zoom]
        with open_source(self.store) as source:  # one snapshot for every layer of the tile
            prepared = {plan.layer.id: _prepare_layer(source, plan, frame) for plan in plans}
        outside = {layer.id: LayerTileStats(0) for layer in layers if layer.id not in prepared}

        def render(limits: Mapping[str, int]) -> RenderedTile:
            mvt_layers: list[dict[str, Any]] = []
            stats = dict(outside)
            for layer_id, p in prepared.items():
                limit = max(0, min(limits.get(layer_id, p.plan.feature_limit), len(p.features)))
                encoded = [{"geometry": geometry, "properties": feature.properties, "id": feature.fid}
                           for feature, geometry in zip(p.features[:limit], p.geometries[:limit].tolist(),
                                                        strict=True)
                           if geometry is not None]
                stats[layer_id] = p.stats(limits.get(layer_id, p.plan.feature_limit), len(encoded))
                if encoded:
                    mvt_layers.append({"name": layer_id, "features": encoded})
            data = mapbox_vector_tile.encode(mvt_layers, default_options=_ENCODE_OPTIONS) if mvt_layers else b""
            return RenderedTile(data, stats)

        return plans, render

    def render(self, layers: Sequence[LayerDefinition], address: TileAddress) -> RenderedTile:
        plans, render = self.prepare(layers, address)
        return fit_to_budget(render, {plan.layer.id: plan.feature_limit for plan in plans})


def _snap_to_grid(geometries: np.ndarray) -> np.ndarray:
    """Snap to the tile's integer grid. A polygon that rounding and clipping left invalid (a chart's
    depth areas at low zoom) makes GEOS's precision reduction raise; those are made valid first."""
    try:
        return shapely.set_precision(geometries, 1.0)
    except shapely.errors.GEOSException:
        return shapely.set_precision(shapely.make_valid(geometries), 1.0)

