"""Small road networks built by hand for tests with known answers.

Roads are drawn as straight polylines in metres (CGCS2000 / 3° Gauss–Krüger CM 126°E, EPSG:4551)
from an origin north of Changchun, with a vertex every 200 m, and turned into `roads` features
(lon/lat, one section per road) whose end stake is the start stake plus the geodesic length.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
from pyproj import Geod, Transformer

from domains.base.linear_ref import RoadIndex
from layers.registry import LayerRegistry
from layers.stores.base import FeatureRecord
from layers.validation.rules import validate_feature

GEOD = Geod(ellps="GRS80")
ORIGIN = (125.30, 44.10)
_TO_XY = Transformer.from_crs(4490, 4551, always_xy=True)
_TO_LL = Transformer.from_crs(4551, 4490, always_xy=True)
X0, Y0 = _TO_XY.transform(*ORIGIN)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Metres east and north of the origin → lon/lat."""
    lon, lat = _TO_LL.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


def polyline(*points: tuple[float, float], step: float = 200.0) -> np.ndarray:
    """Straight legs between points (metres from the origin), a vertex every `step` m, as lon/lat."""
    out = [np.array(points[0], dtype=float)]
    for a, b in pairwise(points):
        a_, b_ = np.array(a, dtype=float), np.array(b, dtype=float)
        n = max(1, int(np.ceil(np.hypot(*(b_ - a_)) / step)))
        out.extend(a_ + (b_ - a_) * k / n for k in range(1, n + 1))
    xy = np.array(out)
    return np.array([lonlat(x, y) for x, y in xy])


def geodesic(coords: np.ndarray) -> float:
    return float(GEOD.line_length(coords[:, 0], coords[:, 1]))


def road(route: str, *points: tuple[float, float], start_stake: int = 0, speed: int = 100,
         section: str | None = None) -> dict[str, Any]:
    """One `roads` feature along the points, stakes from `start_stake`."""
    coords = polyline(*points)
    end = start_stake + round(geodesic(coords))
    props = {"section_code": section or f"{route}-001", "route_code": route, "route_name_zh": f"测试{route}",
             "road_class": "expressway", "lanes": 4, "start_stake_m": start_stake, "end_stake_m": end,
             "speed_limit_kmh": speed, "length_km": round((end - start_stake) / 1000, 3), "adcode": "220100"}
    return {"type": "Feature", "geometry": {"type": "MultiLineString", "coordinates": [coords.tolist()]},
            "properties": props}


def index_of(features: list[dict[str, Any]]) -> RoadIndex:
    return RoadIndex.from_features((f["geometry"], f["properties"]) for f in features)


def stake_at_vertex(feature: dict[str, Any], k: int) -> float:
    """The stake of a road's k-th vertex, measured independently (geodesic from the start)."""
    coords = np.asarray(feature["geometry"]["coordinates"][0])
    return feature["properties"]["start_stake_m"] + geodesic(coords[: k + 1])


def insert(registry: LayerRegistry, layer_id: str, features: list[dict[str, Any]]) -> list[int]:
    """Validate GeoJSON features against the registered layer and insert them in one transaction."""
    layer = registry.get(layer_id)
    records: list[FeatureRecord] = [validate_feature(layer, f) for f in features]
    return registry.store.insert(layer, records)
