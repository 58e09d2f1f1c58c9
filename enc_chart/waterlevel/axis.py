"""Distances along the waterway axis for many points at once.

`shapely.line_locate_point` walks every segment of the axis for every point; a route check asks for
thousands of points on an axis of thousands of vertices. `AxisIndex` finds each point's nearest
segment through an STRtree and projects onto it with numpy: the same answer (the nearest point of
the axis), in a few milliseconds.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import LineString


class AxisIndex:
    def __init__(self, axis: LineString) -> None:
        xy = shapely.get_coordinates(axis)
        keep = np.concatenate(([True], np.any(np.diff(xy, axis=0) != 0, axis=1)))
        xy = xy[keep]
        self._a = xy[:-1]
        self._d = xy[1:] - xy[:-1]
        self._len2 = (self._d ** 2).sum(axis=1)
        lengths = np.sqrt(self._len2)
        self._start = np.concatenate(([0.0], np.cumsum(lengths)))[:-1]
        self._tree = STRtree(shapely.linestrings(np.stack((xy[:-1], xy[1:]), axis=1)))

    def project(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For (N, 2) points in metres: distance along the axis of the nearest axis point (m), and the
        distance to it (m)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if not len(xy):
            return np.empty(0), np.empty(0)
        found = self._tree.query_nearest(shapely.points(xy), all_matches=False)
        segment = np.empty(len(xy), dtype=np.int64)
        segment[found[0]] = found[1]
        a, d = self._a[segment], self._d[segment]
        t = np.clip(((xy - a) * d).sum(axis=1) / self._len2[segment], 0.0, 1.0)
        nearest = a + t[:, None] * d
        along = self._start[segment] + t * np.sqrt(self._len2[segment])
        return along, np.hypot(*(xy - nearest).T)
