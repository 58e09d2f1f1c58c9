"""Where the reach is unsafe at a time for a draft (and air draft): depth areas and bridge clearances.

A depth area is unsafe when its effective shallowest depth, drval1 + the least Δ (water above chart
datum, `enc_chart.waterlevel.profile`) over the stretch of the axis it spans, is less than
draft + under-keel clearance. Each bridge's clearance now is its charted vertical clearance minus
(Δ − ρ) at its distance from the dam; it is safe when that is at least air draft + the route
check's margin (`enc_chart.route.vessel.AIR_MARGIN_M`).

May import: `layers`, `enc_chart.waterlevel`, `enc_chart.route`; never `gis_server` or `tiles`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping

from enc_chart.route.chart import ChartModel
from enc_chart.route.vessel import AIR_MARGIN_M, VESSEL_FIELDS
from enc_chart.waterlevel.profile import WaterProfile
from enc_chart.waterlevel.readings import parse_time
from layers.errors import InvalidFeature, InvalidQuery

SAFETY_PARAMETERS = frozenset({"time", "draft", "air_draft", "ukc"})


@dataclass(frozen=True)
class SafetyQuery:
    time: datetime
    draft: float
    ukc: float
    air_draft: float | None

    @property
    def required_depth_m(self) -> float:
        return self.draft + self.ukc


def _number(params: Mapping[str, str], name: str, *, required: bool, zero_ok: bool = False) -> float | None:
    raw = params.get(name)
    label, largest = VESSEL_FIELDS[name]
    if raw is None or raw.strip() == "":
        if required:
            raise InvalidQuery(f"缺少参数 {name}（{label}，米） / missing parameter {name} (metres)", parameter=name)
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InvalidQuery(f"参数 {name}（{label}）须为数值（米） / {name} must be a number of metres, got {raw!r}",
                           parameter=name) from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_ok) or value > largest:
        bound = "不小于 0" if zero_ok else "大于 0"
        raise InvalidQuery(f"参数 {name}（{label}）须{bound}且不超过 {largest:g} 米 / {name} must be "
                           f"{'non-negative' if zero_ok else 'positive'} and at most {largest:g} m, got {raw}",
                           parameter=name)
    return value


def parse_safety_query(params: Mapping[str, str], now: datetime | None = None) -> SafetyQuery:
    """`time` (RFC 3339, default now), `draft` (> 0), `ukc` (≥ 0, default 0), `air_draft` (> 0, optional)."""
    raw_time = params.get("time")
    if raw_time is None:
        moment = now or datetime.now(UTC)
    else:
        try:
            moment = parse_time(raw_time, "time")
        except InvalidFeature as exc:
            raise InvalidQuery(exc.message, parameter="time") from None
    draft = _number(params, "draft", required=True)
    assert draft is not None
    ukc = _number(params, "ukc", required=False, zero_ok=True) or 0.0
    return SafetyQuery(moment, draft, ukc, _number(params, "air_draft", required=False))


def unsafe_areas(model: ChartModel, profile: WaterProfile, required_depth: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the unsafe depth areas and their effective shallowest depth."""
    drval1 = model.drval1
    if not len(drval1):
        return np.empty(0, dtype=np.int64), np.empty(0)
    effective = drval1 + profile.min_depth_offset(model.depth.km_lo, model.depth.km_hi)
    unsafe = np.flatnonzero(~np.isnan(effective) & (effective < required_depth))
    return unsafe, effective[unsafe]


def area_features(model: ChartModel, indices: np.ndarray, effective: np.ndarray,
                  required_depth: float) -> list[dict[str, Any]]:
    """The unsafe areas as GeoJSON Features (lon/lat)."""
    depth = model.depth
    out = []
    for i, eff in zip(indices, effective, strict=True):
        props = depth.features.props[int(i)]
        out.append({"type": "Feature", "id": f"{depth.features.layer_ids[int(i)]}.{int(depth.features.fids[int(i)])}",
                    "geometry": mapping(depth.features.geoms[int(i)]),
                    "properties": {"drval1": props.get("drval1"), "drval2": props.get("drval2"),
                                   "effective_depth_m": round(float(eff), 3),
                                   "required_depth_m": round(required_depth, 3),
                                   "from_km": round(float(depth.km_lo[int(i)]), 3),
                                   "to_km": round(float(depth.km_hi[int(i)]), 3), **depth.ref(int(i))}})
    return out


def bridge_clearances(model: ChartModel, profile: WaterProfile, air_draft: float | None) -> list[dict[str, Any]]:
    """Every bridge with its clearance now and, given an air draft, whether it is safe."""
    bridges = model.bridges
    if not len(bridges):
        return []
    centres = shapely.centroid(bridges.geoms_m)
    km = model.reach.locate_km(centres)
    lonlat = model.reach.frame.lonlat_of(shapely.get_coordinates(centres))
    verclr = bridges.features.number("verclr")
    horclr = bridges.features.number("horclr")
    now = verclr - profile.clearance_offset(km)
    out = []
    for i in np.argsort(km, kind="stable"):
        clearance = None if np.isnan(now[i]) else round(float(now[i]), 3)
        safe = None
        if air_draft is not None:
            safe = clearance is not None and clearance >= air_draft + AIR_MARGIN_M
        out.append({"name": bridges.name(int(i)), "distance_km": round(float(km[i]), 3),
                    "location": [round(float(lonlat[i, 0]), 7), round(float(lonlat[i, 1]), 7)],
                    "charted_vertical_clearance_m": None if np.isnan(verclr[i]) else float(verclr[i]),
                    "vertical_clearance_m": clearance,
                    "horizontal_clearance_m": None if np.isnan(horclr[i]) else float(horclr[i]),
                    "required_air_clearance_m": None if air_draft is None else air_draft + AIR_MARGIN_M,
                    "safe": safe, **bridges.ref(int(i))})
    return out


def safety_report(model: ChartModel, profile: WaterProfile, query: SafetyQuery) -> dict[str, Any]:
    """The unsafe areas as a GeoJSON FeatureCollection, with the bridges and the water level beside."""
    required = query.required_depth_m
    indices, effective = unsafe_areas(model, profile, required)
    return {
        "type": "FeatureCollection",
        "time": query.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "draft": query.draft, "ukc": query.ukc, "air_draft": query.air_draft, "required_depth_m": required,
        "water_level": profile.to_dict(),
        "bridges": bridge_clearances(model, profile, query.air_draft),
        "numberReturned": len(indices),
        "features": area_features(model, indices, effective, required),
    }
