"""Per layer and zoom, what goes into a tile: fields, simplification, thinning, feature limit.

Both renderers (PostGIS SQL and the Python encoder) follow the same plan, so the two stores
give the same map; tileset metadata reports `thinned_zooms` from the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from layers.access.masking import masks_of
from layers.access.rules import SensitiveKind
from layers.model import GeometryType, LayerDefinition, ThinningRule
from tiles.model import EXTENT

#: MVT units per pixel of a 256-pixel tile.
UNITS_PER_PX = EXTENT / 256
#: Property a coalesced feature carries: how many features it stands for.
POINT_COUNT = "point_count"
#: Properties the renderers add to every feature; a layer field of the same name is left out of tiles.
ADDED_PROPERTIES = frozenset({"domain", POINT_COUNT})


@dataclass(frozen=True, slots=True)
class LayerTilePlan:
    layer: LayerDefinition
    zoom: int
    fields: tuple[str, ...]
    #: Simplification tolerance in MVT units (0: none).
    simplify_units: float
    #: The thinning rule in force at this zoom (NONE at and beyond full detail).
    thinning: ThinningRule
    #: Grid cell (MVT units) for drop-densest / coalesce: one survivor (or one merged feature) per cell.
    grid_units: float
    #: Features whose bounding box is smaller than this (MVT units, larger side) are dropped.
    min_size_units: float
    #: Most features of this layer in one tile; `renderers.budget` lowers it while a tile is over budget.
    feature_limit: int
    #: Sort keys, highest priority first, as (field, ascending); the feature id breaks ties.
    priority: tuple[tuple[str, bool], ...]

    @property
    def thinned(self) -> bool:
        return self.thinning is not ThinningRule.NONE

    @property
    def masks(self) -> tuple[tuple[str, SensitiveKind], ...]:
        """The tile's fields a caller's view masks (`layers.access.view`), with how."""
        return masks_of(self.layer, self.fields)


def full_detail_zoom(layer: LayerDefinition) -> int:
    settings = layer.tiles.full_detail_zoom
    return layer.max_zoom if settings is None else settings


def effective_rule(layer: LayerDefinition) -> ThinningRule:
    rule = layer.tiles.thinning
    if rule is not ThinningRule.AUTO:
        return rule
    if layer.geometry_type in (GeometryType.POINT, GeometryType.MULTIPOINT):
        return ThinningRule.DROP_DENSEST
    return ThinningRule.DROP_SMALLEST


def plan_layer(layer: LayerDefinition, zoom: int) -> LayerTilePlan:
    full = full_detail_zoom(layer)
    below = max(0, full - zoom)
    rule = effective_rule(layer) if below > 0 else ThinningRule.NONE
    priority = tuple((key.lstrip("+-"), not key.startswith("-")) for key in layer.tiles.priority)
    return LayerTilePlan(
        layer=layer,
        zoom=zoom,
        fields=layer.tile_fields(zoom),
        simplify_units=layer.tiles.simplify_px * UNITS_PER_PX,
        thinning=rule,
        # one point per 2 px just below full detail, growing to one per 16 px far out
        grid_units=0.0 if rule is ThinningRule.NONE else min(16, 1 + below) * UNITS_PER_PX,
        # lines and areas under half a pixel just below full detail, up to 4 px far out
        min_size_units=0.0 if rule is ThinningRule.NONE else min(4.0, 0.5 * below) * UNITS_PER_PX,
        feature_limit=layer.tiles.feature_limit,
        priority=priority,
    )


def thinned_zooms(layer: LayerDefinition) -> tuple[int, int] | None:
    """The zoom range (inclusive) where thinning applies, or None if it never does."""
    if effective_rule(layer) is ThinningRule.NONE:
        return None
    full = full_detail_zoom(layer)
    if full <= layer.min_zoom:
        return None
    return (layer.min_zoom, full - 1)
