"""The chart as the route check and the safety service see it: hazards in local metres, indexed.

`ChartModel` holds, for the reach, the depth areas (`DEPARE`, `DRGARE`: drval1/drval2), bridges
(`BRIDGE`: verclr/horclr), point and area hazards (`OBSTRN`, `WRECKS`, `UWTROC`: valsou) and
restricted areas (`RESARE`), each with an STRtree over its geometries in the reach's local metres
and, for areas, the stretch of the axis they span. `ChartService` builds it once per set of data
versions of those layers (`FeatureStore.layer_versions`), so a route check after the first costs no
store read beyond that one version query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from shapely import STRtree

from enc_chart.waterlevel.profile import WaterProfile
from enc_chart.waterlevel.reach import Reach
from enc_chart.waterlevel.service import REACH_LAYER_IDS, VersionedCache, WaterLevelService, versions_of
from enc_chart.waterlevel.source import LayerFeatures, class_layer_ids, class_layers, read_features
from layers.model import GeometryType, LayerDefinition
from layers.registry import LayerRegistry
from layers.stores.base import FeatureStore

DEPTH_CLASSES = ("DEPARE", "DRGARE", "depare")
BRIDGE_CLASSES = ("BRIDGE", "bridge")
HAZARD_CLASSES = ("OBSTRN", "WRECKS", "UWTROC", "uwtroc")
RESTRICTED_CLASSES = ("RESARE", "resare")
CHART_LAYER_IDS = tuple(class_layer_ids(DEPTH_CLASSES + BRIDGE_CLASSES + HAZARD_CLASSES + RESTRICTED_CLASSES))
_AREAS = (GeometryType.POLYGON, GeometryType.MULTIPOLYGON)
#: Area outlines are simplified by this much (m) before their stretch of the axis is measured.
_SPAN_TOLERANCE_M = 10.0


@dataclass(frozen=True)
class ChartSet:
    """Features of some classes: lon/lat originals, local-metre geometries and their index."""

    features: LayerFeatures
    geoms_m: np.ndarray
    tree: STRtree
    km_lo: np.ndarray  # the stretch of the axis (from the dam, km) each feature spans
    km_hi: np.ndarray

    def __len__(self) -> int:
        return len(self.features)

    def ref(self, i: int) -> dict[str, object]:
        """Where feature i comes from, and its names."""
        props = self.features.props[i]
        return {"layer": self.features.layer_ids[i], "fid": int(self.features.fids[i]),
                "objnam": props.get("objnam"), "nobjnm": props.get("nobjnm"), "foid": props.get("foid")}

    def name(self, i: int) -> str:
        props = self.features.props[i]
        names = [str(props[k]) for k in ("nobjnm", "objnam") if props.get(k)]
        return " ".join(dict.fromkeys(names)) or f"{self.features.layer_ids[i]}#{int(self.features.fids[i])}"


@dataclass(frozen=True)
class ChartModel:
    reach: Reach
    depth: ChartSet
    bridges: ChartSet
    hazards: ChartSet
    restricted: ChartSet
    coverage: Any  # the charted water (union of the depth areas), local metres, prepared

    @property
    def drval1(self) -> np.ndarray:
        return self.depth.features.number("drval1")


def _chart_set(reach: Reach, features: LayerFeatures) -> ChartSet:
    geoms_m = reach.frame.to_metres(features.geoms) if len(features) else np.empty(0, dtype=object)
    shapely.prepare(geoms_m)  # once per data version: every check tests samples against them
    lo = np.full(len(features), np.nan)
    hi = np.full(len(features), np.nan)
    if len(features):
        simple = shapely.simplify(geoms_m, _SPAN_TOLERANCE_M)
        coords, index = shapely.get_coordinates(simple, return_index=True)
        km = reach.project(coords)[0]
        lo, hi = np.full(len(features), np.inf), np.full(len(features), -np.inf)
        np.minimum.at(lo, index, km)
        np.maximum.at(hi, index, km)
    return ChartSet(features, geoms_m, STRtree(geoms_m), lo, hi)


def _read(store: FeatureStore, registry: LayerRegistry, reach: Reach, classes: tuple[str, ...], *,
          areas_only: bool = False) -> LayerFeatures:
    """The classes' features within the reach's box."""
    layers: list[LayerDefinition] = class_layers(registry, classes)
    if areas_only:
        layers = [layer for layer in layers if layer.geometry_type in _AREAS]
    return read_features(store, layers).within(reach.area)


def load_chart(store: FeatureStore, registry: LayerRegistry, reach: Reach) -> ChartModel:
    def chart_set(classes: tuple[str, ...], areas_only: bool = False) -> ChartSet:
        return _chart_set(reach, _read(store, registry, reach, classes, areas_only=areas_only))

    depth = chart_set(DEPTH_CLASSES, True)
    coverage = shapely.union_all(depth.geoms_m) if len(depth) else shapely.Polygon()
    shapely.prepare(coverage)
    return ChartModel(reach=reach, depth=depth, bridges=chart_set(BRIDGE_CLASSES), hazards=chart_set(HAZARD_CLASSES),
                      restricted=chart_set(RESTRICTED_CLASSES, True), coverage=coverage)


class ChartService:
    """The chart model and the water level, cached per data version; one per process."""

    def __init__(self, store: FeatureStore, registry: LayerRegistry) -> None:
        self.store = store
        self.registry = registry
        self.water = WaterLevelService(store, registry)
        self._model: VersionedCache[ChartModel] = VersionedCache()

    def model(self, versions: dict[str, int] | None = None) -> ChartModel:
        versions = self.water.versions() if versions is None else versions
        reach = self.water.reach(versions)
        key = versions_of(versions, REACH_LAYER_IDS + CHART_LAYER_IDS)
        return self._model.get(key, lambda: load_chart(self.store, self.registry, reach))

    def model_and_profile(self, moment: datetime) -> tuple[ChartModel, WaterProfile]:
        """Both at one reading of the data versions."""
        versions = self.water.versions()
        return self.model(versions), self.water.profile(moment, versions)
