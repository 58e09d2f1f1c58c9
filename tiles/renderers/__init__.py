"""Tile renderers, one per store kind: `renderer_for(store)` picks it.

- PostGIS: one SQL statement per tile (`ST_AsMVT`/`ST_AsMVTGeom`) for all requested layers.
- GeoPackage: the Python encoder (mapbox-vector-tile) with clipping.
"""

from __future__ import annotations

from layers.stores.base import FeatureStore
from tiles.model import TileRenderer


def renderer_for(store: FeatureStore) -> TileRenderer:
    if store.kind == "postgis":
        from tiles.renderers.postgis import PostgisTileRenderer

        return PostgisTileRenderer(store)
    from tiles.renderers.python import PythonTileRenderer

    return PythonTileRenderer(store)
