"""The route check: every place a vessel on a route would be unsafe at the water level of a time.

The route is projected to the reach's local metres and sampled every `SAMPLE_SPACING_M` (or the
corridor half-width if smaller). Each sample has its distance along the route and its distance from
the dam along the axis (for the water level there). Then, all with shapely 2 array operations and
STRtrees (the chart side cached per data version, `ChartService`):

1. in the reach: every sample within `COVERAGE_TOLERANCE_M` of a charted depth area and within
   `MAX_AXIS_OFFSET_M` of the axis, else `OutsideReach` (400);
2. depth: where the corridor touches a depth area whose drval1 + Δ(x) < draft + ukc — one violation
   per area and stretch, located where the corridor enters it;
3. bridges the corridor meets: clearance now < air draft + margin, horizontal clearance < beam + margin,
   or no vertical clearance charted;
4. obstructions, wrecks and rocks in the corridor whose valsou + Δ(x) < draft + ukc (or no valsou);
5. restricted areas the route enters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import LineString, Point

from enc_chart.route.chart import ChartModel
from enc_chart.route.messages import bridge_message, depth_message, hazard_message, restricted_message
from enc_chart.route.vessel import MAX_ROUTE_KM, Vessel
from enc_chart.waterlevel.errors import ChartNotLoaded, OutsideReach
from enc_chart.waterlevel.profile import WaterProfile
from layers.errors import InvalidFeature

SAMPLE_SPACING_M = 10.0
#: Every this many samples (and at the route's vertices) the distance from the dam is projected exactly.
PROJECT_EVERY = 4
COVERAGE_TOLERANCE_M = 30.0
MAX_AXIS_OFFSET_M = 1500.0


@dataclass(frozen=True)
class Violation:
    kind: str  # depth, bridge_air_draft, bridge_width, obstruction, restricted_area
    message: str
    lon: float
    lat: float
    distance_km: float  # from the dam along the axis
    route_km: float  # from the start of the route
    details: dict[str, Any] = field(default_factory=dict)

    def to_feature(self) -> dict[str, Any]:
        return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(self.lon, 7),
                                                                                round(self.lat, 7)]},
                "properties": {"kind": self.kind, "message": self.message,
                               "distance_km": round(self.distance_km, 3), "route_km": round(self.route_km, 3),
                               **self.details}}


@dataclass(frozen=True)
class RouteCheck:
    vessel: Vessel
    profile: WaterProfile
    length_km: float
    from_km: float
    to_km: float
    violations: list[Violation]

    def to_geojson(self) -> dict[str, Any]:
        v = self.vessel
        return {
            "type": "FeatureCollection",
            "safe": not self.violations,
            "numberOfViolations": len(self.violations),
            "time": self.profile.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "vessel": v.to_dict(),
            "criteria": {"required_depth_m": round(v.required_depth_m, 3),
                         "required_air_clearance_m": round(v.required_air_m, 3),
                         "required_width_m": round(v.required_width_m, 3),
                         "corridor_half_width_m": round(v.half_width_m, 3)},
            "route": {"length_km": round(self.length_km, 3), "from_km": round(self.from_km, 3),
                      "to_km": round(self.to_km, 3)},
            "water_level": self.profile.to_dict(),
            "features": [item.to_feature() for item in self.violations],
        }


@dataclass(frozen=True)
class _Samples:
    """The route sampled in local metres."""

    xy: np.ndarray
    points: np.ndarray
    along_m: np.ndarray  # from the route's start
    km: np.ndarray  # from the dam along the axis
    offset_m: np.ndarray  # from the axis
    tree: STRtree


def check_route(model: ChartModel, profile: WaterProfile, route: LineString, vessel: Vessel) -> RouteCheck:
    """Every violation along `route` (lon/lat) for `vessel` at the profile's water level."""
    reach = model.reach
    if not reach.area.contains(route):
        lon, lat = next((x, y) for x, y in route.coords if not reach.area.contains(Point(x, y)))
        raise OutsideReach(f"航线不在本航段范围内：({lon:.5f}, {lat:.5f}) 远离航道 / the route is not on the reach: "
                           f"({lon:.5f}, {lat:.5f}) is far from its waterway")
    route_m = reach.frame.to_metres(route)
    if route_m.length > MAX_ROUTE_KM * 1000:
        raise InvalidFeature(f"航线长 {route_m.length / 1000:.1f} 公里，超过 {MAX_ROUTE_KM:g} 公里 / the route is "
                             f"{route_m.length / 1000:.1f} km long, more than {MAX_ROUTE_KM:g} km", field="route")
    samples = _sample(model, route_m, min(SAMPLE_SPACING_M, vessel.half_width_m))
    _check_in_reach(model, samples)
    shapely.prepare(route_m)
    found = [*_depth(model, profile, vessel, samples, route_m),
             *_bridges(model, profile, vessel, samples, route_m),
             *_hazards(model, profile, vessel, samples, route_m),
             *_restricted(model, samples, route_m)]
    found.sort(key=lambda v: (v.route_km, v.kind))
    return RouteCheck(vessel, profile, route_m.length / 1000.0, float(samples.km[0]), float(samples.km[-1]), found)


