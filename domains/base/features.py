"""Sample features and how they are written: RFC 7946 GeoJSON, lon/lat, 6 decimals, stable bytes.

A FeatureCollection is written one feature per line (readable diffs), properties in the order
the layer declares them, polygons with counter-clockwise exteriors (RFC 7946 §3.1.6).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from domains.base.measure import DECIMALS


@dataclass(frozen=True, slots=True)
class Feature:
    id: str
    geometry: BaseGeometry
    properties: dict[str, Any]


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def to_geojson(feature: Feature) -> dict[str, Any]:
    geometry = feature.geometry
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        geometry = shapely.orient_polygons(geometry, exterior_cw=False)
    geo = mapping(geometry)
    return {
        "type": "Feature",
        "id": feature.id,
        "geometry": {"type": geo["type"], "coordinates": _rounded(geo["coordinates"])},
        "properties": feature.properties,
    }


def write_collection(path: Path, features: Iterable[Feature]) -> int:
    """Write a FeatureCollection; returns the number of features written."""
    lines: Sequence[str] = [
        json.dumps(to_geojson(f), ensure_ascii=False, separators=(",", ":")) for f in features
    ]
    body = ",\n".join(lines)
    text = '{"type":"FeatureCollection","features":[\n' + body + "\n]}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))  # "\n" line ends on every platform
    return len(lines)


def read_collection(path: Path) -> list[dict[str, Any]]:
    """The features of a written collection, as GeoJSON dicts."""
    with path.open(encoding="utf-8") as handle:
        return list(json.load(handle)["features"])
