"""Tests of `layers.io` (import/export) and the `onemap import`/`onemap export` commands.

Shared helpers: the layers the tests import into and writers of small source files.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from layers.model import CodeListEntry, FieldSpec, FieldType, GeometryType, LayerDefinition
from layers.registry import LayerRegistry

# Changchun, Jilin City, Siping (lon, lat): real places in Jilin for sample rows.
CHANGCHUN = (125.3245, 43.8868)
JILIN = (126.5496, 43.8378)
SIPING = (124.3504, 43.1664)

GRADES = (CodeListEntry(code="1", label_zh="一级"), CodeListEntry(code="2", label_zh="二级"),
          CodeListEntry(code="3", label_zh="三级"))


def station_layer(layer_id: str = "stations") -> LayerDefinition:
    """A point layer with every field type, a required field, a code list and a range."""
    return LayerDefinition(
        id=layer_id, title_zh="检查站", title_en="Inspection stations", domain="enforcement",
        catalogue_code="JL-ZF-001", geometry_type=GeometryType.POINT,
        valid_extent=(121.0, 40.5, 131.5, 46.5),
        fields=(
            FieldSpec(name="name", type=FieldType.STRING, title_zh="名称", required=True, max_length=50),
            FieldSpec(name="grade", type=FieldType.STRING, title_zh="等级", enum=GRADES),
            FieldSpec(name="lanes", type=FieldType.INTEGER, title_zh="车道数", minimum=1, maximum=12),
            FieldSpec(name="length_km", type=FieldType.NUMBER, title_zh="长度"),
            FieldSpec(name="is_open", type=FieldType.BOOLEAN, title_zh="是否开放"),
            FieldSpec(name="opened_on", type=FieldType.DATE, title_zh="启用日期"),
            FieldSpec(name="inspected_at", type=FieldType.DATETIME, title_zh="检查时间"),
            FieldSpec(name="responsible_unit", type=FieldType.STRING, title_zh="责任单位"),
            FieldSpec(name="responsible_person", type=FieldType.STRING, title_zh="责任人"),
        ),
    )


def area_layer(layer_id: str = "areas") -> LayerDefinition:
    """A multipolygon layer: single polygons are promoted, invalid ones rejected."""
    return LayerDefinition(
        id=layer_id, title_zh="管控区", title_en="Restricted zones", domain="safety", catalogue_code="JL-AQ-002",
        geometry_type=GeometryType.MULTIPOLYGON,
        fields=(FieldSpec(name="name", type=FieldType.STRING, title_zh="名称", required=True),),
    )


def registered(store: Any, *layers: LayerDefinition) -> LayerRegistry:
    registry = LayerRegistry(store)
    for layer in layers:
        registry.register(layer)
    return registry


def station_rows() -> list[dict[str, Any]]:
    """Three valid stations (Chinese text, nulls, every type)."""
    return [
        {"name": "长春西收费站", "grade": "1", "lanes": 8, "length_km": 1.25, "is_open": True,
         "opened_on": "2019-06-01", "inspected_at": "2024-05-01T09:30:00+08:00", "responsible_unit": "长春市交通局",
         "responsible_person": "张三", "geometry": shapely.Point(CHANGCHUN)},
        {"name": "吉林东检查站", "grade": "2", "lanes": 4, "length_km": 0.5, "is_open": False,
         "opened_on": "2020-01-15", "inspected_at": "2024-05-02T14:00:00+08:00", "responsible_unit": "吉林市交通局",
         "responsible_person": None, "geometry": shapely.Point(JILIN)},
        {"name": "四平治超站", "grade": None, "lanes": None, "length_km": None, "is_open": None,
         "opened_on": None, "inspected_at": None, "responsible_unit": None, "responsible_person": None,
         "geometry": shapely.Point(SIPING)},
    ]


def write_frame(path: Path, rows: Sequence[dict[str, Any]], *, crs: int | str | None = 4490,
                **kwargs: Any) -> Path:
    frame = gpd.GeoDataFrame([{k: v for k, v in r.items() if k != "geometry"} for r in rows],
                             geometry=[r["geometry"] for r in rows], crs=crs)
    with warnings.catch_warnings():  # Shapefiles launder long field names: intended here
        warnings.filterwarnings("ignore", "Normalized/laundered field name", RuntimeWarning)
        warnings.filterwarnings("ignore", "Column names longer than 10", UserWarning)
        frame.to_file(path, engine="pyogrio", **kwargs)
    return path


def features(store: Any, layer: LayerDefinition) -> list[Any]:
    """All stored features of a layer, in fid order."""
    return [feature for batch in store.iter_records(layer) for feature in batch]


def by_name(store: Any, layer: LayerDefinition) -> dict[str, Any]:
    return {feature.properties["name"]: feature for feature in features(store, layer)}
