"""The road network (路网) as a graph, built from the stored `roads` layer, and paths along it.

Nodes are where sections end and where roads meet: the end points of every section, every point
where two sections cross or touch (routes of the sample network meet where they share a waypoint
or cross — the roads layer has no grade-separation data, so every crossing is taken as a junction),
and every section end lying within `SNAP_M` of another section. Points within `SNAP_M` of each
other are one node. Edges are the pieces of sections between consecutive nodes, weighted by
length (stake metres, as `linear_ref` measures them) and by travel time at the section's speed
limit (`speed_limit_kmh`). Where two pieces join the same pair of nodes the shorter one is kept.

A path between points anywhere on the network (`Position`s from `RoadIndex.measure`/`locate`)
runs from the point along its own piece to the piece's ends, through the graph (Dijkstra, by
`networkx`), and along the last piece to the target. The graph is cached per `roads` data version
(`road_network(registry)`). May import: `layers`, `domains.base`; never `gis_server`.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.strtree import STRtree

from domains.base.linear_ref import Position, RoadIndex, Section, roads_derived, to_metres
from layers.registry import LayerRegistry

#: End points and crossings closer than this (m) are one node.
SNAP_M = 5.0


@dataclass(frozen=True, slots=True)
class Leg:
    """A stretch of one section, from geodesic distance s0 to s1 along it (s1 < s0: against the stakes)."""

    section: Section
    s0: float
    s1: float

    @property
    def length_m(self) -> float:
        return abs(self.section.stake_at(self.s1) - self.section.stake_at(self.s0))

    @property
    def time_s(self) -> float:
        return self.length_m / (self.section.speed_limit_kmh / 3.6)


@dataclass(frozen=True, slots=True)
class NetworkPath:
    """The shortest path (by length) between two network positions."""

    distance_m: float
    #: Travel time at the speed limits along the path (no factor applied).
    time_s: float
    legs: tuple[Leg, ...]

    def coordinates(self) -> np.ndarray:
        """The path's lon/lat vertices."""
        parts = [leg.section.piece(leg.s0, leg.s1) for leg in self.legs if leg.s0 != leg.s1]
        if not parts:
            leg = self.legs[0]
            return np.array([leg.section.point(leg.s0)] * 2)
        return np.vstack(parts)

    def route_codes(self) -> list[str]:
        """The routes the path runs along, in order (stretches under a metre, at junctions, left out)."""
        codes: list[str] = []
        for leg in self.legs:
            if leg.length_m >= 1.0 and (not codes or codes[-1] != leg.section.route_code):
                codes.append(leg.section.route_code)
        return codes


class _Nodes:
    """Union–find over candidate node points; ids of clusters become node ids."""

    def __init__(self) -> None:
        self.points: list[tuple[int, float, float, float]] = []  # (section index, s, lon, lat)
        self.parent: list[int] = []

    def add(self, section: Section, s: float) -> None:
        lon, lat = section.point(s)
        self.points.append((section.index, s, lon, lat))
        self.parent.append(len(self.parent))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def cluster(self) -> list[int]:
        xy = to_metres(np.array([[p[2], p[3]] for p in self.points]))
        geoms = shapely.points(xy)
        left, right = STRtree(geoms).query(geoms, predicate="dwithin", distance=SNAP_M)
        for i, j in zip(left.tolist(), right.tolist(), strict=True):
            a, b = self.find(i), self.find(j)
            if a != b:
                self.parent[max(a, b)] = min(a, b)
        return [self.find(i) for i in range(len(self.points))]


