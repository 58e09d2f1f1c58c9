"""The reach: its waterway axis (distances from the dam are measured along it) and its gauges.

- Axis: the `wtwaxs` (Inland ENC waterway axis) features, merged into one line; where pieces do not
  touch they are chained end to nearest end. A store may hold other charts (test cells in Europe or
  the US): axis pieces are grouped by proximity and the group nearest Fengman Dam (`ANCHOR`) is the
  reach; everything else the services read is limited to the reach's box (`Reach.area`, the axis'
  bounds widened by `MARGIN_DEG`). Distance 0 is the end nearer the dam (`DAMCON`); with no dam
  charted, the axis runs as it is drawn.
- Gauges: the `wtwgag` (Inland ENC waterway gauge) features. A gauge's id is its `gauge_id` field
  when the layer has one, else `unlocd` (the Inland ENC location code), else `objnam`, else its
  `foid`. Its chart datum is `sdrval` (ship's draught reference value: the gauge reading at which the
  charted depths hold; 0 when missing, i.e. the gauge zero is the chart datum) and its clearance
  reference level is `vcrval` (vertical clearance reference value: the gauge reading at which the
  charted bridge clearances hold; none when missing, then clearances are taken above chart datum).
  Both are metres on the gauge's own staff, like its readings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from enc_chart.waterlevel.axis import AxisIndex
from enc_chart.waterlevel.errors import ChartNotLoaded, GaugeNotFound
from enc_chart.waterlevel.source import LocalFrame, class_layers, read_features
from layers.registry import LayerRegistry
from layers.stores.base import FeatureStore

AXIS_CLASSES = ("wtwaxs",)
GAUGE_CLASSES = ("wtwgag",)
DAM_CLASSES = ("DAMCON",)
_GAUGE_ID_FIELDS = ("gauge_id", "unlocd", "objnam", "foid")
#: Fengman Dam (43°43′10″N 126°41′19″E), the upstream end of the pilot reach.
ANCHOR = (126.688611, 43.719444)
#: Axis pieces closer than this (degrees, ~300 m) belong to the same waterway.
JOIN_DEG = 0.003
#: The reach's box: the axis' bounds widened by this (degrees, ~4–5 km).
MARGIN_DEG = 0.05
#: Gauges farther than this from the axis are not gauges of the reach.
MAX_GAUGE_OFFSET_M = 2_000.0


@dataclass(frozen=True)
class Gauge:
    gauge_id: str
    name: str | None  # objnam
    name_zh: str | None  # nobjnm
    lon: float
    lat: float
    distance_km: float  # along the axis from the dam
    offset_m: float  # distance from the axis
    chart_datum_m: float  # gauge reading at chart datum (sdrval)
    reference_level_m: float | None  # gauge reading at which charted clearances hold (vcrval)
    layer_id: str
    fid: int

    @property
    def point(self) -> Point:
        return Point(self.lon, self.lat)


@dataclass(frozen=True)
class Reach:
    frame: LocalFrame
    axis: LineString  # local metres, from the dam
    gauges: tuple[Gauge, ...]  # by distance
    area: BaseGeometry  # lon/lat box around the axis: the chart features the services read
    index: AxisIndex

    @property
    def length_km(self) -> float:
        return self.axis.length / 1000.0

    def gauge(self, gauge_id: str) -> Gauge:
        for gauge in self.gauges:
            if gauge.gauge_id == gauge_id:
                return gauge
        known = "、".join(g.gauge_id for g in self.gauges) or "—"
        raise GaugeNotFound(f"水位站不存在 / no gauge {gauge_id!r}; gauges: {known}")

    def project(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For (N, 2) points in local metres: distance from the dam (km) and from the axis (m)."""
        along, offset = self.index.project(xy)
        return along / 1000.0, offset

    def locate_km(self, points_m: np.ndarray) -> np.ndarray:
        """Distance from the dam along the axis (km) of the axis point nearest each point geometry."""
        return self.project(shapely.get_coordinates(points_m))[0]