def _sample(model: ChartModel, route_m: LineString, spacing: float) -> _Samples:
    """Samples every `spacing` metres; distances from the dam are projected exactly at every
    `PROJECT_EVERY`th sample and the last, linear along the route in between."""
    xy = shapely.get_coordinates(shapely.segmentize(route_m, spacing))
    points = shapely.points(xy)
    along = np.concatenate(([0.0], np.cumsum(np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1])))))
    exact = np.union1d(np.arange(0, len(xy), PROJECT_EVERY), [len(xy) - 1])
    km, offset = model.reach.project(xy[exact])
    return _Samples(xy, points, along, np.interp(along, along[exact], km), np.interp(along, along[exact], offset),
                    STRtree(points))


def _where(model: ChartModel, samples: _Samples, i: int) -> tuple[float, float]:
    lon, lat = model.reach.frame.lonlat_of(samples.xy[i])[0]
    return float(lon), float(lat)


def _check_in_reach(model: ChartModel, samples: _Samples) -> None:
    if not len(model.depth):
        raise ChartNotLoaded("航道图没有水深区（DEPARE，图层 enc_depare） / the chart has no depth areas "
                             "(DEPARE, layer enc_depare)")
    outside = samples.offset_m > MAX_AXIS_OFFSET_M
    inside = shapely.contains_xy(model.coverage, samples.xy[:, 0], samples.xy[:, 1])
    rest = np.flatnonzero(~inside)
    if len(rest):  # near the edge of the charted water
        inside[rest] = shapely.dwithin(model.coverage, samples.points[rest], COVERAGE_TOLERANCE_M)
    outside |= ~inside
    if outside.any():
        i = int(np.argmax(outside))
        lon, lat = _where(model, samples, i)
        raise OutsideReach(
            f"航线在距起点 {samples.along_m[i] / 1000:.2f} 公里处（{lon:.5f}, {lat:.5f}）离开本航段的航道图水域"
            f"（或偏离航道轴线超过 {MAX_AXIS_OFFSET_M:g} 米） / the route leaves the charted water of the reach "
            f"{samples.along_m[i] / 1000:.2f} km from its start, at ({lon:.5f}, {lat:.5f}) (or strays more than "
            f"{MAX_AXIS_OFFSET_M:g} m from the waterway axis)")


def _runs(indices: np.ndarray) -> list[np.ndarray]:
    """Sorted sample indices split where they are not consecutive."""
    indices = np.unique(indices)
    return np.split(indices, np.flatnonzero(np.diff(indices) > 1) + 1) if len(indices) else []


def _depth(model: ChartModel, profile: WaterProfile, vessel: Vessel, samples: _Samples,
           route_m: LineString) -> list[Violation]:
    required = vessel.required_depth_m
    drval1 = model.drval1
    near = model.depth.tree.query(shapely.buffer(shapely.envelope(route_m), vessel.half_width_m))
    offsets = profile.depth_offset(samples.km)
    near = near[~np.isnan(drval1[near]) & (drval1[near] + offsets.min() < required)]  # may be too shallow
    touched = near[shapely.dwithin(model.depth.geoms_m[near], route_m, vessel.half_width_m)]
    if not len(touched):
        return []
    area_i, sample_i = samples.tree.query(model.depth.geoms_m[touched], predicate="dwithin",
                                          distance=vessel.half_width_m)
    area_i = touched[area_i]
    effective = drval1[area_i] + offsets[sample_i]
    unsafe = effective < required
    out = []
    for area in np.unique(area_i[unsafe]):
        mine = unsafe & (area_i == area)
        for run in _runs(sample_i[mine]):
            eff = drval1[area] + offsets[run]
            out.append(_depth_violation(model, samples, vessel, int(area), int(run[0]), float(eff.min()),
                                        float(samples.along_m[run[-1]] - samples.along_m[run[0]])))
    for area in np.setdiff1d(touched, area_i):  # smaller than the sample spacing: nearest sample
        i = int(np.argmin(shapely.distance(samples.points, model.depth.geoms_m[area])))
        eff = float(drval1[area] + offsets[i])
        if eff < required:
            out.append(_depth_violation(model, samples, vessel, int(area), i, eff, 0.0))
    return out


def _depth_violation(model: ChartModel, samples: _Samples, vessel: Vessel, area: int, i: int, effective: float,
                     length_m: float) -> Violation:
    props = model.depth.features.props[area]
    lon, lat = _where(model, samples, i)
    details = {"effective_depth_m": round(effective, 3), "required_depth_m": round(vessel.required_depth_m, 3),
               "drval1": props.get("drval1"), "drval2": props.get("drval2"), "length_m": round(length_m, 1),
               **model.depth.ref(area)}
    return Violation("depth", depth_message(effective, vessel), lon, lat, float(samples.km[i]),
                     float(samples.along_m[i] / 1000), details)


