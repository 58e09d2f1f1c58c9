"""The application's `AccessPolicy`: the settings' anonymous rule and region boundaries from the store.

Area rules (`access.region_by_area`) need a region's boundary: it is the geometry of the base layer
`prefectures` whose `adcode` is the region's code, read once per code and boundary data version.
"""

from __future__ import annotations

import threading
from typing import Any

import orjson

from gis_server.settings import Settings
from layers.access.view import AccessPolicy
from layers.errors import LayerNotFound
from layers.query import FeatureQuery, OutputCrs
from layers.registry import LayerRegistry
from layers.stores.base import FeatureStore

BOUNDARY_LAYER = "prefectures"
BOUNDARY_CODE_FIELD = "adcode"


class RegionBoundaries:
    """Region code → boundary GeoJSON (EPSG:4490 lon/lat) from the `prefectures` layer."""

    def __init__(self, store: FeatureStore, registry: LayerRegistry) -> None:
        self.store = store
        self.registry = registry
        self._known: dict[str, tuple[int, dict[str, Any] | None]] = {}
        self._lock = threading.Lock()

    def __call__(self, code: str) -> dict[str, Any] | None:
        try:
            layer = self.registry.get_quick(BOUNDARY_LAYER)
        except LayerNotFound:
            return None
        if layer.field(BOUNDARY_CODE_FIELD) is None:
            return None
        version = self.store.layer_state(layer).data_version
        known = self._known.get(code)
        if known is not None and known[0] == version:
            return known[1]
        query = FeatureQuery(equals=((BOUNDARY_CODE_FIELD, code),), crs=OutputCrs(4490), limit=1, count=False,
                             properties=())
        features = orjson.loads(self.store.query(layer, query).features_json)
        shape = features[0]["geometry"] if features else None
        with self._lock:
            self._known[code] = (version, shape)
        return shape


def make_policy(settings: Settings, store: FeatureStore, registry: LayerRegistry) -> AccessPolicy:
    return AccessPolicy(anonymous_all=settings.anonymous_all, region_shapes=RegionBoundaries(store, registry))
