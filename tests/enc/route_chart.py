"""A small hand-made reach for the water-level and route-check tests, stored like imported chart layers.

Drawn in UTM 52N metres (x east from an origin near Jilin, y north) and stored in lon/lat:

- waterway axis y = 0 from x = 0 to 5000 (drawn from east to west: the dam decides the direction),
  the dam at x = −50; distance from the dam is x / 1000 km;
- depth areas: channel |y| ≤ 100 drval1 4 (three pieces), a shoal x 2000–2300, y 0–100 drval1 1.5,
  banks 100 ≤ |y| ≤ 200 drval1 0;
- gauges UP at x = 500 (chart datum 100.0, clearance reference 105.0) and DN at x = 4500 (99.0, 104.0);
- a bridge deck x 3000–3020 across the river, verclr 8, horclr 40;
- a wreck at (4000, −30), valsou 2; a restricted area x 1000–1100, y 30–100 (restrn 8).

Readings: at T0 UP 101, DN 100 (1 m above chart datum at both); at T1 = T0 + 2 h UP 103, DN 101.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from enc_chart.waterlevel.readings import Reading
from enc_chart.waterlevel.service import WaterLevelService
from layers.model import FieldSpec, FieldType, GeometryType, LayerDefinition
from layers.registry import LayerRegistry
from layers.stores.base import FeatureRecord, FeatureStore

ORIGIN = (126.60, 43.80)
T0 = datetime(2026, 6, 1, tzinfo=UTC)
T1 = T0 + timedelta(hours=2)
WORLD = (-180.0, -90.0, 180.0, 90.0)

_UTM = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32652", always_xy=True)
_BACK = pyproj.Transformer.from_crs("EPSG:32652", "EPSG:4326", always_xy=True)
_X0, _Y0 = _UTM.transform(*ORIGIN)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """A point of the reach (metres from the origin) in lon/lat."""
    lon, lat = _BACK.transform(_X0 + x, _Y0 + y)
    return float(lon), float(lat)


def to_lonlat(geometry: BaseGeometry) -> BaseGeometry:
    def convert(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(_BACK.transform(_X0 + xy[:, 0], _Y0 + xy[:, 1]))

    return shapely.transform(geometry, convert)


def route(*points: tuple[float, float]) -> dict[str, Any]:
    """A GeoJSON LineString through reach points."""
    return {"type": "LineString", "coordinates": [list(lonlat(x, y)) for x, y in points]}


def _number(name: str) -> FieldSpec:
    return FieldSpec(name=name, type=FieldType.NUMBER, title_zh=name)


def _text(name: str) -> FieldSpec:
    return FieldSpec(name=name, type=FieldType.STRING, title_zh=name)


def chart_layer(layer_id: str, geometry: GeometryType, *fields: FieldSpec) -> LayerDefinition:
    return LayerDefinition(id=layer_id, title_zh=layer_id, title_en=layer_id, domain="waterway",
                           catalogue_code="JL-JT-HD-TEST", geometry_type=geometry,
                           fields=(_text("objnam"), _text("nobjnm"), _text("foid"), *fields), valid_extent=WORLD)


DEPARE = chart_layer("enc_depare", GeometryType.MULTIPOLYGON, _number("drval1"), _number("drval2"))
AXIS = chart_layer("enc_i_wtwaxs", GeometryType.MULTILINESTRING)
DAM = chart_layer("enc_damcon_p", GeometryType.MULTIPOINT)
GAUGES = chart_layer("enc_i_wtwgag_p", GeometryType.MULTIPOINT, _text("unlocd"), _number("sdrval"), _number("vcrval"))
BRIDGES = chart_layer("enc_bridge", GeometryType.MULTIPOLYGON, _number("verclr"), _number("horclr"))
WRECKS = chart_layer("enc_wrecks_p", GeometryType.MULTIPOINT, _number("valsou"))
RESARE = chart_layer("enc_resare", GeometryType.MULTIPOLYGON, _text("restrn"), _text("catrea"))


def _area(x0: float, y0: float, x1: float, y1: float) -> MultiPolygon:
    return MultiPolygon([to_lonlat(box(x0, y0, x1, y1))])


def _insert(store: FeatureStore, layer: LayerDefinition, rows: Sequence[tuple[BaseGeometry, dict[str, Any]]]) -> None:
    store.insert(layer, [FeatureRecord(geometry, props) for geometry, props in rows])


def build_reach(store: FeatureStore, *, readings: bool = True) -> LayerRegistry:
    """Register and fill the hand-made chart (and the readings at T0 and T1) in `store`."""
    registry = LayerRegistry(store)
    registry.register_many([DEPARE, AXIS, DAM, GAUGES, BRIDGES, WRECKS, RESARE])
    _insert(store, DEPARE, [
        (_area(0, -100, 2000, 100), {"drval1": 4.0, "drval2": 6.0, "foid": "channel-a"}),
        (_area(2000, -100, 2300, 0), {"drval1": 4.0, "drval2": 6.0, "foid": "channel-b"}),
        (_area(2300, -100, 5000, 100), {"drval1": 4.0, "drval2": 6.0, "foid": "channel-c"}),
        (_area(2000, 0, 2300, 100), {"drval1": 1.5, "drval2": 2.0, "foid": "shoal", "objnam": "Test shoal"}),
        (_area(0, 100, 5000, 200), {"drval1": 0.0, "drval2": 1.0, "foid": "north-bank"}),
        (_area(0, -200, 5000, -100), {"drval1": 0.0, "drval2": 1.0, "foid": "south-bank"}),
    ])
    _insert(store, AXIS, [(MultiLineString([to_lonlat(LineString([(5000, 0), (2500, 0), (0, 0)]))]),
                           {"objnam": "Test axis"})])
    _insert(store, DAM, [(MultiPoint([to_lonlat(Point(-50, 0))]), {"objnam": "Test dam"})])
    _insert(store, GAUGES, [
        (MultiPoint([to_lonlat(Point(500, 220))]),
         {"unlocd": "UP", "objnam": "Upper gauge", "nobjnm": "上游站", "sdrval": 100.0, "vcrval": 105.0}),
        (MultiPoint([to_lonlat(Point(4500, -220))]),
         {"unlocd": "DN", "objnam": "Lower gauge", "nobjnm": "下游站", "sdrval": 99.0, "vcrval": 104.0}),
    ])
    _insert(store, BRIDGES, [(MultiPolygon([to_lonlat(Polygon([(3000, -250), (3020, -250), (3020, 250),
                                                               (3000, 250)]))]),
                              {"verclr": 8.0, "horclr": 40.0, "objnam": "Test bridge", "nobjnm": "测试大桥"})])
    _insert(store, WRECKS, [(MultiPoint([to_lonlat(Point(4000, -30))]), {"valsou": 2.0, "objnam": "Old wreck"})])
    _insert(store, RESARE, [(_area(1000, 30, 1100, 100), {"restrn": "8", "objnam": "Ferry zone"})])
    if readings:
        water = WaterLevelService(store, registry)
        water.add_readings("UP", [Reading("UP", T0, 101.0), Reading("UP", T1, 103.0)])
        water.add_readings("DN", [Reading("DN", T0, 100.0), Reading("DN", T1, 101.0)])
    return registry


def add_wreck(store: FeatureStore, x: float, y: float, valsou: float) -> None:
    _insert(store, WRECKS, [(MultiPoint([to_lonlat(Point(x, y))]), {"valsou": valsou, "objnam": "New wreck"})])