def _candidate_nodes(index: RoadIndex) -> _Nodes:
    nodes = _Nodes()
    lines = [LineString(s.coords) for s in index.sections]
    metric = STRtree([LineString(to_metres(s.coords)) for s in index.sections])
    for section in index.sections:
        nodes.add(section, 0.0)
        nodes.add(section, section.length_m)
    left, right = STRtree(lines).query(lines, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        for part in shapely.get_parts(lines[i].intersection(lines[j])):
            ends = [part] if part.geom_type == "Point" else [Point(c) for c in (part.coords[0], part.coords[-1])]
            for point in ends:
                for k in (i, j):
                    nodes.add(index.sections[k], index.sections[k].nearest(point.x, point.y)[0])
    for section in index.sections:
        for s in (0.0, section.length_m):
            lon, lat = section.point(s)
            probe = Point(to_metres(np.array([[lon, lat]]))[0])
            for k in metric.query(probe, predicate="dwithin", distance=SNAP_M * 1.01).tolist():
                other = index.sections[k]
                if other is not section:
                    s_other, distance, *_ = other.nearest(lon, lat)
                    if distance <= SNAP_M:
                        nodes.add(other, s_other)
    return nodes


class RoadNetwork:
    """The graph of the roads layer and shortest paths over it."""

    def __init__(self, index: RoadIndex) -> None:
        self.index = index
        candidates = _candidate_nodes(index)
        cluster = candidates.cluster()
        ids = {root: n for n, root in enumerate(dict.fromkeys(cluster))}
        self.node_lonlat = {ids[root]: candidates.points[root][2:] for root in ids}
        per_section: dict[int, list[tuple[float, int]]] = {}
        for (section_index, s, _lon, _lat), root in zip(candidates.points, cluster, strict=True):
            per_section.setdefault(section_index, []).append((s, ids[root]))
        self.graph = nx.Graph()
        self.graph.add_nodes_from((node, {"lonlat": lonlat}) for node, lonlat in self.node_lonlat.items())
        #: Per section: the distances s of its nodes along it (ascending) and the node at each.
        self._cuts: dict[int, tuple[list[float], list[int]]] = {}
        for section in index.sections:
            cuts: list[tuple[float, int]] = []
            for s, node in sorted(per_section[section.index]):
                if cuts and cuts[-1][1] == node:
                    continue
                cuts.append((s, node))
            self._cuts[section.index] = ([c[0] for c in cuts], [c[1] for c in cuts])
            for (s0, a), (s1, b) in pairwise(cuts):
                leg = Leg(section, s0, s1)
                current = self.graph.get_edge_data(a, b)
                if a != b and (current is None or current["length_m"] > leg.length_m):
                    self.graph.add_edge(a, b, length_m=leg.length_m, time_s=leg.time_s, leg=leg)

    # -- placing points on the graph ---------------------------------------------------------
    def _piece(self, position: Position) -> tuple[tuple[float, int], tuple[float, int]]:
        """The nodes (with their distances along the section) either side of a position."""
        s_values, nodes = self._cuts[position.section.index]
        k = min(max(bisect.bisect_right(s_values, position.s) - 1, 0), len(s_values) - 2)
        return (s_values[k], nodes[k]), (s_values[k + 1], nodes[k + 1])

    def _with_points(self, points: Sequence[Position]) -> nx.Graph:
        """A copy of the graph with a node ("p", i) for each point, joined to its piece's ends
        and, directly, to the other points on the same piece."""
        graph = self.graph.copy()
        pieces = [self._piece(p) for p in points]
        for i, (point, ((s0, a), (s1, b))) in enumerate(zip(points, pieces, strict=True)):
            graph.add_node(("p", i), lonlat=(point.lon, point.lat))
            for s_node, node in ((s0, a), (s1, b)):
                leg = Leg(point.section, point.s, s_node)
                graph.add_edge(("p", i), node, length_m=leg.length_m, time_s=leg.time_s, leg=leg)
            for j in range(i):
                if points[j].section is point.section and pieces[j] == pieces[i]:
                    leg = Leg(point.section, point.s, points[j].s)
                    graph.add_edge(("p", i), ("p", j), length_m=leg.length_m, time_s=leg.time_s, leg=leg)
        return graph

    def paths_from(self, origin: Position, targets: Sequence[Position]) -> list[NetworkPath | None]:
        """The shortest path (by length) from `origin` to each target; None where none exists."""
        graph = self._with_points([origin, *targets])
        lengths, paths = nx.single_source_dijkstra(graph, ("p", 0), weight="length_m")
        result: list[NetworkPath | None] = []
        for i in range(1, len(targets) + 1):
            node = ("p", i)
            if node not in lengths:
                result.append(None)
                continue
            legs = [self._oriented(graph, u, v) for u, v in pairwise(paths[node])]
            if not legs:  # the same point
                legs = [Leg(origin.section, origin.s, origin.s)]
            result.append(NetworkPath(float(lengths[node]), sum(leg.time_s for leg in legs), tuple(legs)))
        return result

    def path(self, origin: Position, target: Position) -> NetworkPath | None:
        return self.paths_from(origin, [target])[0]

    @staticmethod
    def _oriented(graph: nx.Graph, u: object, v: object) -> Leg:
        """The edge's leg, turned to run from u to v."""
        leg: Leg = graph.edges[u, v]["leg"]
        x, y = graph.nodes[u]["lonlat"]
        (ax, ay), (bx, by) = leg.section.point(leg.s0), leg.section.point(leg.s1)
        if (ax - x) ** 2 + (ay - y) ** 2 <= (bx - x) ** 2 + (by - y) ** 2:
            return leg
        return Leg(leg.section, leg.s1, leg.s0)

    def components(self) -> int:
        return nx.number_connected_components(self.graph)


def road_network(registry: LayerRegistry) -> RoadNetwork:
    """The network of the registry's store, rebuilt when the roads layer changes."""
    return roads_derived(registry, "network", RoadNetwork)