def load_reach(store: FeatureStore, registry: LayerRegistry) -> Reach:
    """The reach as the store holds it now. Raises `ChartNotLoaded` without an axis."""
    axis_features = read_features(store, class_layers(registry, AXIS_CLASSES))
    lines = _nearest_waterway([g for g in shapely.get_parts(axis_features.geoms) if g.geom_type == "LineString"])
    if not lines:
        raise ChartNotLoaded("航道轴线（wtwaxs，图层 enc_i_wtwaxs）未装载，无法按里程计算水位 / the waterway axis "
                             "(wtwaxs, layer enc_i_wtwaxs) is not loaded: distances and water levels need it")
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(lines, dtype=object))
    area = shapely.box(minx - MARGIN_DEG, miny - MARGIN_DEG, maxx + MARGIN_DEG, maxy + MARGIN_DEG)
    frame = LocalFrame((minx + maxx) / 2)
    dams = read_features(store, class_layers(registry, DAM_CLASSES)).within(area)
    dam = frame.to_metres(shapely.union_all(dams.geoms)) if len(dams) else None
    axis = _orient(_chain([frame.to_metres(line) for line in lines], dam), dam)
    index = AxisIndex(axis)
    return Reach(frame, axis, _gauges(store, registry, frame, index, area), area, index)


def _nearest_waterway(lines: list[LineString]) -> list[LineString]:
    """The pieces of the waterway (pieces within `JOIN_DEG` of each other) nearest `ANCHOR`."""
    if not lines:
        return []
    pieces = np.array(lines, dtype=object)
    groups = shapely.get_parts(shapely.union_all(shapely.buffer(pieces, JOIN_DEG)))
    nearest = groups[int(np.argmin(shapely.distance(groups, Point(ANCHOR))))]
    return list(pieces[shapely.intersects(pieces, nearest)])


def _chain(lines: list[LineString], dam: BaseGeometry | None) -> LineString:
    """One line through all pieces: merged where they touch, else joined end to nearest end."""
    merged = shapely.line_merge(shapely.union_all(lines))
    parts = [p for p in shapely.get_parts(merged) if not p.is_empty]
    if len(parts) == 1:
        return parts[0]
    start = min(parts, key=lambda p: dam.distance(p) if dam is not None else 0.0)
    parts.remove(start)
    coords = list(start.coords)
    if dam is not None and dam.distance(Point(coords[-1])) < dam.distance(Point(coords[0])):
        coords.reverse()
    while parts:
        end = Point(coords[-1])
        best = min(parts, key=lambda p: min(end.distance(Point(p.coords[0])), end.distance(Point(p.coords[-1]))))
        parts.remove(best)
        piece = list(best.coords)
        if end.distance(Point(piece[-1])) < end.distance(Point(piece[0])):
            piece.reverse()
        coords.extend(piece)
    return LineString(coords)


def _orient(axis: LineString, dam: BaseGeometry | None) -> LineString:
    if dam is None:
        return axis
    first, last = Point(axis.coords[0]), Point(axis.coords[-1])
    return axis if dam.distance(first) <= dam.distance(last) else axis.reverse()


def _gauges(store: FeatureStore, registry: LayerRegistry, frame: LocalFrame, index: AxisIndex,
            area: BaseGeometry) -> tuple[Gauge, ...]:
    features = read_features(store, class_layers(registry, GAUGE_CLASSES)).within(area)
    if not len(features):
        return ()
    points = shapely.point_on_surface(features.geoms)
    along, offsets = index.project(shapely.get_coordinates(frame.to_metres(points)))
    near = offsets <= MAX_GAUGE_OFFSET_M
    features, points, km, offsets = features.subset(near), points[near], along[near] / 1000.0, offsets[near]
    datum = features.number("sdrval")
    reference = features.number("vcrval")
    names, names_zh = features.text("objnam"), features.text("nobjnm")
    gauges = []
    for i, props in enumerate(features.props):
        gauge_id = next((str(props[k]) for k in _GAUGE_ID_FIELDS if props.get(k) not in (None, "")),
                        f"{features.layer_ids[i]}-{features.fids[i]}")
        gauges.append(Gauge(
            gauge_id=gauge_id, name=names[i], name_zh=names_zh[i],
            lon=float(points[i].x), lat=float(points[i].y), distance_km=float(km[i]), offset_m=float(offsets[i]),
            chart_datum_m=0.0 if np.isnan(datum[i]) else float(datum[i]),
            reference_level_m=None if np.isnan(reference[i]) else float(reference[i]),
            layer_id=features.layer_ids[i], fid=int(features.fids[i])))
    return tuple(sorted(gauges, key=lambda g: (g.distance_km, g.gauge_id)))
