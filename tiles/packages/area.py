"""The area of a package: a lon/lat box, a polygon file, or a prefecture by name — inside the province.

`parse_area(text, store, registry_layers)` accepts

- `west,south,east,north` in lon/lat degrees;
- a GeoJSON file (a Polygon/MultiPolygon geometry, Feature or FeatureCollection; CRS84 / CGCS2000
  lon/lat), its polygons merged;
- a prefecture's name (长春市, 延边朝鲜族自治州, Changchun, or its 6-digit code) from the `prefectures`
  layer.

The result is clipped to the province (the union of the `prefectures` layer, or the province's box
when that layer is not loaded); an area that does not reach the province is refused with
`InvalidQuery(parameter="area")` naming it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from layers.errors import InvalidQuery, OneMapError
from layers.model import LayerDefinition
from layers.stores.base import FeatureStore

#: The layer whose features are the province's prefectures (domains/base/layers.yaml).
PREFECTURES = "prefectures"
#: Jilin's box (lon/lat), used when the prefectures layer is not loaded.
PROVINCE_BOX = (121.6, 40.8, 131.4, 46.4)


@dataclass(frozen=True)
class Area:
    """What a package covers: a name for people, and a lon/lat (multi)polygon inside the province."""

    name: str
    geometry: BaseGeometry

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        west, south, east, north = self.geometry.bounds
        return float(west), float(south), float(east), float(north)

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "bbox": list(self.bbox), "geometry": shapely.geometry.mapping(self.geometry)}


def _invalid(message: str) -> InvalidQuery:
    return InvalidQuery(message, parameter="area")


def _parse_bbox(text: str) -> BaseGeometry | None:
    parts = text.split(",")
    if len(parts) != 4:
        return None
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise _invalid(f"范围无效 / the box is empty or outside lon/lat limits: {text!r}")
    return box(west, south, east, north)


def _read_polygon_file(path: Path) -> BaseGeometry:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _invalid(f"无法读取范围文件 / cannot read the area file {str(path)!r}: {exc}") from None
    if not isinstance(document, dict):
        raise _invalid(f"范围文件须为 GeoJSON / the area file must be GeoJSON: {str(path)!r}")
    if document.get("type") == "FeatureCollection":
        geometries = [feature.get("geometry") for feature in document.get("features") or []
                      if isinstance(feature, dict)]
    elif document.get("type") == "Feature":
        geometries = [document.get("geometry")]
    else:
        geometries = [document]
    polygons: list[BaseGeometry] = []
    for geometry in geometries:
        try:
            parsed = shape(geometry) if isinstance(geometry, dict) else None
        except (ValueError, TypeError, AttributeError, shapely.errors.ShapelyError) as exc:
            raise _invalid(f"范围文件中的几何无效 / an invalid geometry in {str(path)!r}: {exc}") from None
        if parsed is None or parsed.geom_type not in ("Polygon", "MultiPolygon") or parsed.is_empty:
            raise _invalid(f"范围文件只能包含面 / the area file may hold only polygons: {str(path)!r}")
        polygons.append(shapely.make_valid(parsed))
    if not polygons:
        raise _invalid(f"范围文件中没有面 / no polygon in the area file {str(path)!r}")
    merged = shapely.union_all(polygons)
    west, south, east, north = merged.bounds
    if not (-180 <= west and east <= 180 and -90 <= south and north <= 90):
        raise _invalid(f"范围文件的坐标须为经纬度 / the area file must be in lon/lat degrees: {str(path)!r}")
    return merged


def prefectures(store: FeatureStore, layers: dict[str, LayerDefinition]) -> dict[str, tuple[str, BaseGeometry]]:
    """Every way of naming a prefecture (Chinese and English name, code) → (Chinese name, geometry)."""
    layer = layers.get(PREFECTURES)
    if layer is None:
        return {}
    found: dict[str, tuple[str, BaseGeometry]] = {}
    try:
        for batch in store.iter_records(layer):
            for feature in batch:
                if feature.geometry is None:
                    continue
                name = str(feature.properties.get("name_zh") or "")
                entry = (name, shape(feature.geometry))
                for key in (name, feature.properties.get("name_en"), feature.properties.get("adcode")):
                    if key:
                        found[str(key).strip().lower()] = entry
    except OneMapError:
        return {}
    return found


def province(named: dict[str, tuple[str, BaseGeometry]]) -> BaseGeometry:
    shapes = {id(geometry): geometry for _, geometry in named.values()}
    return shapely.union_all(list(shapes.values())) if shapes else box(*PROVINCE_BOX)


def parse_area(text: str, store: FeatureStore, layers: dict[str, LayerDefinition]) -> Area:
    text = (text or "").strip()
    if not text:
        raise _invalid("须指定范围 / an area is required: a box, a polygon file or a prefecture name")
    named = prefectures(store, layers)
    whole = province(named)
    geometry = _parse_bbox(text)
    name = text
    if geometry is None:
        entry = named.get(text.lower())
        if entry is not None:
            name, geometry = entry
        elif Path(text).suffix.lower() in (".json", ".geojson") or Path(text).is_file():
            geometry = _read_polygon_file(Path(text))
            name = Path(text).stem
        else:
            known = sorted({chinese for chinese, _ in named.values()})
            raise _invalid(f"无法识别的范围 / unknown area {text!r}: give west,south,east,north, a GeoJSON "
                           f"polygon file or a prefecture ({'、'.join(known) or 'no prefectures loaded'})")
    clipped = shapely.intersection(geometry, whole)
    if clipped.is_empty or clipped.area == 0:
        raise _invalid(f"范围不在吉林省内 / the area {text!r} lies outside the province")
    return Area(name, clipped)


__all__ = ["PREFECTURES", "PROVINCE_BOX", "Area", "parse_area", "prefectures", "province"]
