"""`WaterLevelService`: the reach, the readings and the profile at a time, cached per data version.

One instance per process (the web app keeps it on `app.state`; the CLI and benchmarks make their
own). Every call reads the store's layer data versions once (`FeatureStore.layer_versions`, one
cheap query) and rebuilds the reach or the reading table only when the versions of the layers they
come from moved, so a reading posted by any worker is seen by every other on its next request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from shapely.geometry import Point

from enc_chart.waterlevel.profile import WaterProfile, water_profile
from enc_chart.waterlevel.reach import AXIS_CLASSES, DAM_CLASSES, GAUGE_CLASSES, Reach, load_reach
from enc_chart.waterlevel.readings import (
    READINGS_LAYER_ID,
    Reading,
    ReadingTable,
    load_table,
    readings_layer,
    store_readings,
)
from enc_chart.waterlevel.source import class_layer_ids
from layers.registry import LayerRegistry
from layers.stores.base import FeatureStore

Versions = tuple[tuple[str, int | None], ...]
REACH_LAYER_IDS = tuple(class_layer_ids(AXIS_CLASSES + GAUGE_CLASSES + DAM_CLASSES))


class VersionedCache[T]:
    """One value, rebuilt when its key (the data versions it was built from) changes."""

    def __init__(self, build: Callable[[], T] | None = None) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._key: Hashable = object()
        self._value: T | None = None
        self.builds = 0

    def get(self, key: Hashable, build: Callable[[], T] | None = None) -> T:
        """The value for `key`, built (by `build`, else the constructor's) if the key moved."""
        with self._lock:
            if self._value is None or key != self._key:
                maker = build or self._build
                assert maker is not None
                self._value = maker()
                self._key = key
                self.builds += 1
            return self._value


def versions_of(all_versions: dict[str, int], ids: tuple[str, ...]) -> Versions:
    return tuple((layer_id, all_versions.get(layer_id)) for layer_id in ids)


class WaterLevelService:
    def __init__(self, store: FeatureStore, registry: LayerRegistry) -> None:
        self.store = store
        self.registry = registry
        self._reach = VersionedCache(lambda: load_reach(store, registry))
        self._table = VersionedCache(lambda: load_table(store, readings_layer(registry, create=False)))

    def versions(self) -> dict[str, int]:
        return self.store.layer_versions()

    def reach(self, versions: dict[str, int] | None = None) -> Reach:
        versions = self.versions() if versions is None else versions
        return self._reach.get(versions_of(versions, REACH_LAYER_IDS))

    def table(self, versions: dict[str, int] | None = None) -> ReadingTable:
        versions = self.versions() if versions is None else versions
        return self._table.get(versions_of(versions, (READINGS_LAYER_ID,)))

    def profile(self, moment: datetime, versions: dict[str, int] | None = None) -> WaterProfile:
        versions = self.versions() if versions is None else versions
        return water_profile(self.reach(versions), self.table(versions), moment)

    def add_readings(self, gauge_id: str, readings: list[Reading]) -> list[int]:
        """Store readings of one gauge (all or none). Raises `GaugeNotFound`, `DuplicateReading`."""
        versions = self.versions()
        gauge = self.reach(versions).gauge(gauge_id)
        layer = readings_layer(self.registry)
        assert layer is not None
        table = self.table(self.versions())  # the layer may have just been registered
        return store_readings(self.store, layer, table, Point(gauge.lon, gauge.lat), readings)

    def gauges(self) -> list[dict[str, Any]]:
        """Each gauge as a GeoJSON Feature with its latest reading (null when it has none)."""
        versions = self.versions()
        reach, table = self.reach(versions), self.table(versions)
        features = []
        for gauge in reach.gauges:
            series = table.series.get(gauge.gauge_id)
            latest = None
            if series is not None and len(series.times):
                moment, level = series.latest()
                latest = {"observed_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "level_m": level,
                          "above_chart_datum_m": round(level - gauge.chart_datum_m, 3)}
            features.append({
                "type": "Feature", "id": gauge.gauge_id,
                "geometry": {"type": "Point", "coordinates": [gauge.lon, gauge.lat]},
                "properties": {"gauge_id": gauge.gauge_id, "name": gauge.name, "name_zh": gauge.name_zh,
                               "distance_km": round(gauge.distance_km, 3), "chart_datum_m": gauge.chart_datum_m,
                               "reference_level_m": gauge.reference_level_m,
                               "readings": len(series.times) if series is not None else 0,
                               "latest": latest, "source": {"layer": gauge.layer_id, "fid": gauge.fid}},
            })
        return features
