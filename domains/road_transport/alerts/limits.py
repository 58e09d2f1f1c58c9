"""The speed limit that applies to each report: the road's posted limit, capped for dangerous goods.

- On a road (nearest section within 50 m): its `speed_limit_kmh`; a dangerous-goods vehicle at most
  80 km/h on an expressway and 60 km/h elsewhere (《危险货物道路运输安全管理办法》第四十六条: the lower
  of the cap and the posted limit).
- Off the mapped network: 60 km/h for dangerous goods ("其他道路"); no known limit for others (NaN,
  never speeding).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from domains.road_transport.positions.batch import PositionBatch
from domains.road_transport.reference import RoadIndex
from domains.road_transport.vocabulary import DG_EXPRESSWAY_KMH, DG_OTHER_ROAD_KMH


@dataclass(frozen=True, slots=True)
class Limits:
    #: km/h per report, NaN where no limit is known.
    limit: np.ndarray
    #: Index of the matched road section per report, -1 off the network.
    road: np.ndarray


def speed_limits(batch: PositionBatch, roads: RoadIndex | None, dangerous_goods: np.ndarray) -> Limits:
    """Each report's limit. Reports too slow to exceed any limit (at or below the lowest posted limit
    and the dangerous-goods caps) are not matched to a road: their limit stays NaN."""
    n = len(batch)
    road = np.full(n, -1, dtype=np.int64)
    if roads is not None:
        floor = np.fmin(roads.lowest_limit, float(DG_OTHER_ROAD_KMH))
        candidates = np.flatnonzero(batch.speed > floor)
        road[candidates] = roads.match(batch.lon[candidates], batch.lat[candidates])
    else:
        candidates = np.arange(n)
    on_road = road >= 0
    posted = np.full(n, np.nan)
    expressway = np.zeros(n, dtype=bool)
    if roads is not None and on_road.any():
        posted[on_road] = roads.speed_limit[road[on_road]]
        expressway[on_road] = roads.expressway[road[on_road]]
    cap = np.where(expressway, float(DG_EXPRESSWAY_KMH), float(DG_OTHER_ROAD_KMH))
    capped = np.fmin(posted, cap)  # fmin: a NaN posted limit gives the cap
    limit = np.full(n, np.nan)
    limit[candidates] = np.where(dangerous_goods, capped, posted)[candidates]
    return Limits(limit, road)
