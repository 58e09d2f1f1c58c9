"""Reading chart layers from the store for the water-level and route services, in local metres.

A chart class may sit in up to three store layers (`enc_bridge`, `enc_bridge_l`, `enc_bridge_p`;
see `enc_chart.naming`), and a class may come as the IHO or the Inland ENC variant (`BRIDGE` →
`enc_bridge`, `bridge` → `enc_i_bridge`); `class_layers` finds whichever are registered.

`LocalFrame` is a transverse Mercator projection centred on the reach (GRS 80, scale 1), so lengths
and buffers are true metres to a few parts in a million across a 30 km reach, wherever the chart lies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyproj
import shapely
from shapely.geometry import shape

from enc_chart.naming import layer_id
from layers.model import LayerDefinition
from layers.registry import LayerRegistry
from layers.stores.base import FeatureStore

_SUFFIXES = ("", "_l", "_p")


def class_layer_ids(acronyms: Iterable[str]) -> list[str]:
    """Every store layer id the classes' features may be stored under."""
    return [layer_id(acronym) + suffix for acronym in acronyms for suffix in _SUFFIXES]


def class_layers(registry: LayerRegistry, acronyms: Iterable[str]) -> list[LayerDefinition]:
    """The registered layers among `class_layer_ids(acronyms)`, in that order."""
    known = {layer.id: layer for layer in registry.all()}
    return [known[i] for i in class_layer_ids(acronyms) if i in known]


@dataclass(frozen=True)
class LayerFeatures:
    """Features of one or more layers: where each came from, its lon/lat geometry and properties."""

    layer_ids: list[str]
    fids: np.ndarray
    geoms: np.ndarray  # shapely geometries, storage lon/lat
    props: list[dict[str, Any]]
    _numbers: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.fids)

    def number(self, name: str) -> np.ndarray:
        """A numeric property as floats (NaN where missing or not a number); computed once."""
        cached = self._numbers.get(name)
        if cached is None:
            cached = self._numbers[name] = self._number(name)
        return cached

    def _number(self, name: str) -> np.ndarray:
        out = np.full(len(self.props), np.nan)
        for i, props in enumerate(self.props):
            value = props.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[i] = float(value)
            elif isinstance(value, str):
                try:
                    out[i] = float(value)
                except ValueError:
                    pass
        return out

    def subset(self, keep: np.ndarray) -> LayerFeatures:
        """The features where `keep` (a boolean array) is true."""
        index = np.flatnonzero(keep)
        return LayerFeatures([self.layer_ids[i] for i in index], self.fids[index], self.geoms[index],
                             [self.props[i] for i in index])

    def within(self, area: Any) -> LayerFeatures:
        """The features touching `area` (lon/lat): those of other charts far away are left out."""
        return self.subset(shapely.intersects(self.geoms, area)) if len(self) else self

    def text(self, name: str) -> list[str | None]:
        return [None if p.get(name) in (None, "") else str(p.get(name)) for p in self.props]


def read_features(store: FeatureStore, layers: Iterable[LayerDefinition]) -> LayerFeatures:
    """Every feature with a geometry of the given layers, in one bundle."""
    ids: list[str] = []
    fids: list[int] = []
    geoms: list[Any] = []
    props: list[dict[str, Any]] = []
    for layer in layers:
        for batch in store.iter_records(layer, batch_size=50_000):
            for feature in batch:
                if feature.geometry is None:
                    continue
                geometry = shape(feature.geometry)
                if geometry.is_empty:
                    continue
                ids.append(layer.id)
                fids.append(feature.fid)
                geoms.append(geometry)
                props.append(feature.properties)
    array = np.empty(len(geoms), dtype=object)
    array[:] = geoms
    return LayerFeatures(ids, np.array(fids, dtype=np.int64), array, props)


class LocalFrame:
    """Storage lon/lat ↔ metres on a transverse Mercator centred at `lon0`."""

    def __init__(self, lon0: float) -> None:
        self.lon0 = lon0
        crs = pyproj.CRS.from_proj4(f"+proj=tmerc +lat_0=0 +lon_0={lon0:.6f} +k=1 +x_0=500000 +y_0=0 "
                                    "+ellps=GRS80 +units=m +no_defs")
        self._forward = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inverse = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def to_metres(self, geoms: Any) -> Any:
        return shapely.transform(geoms, self._project)

    def to_lonlat(self, geoms: Any) -> Any:
        return shapely.transform(geoms, self._unproject)

    def lonlat_of(self, xy: np.ndarray) -> np.ndarray:
        """(N, 2) metres → (N, 2) lon/lat."""
        return self._unproject(np.asarray(xy, dtype=float).reshape(-1, 2))

    def _project(self, coords: np.ndarray) -> np.ndarray:
        x, y = self._forward.transform(coords[:, 0], coords[:, 1])
        return np.column_stack((x, y))

    def _unproject(self, coords: np.ndarray) -> np.ndarray:
        x, y = self._inverse.transform(coords[:, 0], coords[:, 1])
        return np.column_stack((x, y))