def _nearest_on_route(model: ChartModel, samples: _Samples, route_m: LineString, geoms: np.ndarray,
                      on_route: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each geometry: the nearest point on the route (or on the geometry), its axis km and route km."""
    lines = shapely.shortest_line(np.full(len(geoms), route_m, dtype=object), geoms)
    coords = shapely.get_coordinates(lines).reshape(-1, 2, 2)
    on = shapely.points(coords[:, 0])
    at = on if on_route else shapely.points(coords[:, 1])
    along = np.asarray(shapely.line_locate_point(route_m, on)) / 1000.0
    return model.reach.frame.lonlat_of(shapely.get_coordinates(at)), model.reach.locate_km(at), along


def _bridges(model: ChartModel, profile: WaterProfile, vessel: Vessel, samples: _Samples,
             route_m: LineString) -> list[Violation]:
    bridges = model.bridges
    hits = bridges.tree.query(route_m, predicate="dwithin", distance=vessel.half_width_m)
    if not len(hits):
        return []
    lonlat, km, along = _nearest_on_route(model, samples, route_m, bridges.geoms_m[hits], on_route=True)
    verclr = bridges.features.number("verclr")[hits]
    horclr = bridges.features.number("horclr")[hits]
    now = verclr - profile.clearance_offset(km)
    out = []
    for j, b in enumerate(hits):
        name = bridges.name(int(b))
        details = {"charted_vertical_clearance_m": None if np.isnan(verclr[j]) else float(verclr[j]),
                   "vertical_clearance_m": None if np.isnan(now[j]) else round(float(now[j]), 3),
                   "horizontal_clearance_m": None if np.isnan(horclr[j]) else float(horclr[j]),
                   **bridges.ref(int(b))}
        where = (float(lonlat[j, 0]), float(lonlat[j, 1]), float(km[j]), float(along[j]))
        if np.isnan(now[j]) or now[j] < vessel.required_air_m:
            details_air = {**details, "required_air_clearance_m": round(vessel.required_air_m, 3)}
            out.append(Violation("bridge_air_draft", bridge_message("air", name, now[j], vessel), *where,
                                 details_air))
        if not np.isnan(horclr[j]) and horclr[j] < vessel.required_width_m:
            details_width = {**details, "required_width_m": round(vessel.required_width_m, 3)}
            out.append(Violation("bridge_width", bridge_message("width", name, horclr[j], vessel), *where,
                                 details_width))
    return out


def _hazards(model: ChartModel, profile: WaterProfile, vessel: Vessel, samples: _Samples,
             route_m: LineString) -> list[Violation]:
    hazards = model.hazards
    hits = hazards.tree.query(route_m, predicate="dwithin", distance=vessel.half_width_m)
    if not len(hits):
        return []
    lonlat, km, along = _nearest_on_route(model, samples, route_m, hazards.geoms_m[hits], on_route=False)
    valsou = hazards.features.number("valsou")[hits]
    effective = valsou + profile.depth_offset(km)
    out = []
    for j, h in enumerate(hits):
        if not np.isnan(effective[j]) and effective[j] >= vessel.required_depth_m:
            continue
        eff = None if np.isnan(effective[j]) else round(float(effective[j]), 3)
        layer = hazards.features.layer_ids[int(h)]
        details = {"object_class": layer.removeprefix("enc_").removeprefix("i_").split("_")[0].upper(),
                   "valsou": None if np.isnan(valsou[j]) else float(valsou[j]), "effective_depth_m": eff,
                   "required_depth_m": round(vessel.required_depth_m, 3), **hazards.ref(int(h))}
        out.append(Violation("obstruction", hazard_message(details["object_class"], hazards.name(int(h)), eff, vessel),
                             float(lonlat[j, 0]), float(lonlat[j, 1]), float(km[j]), float(along[j]), details))
    return out


def _restricted(model: ChartModel, samples: _Samples, route_m: LineString) -> list[Violation]:
    areas = model.restricted
    hits = areas.tree.query(route_m, predicate="intersects")
    out = []
    for a in hits:
        inside = samples.tree.query(areas.geoms_m[a], predicate="intersects")
        if len(inside):
            i = int(inside.min())
            lon, lat = _where(model, samples, i)
            km, along = float(samples.km[i]), float(samples.along_m[i] / 1000)
        else:
            lonlat, kms, alongs = _nearest_on_route(model, samples, route_m, areas.geoms_m[[a]], on_route=True)
            lon, lat, km, along = float(lonlat[0, 0]), float(lonlat[0, 1]), float(kms[0]), float(alongs[0])
        props = areas.features.props[int(a)]
        details = {"restrn": props.get("restrn"), "catrea": props.get("catrea"), **areas.ref(int(a))}
        out.append(Violation("restricted_area", restricted_message(areas.name(int(a)), props.get("restrn")),
                             lon, lat, km, along, details))
    return out
