"""Duplicate oversize-transport applications (重复报件): same vehicle, overlapping dates and route.

Two applications are duplicates when
- they name the same plate (号牌, exact text),
- their validity periods [valid_from, valid_to] share at least one day (a missing bound is open), and
- their routes overlap by at least `DUPLICATE_SHARE` (half) of the shorter route's length: measured
  along the roads by stake ranges when both give `route_codes` (same road, overlapping stakes),
  otherwise along the lines (the part of one line within `OVERLAP_BUFFER_M` of the other).
May import: `layers`, `domains.base`, `domains.permits.route_check`; never `gis_server`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from domains.base.linear_ref import RoadIndex
from domains.permits.route_check import ApplicationRoute, as_day, build_route
from layers.model import LayerDefinition
from layers.query import FeatureQuery, OutputCrs
from layers.registry import LayerRegistry

#: Share of the shorter route two routes must have in common.
DUPLICATE_SHARE = 0.5
#: Lines closer than this (m) run along the same road.
OVERLAP_BUFFER_M = 20.0
#: At most this many applications per plate are compared.
MAX_SAME_PLATE = 10_000
STORAGE_LONLAT = OutputCrs(4490, lat_first=False)


@dataclass(frozen=True, slots=True)
class Duplicate:
    fid: int
    application_no: str
    share: float


def dates_overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two validity periods share a day (inclusive; a missing bound is open)."""
    a_from, a_to = as_day(a.get("valid_from")), as_day(a.get("valid_to"))
    b_from, b_to = as_day(b.get("valid_from")), as_day(b.get("valid_to"))
    if a_from is not None and b_to is not None and a_from > b_to:
        return False
    return not (b_from is not None and a_to is not None and b_from > a_to)


def route_overlap_share(a: ApplicationRoute, b: ApplicationRoute) -> float:
    """The length the routes share, as a share of the shorter one (0–1)."""
    if a.ranges and b.ranges:
        common = sum(max(0.0, min(ra.hi, rb.hi) - max(ra.lo, rb.lo))
                     for ra in a.ranges for rb in b.ranges if ra.route_code == rb.route_code)
        shorter = min(sum(r.hi - r.lo for r in a.ranges), sum(r.hi - r.lo for r in b.ranges))
    elif a.metric is not None and b.metric is not None:
        common = float(a.metric.intersection(b.metric.buffer(OVERLAP_BUFFER_M)).length)
        shorter = min(a.length_m, b.length_m)
    else:
        return 0.0
    return min(common / shorter, 1.0) if shorter > 0 else 0.0


def same_plate(registry: LayerRegistry, layer: LayerDefinition, plate: str) -> list[dict[str, Any]]:
    """Every application (GeoJSON feature, lon/lat) with the plate."""
    query = FeatureQuery(equals=(("plate", plate),), limit=MAX_SAME_PLATE, crs=STORAGE_LONLAT, count=False)
    return list(orjson.loads(registry.store.query(layer, query).features_json))


def find_duplicates(index: RoadIndex, fid: int, application: Mapping[str, Any], route: ApplicationRoute | None,
                    same_plate_features: list[dict[str, Any]]) -> list[Duplicate]:
    """The applications among `same_plate_features` (GeoJSON, lon/lat) that the given one duplicates."""
    if not application.get("plate") or route is None:
        return []
    found = []
    for other in same_plate_features:
        props = other.get("properties") or {}
        if int(other["id"]) == fid or props.get("plate") != application.get("plate") \
                or not dates_overlap(application, props):
            continue
        share = route_overlap_share(route, build_route(index, props, other.get("geometry"))[0])
        if share >= DUPLICATE_SHARE:
            found.append(Duplicate(int(other["id"]), str(props.get("application_no") or other["id"]), share))
    return sorted(found, key=lambda d: d.application_no)
