"""Chain-node topology for S-57 export: isolated nodes, connected nodes, shared edges, linkages.

S-57 stores no geometry on features: a feature points (FSPT: RCNM, RCID, ORNT, USAG, MASK) at
vector records. `Topology` turns geometries into those records in two passes. `add` collects each
feature's points, line parts and rings (area rings oriented as S-57 wants them: exterior clockwise,
interior counter-clockwise, the area on the right); `finish` then cuts lines and rings at the
junctions of the whole boundary network (vertices with other than two neighbours, line ends) into
chains. A chain found again — in either direction — is the same edge, so the boundary between two
adjacent depth areas, the land beside them and a contour lying on it are stored once, each feature
referring to the edge with its own orientation (ORNT 1 forward, 2 reversed). A closed chain with no
junction starts at its smallest vertex. Coordinates are compared on S-57's 1e-7° grid.

May import: nothing of ours.
"""

from __future__ import annotations

import struct
from collections import defaultdict
from itertools import pairwise

import shapely
from shapely.geometry.polygon import orient

RCNM_VI, RCNM_VC, RCNM_VE = 110, 120, 130
Pt = tuple[float, float]
Link = tuple[int, int, int, int, int]  # RCNM, RCID, ORNT, USAG, MASK


def _points(coords: object) -> list[Pt]:
    out: list[Pt] = []
    for c in coords:  # type: ignore[attr-defined]
        p = (round(float(c[0]), 7), round(float(c[1]), 7))
        if not out or out[-1] != p:
            out.append(p)
    return out


def line_wkb(points: list[Pt]) -> bytes:
    """WKB of a line string with any number of vertices (an edge's inner vertices may be 0 or 1)."""
    return struct.pack("<BII", 1, 2, len(points)) + b"".join(struct.pack("<dd", x, y) for x, y in points)


class Topology:
    def __init__(self) -> None:
        self.isolated: list[tuple[int, bytes]] = []  # (rcid, wkb)
        self.connected: dict[Pt, int] = {}  # position → rcid
        self.edges: list[tuple[int, int, int, bytes]] = []  # (rcid, begin node, end node, inner vertices wkb)
        self._edge_of: dict[tuple[Pt, ...], int] = {}
        self._pending: list[list[tuple[list[Pt], int]]] = []  # per feature: (chain, usage) before cutting
        self._points: list[list[Link]] = []
        self._neighbours: dict[Pt, set[Pt]] = defaultdict(set)
        self._ends: set[Pt] = set()

    def add(self, geom: shapely.Geometry | None) -> int:
        """Register a feature's geometry; returns the token `links` takes after `finish`."""
        chains: list[tuple[list[Pt], int]] = []
        points: list[Link] = []
        if geom is not None and not geom.is_empty:
            kind = geom.geom_type
            if kind in ("Point", "MultiPoint"):
                self.isolated.append((len(self.isolated) + 1, shapely.to_wkb(geom, byte_order=1)))
                points.append((RCNM_VI, len(self.isolated), 255, 255, 255))
            elif kind in ("LineString", "MultiLineString"):
                for part in shapely.get_parts(geom):
                    pts = _points(part.coords)
                    if pts[0] != pts[-1]:
                        self._ends.update((pts[0], pts[-1]))
                    chains.append((pts, 255))
            else:
                for part in shapely.get_parts(geom):
                    poly = orient(part, sign=-1.0)
                    chains.append((_points(poly.exterior.coords), 1))
                    chains += [(_points(ring.coords), 2) for ring in poly.interiors]
        for pts, _ in chains:
            for a, b in pairwise(pts):
                self._neighbours[a].add(b)
                self._neighbours[b].add(a)
        self._pending.append(chains)
        self._points.append(points)
        return len(self._pending) - 1

    def finish(self) -> list[list[Link]]:
        """Cut every chain at the junctions, make the edges and nodes; the links of each feature."""
        junctions = {p for p, n in self._neighbours.items() if len(n) != 2} | self._ends
        out = []
        for token, chains in enumerate(self._pending):
            links = list(self._points[token])
            for pts, usage in chains:
                for piece in _cut(pts, junctions):
                    edge, forward = self._edge(piece)
                    links.append((RCNM_VE, edge, 1 if forward else 2, usage, 255))
            out.append(links)
        return out

    def _node(self, p: Pt) -> int:
        if p not in self.connected:
            self.connected[p] = len(self.connected) + 1
        return self.connected[p]

    def _edge(self, piece: list[Pt]) -> tuple[int, bool]:
        key, forward = _canonical(piece)
        if key not in self._edge_of:
            self._edge_of[key] = len(self.edges) + 1
            self.edges.append((len(self.edges) + 1, self._node(key[0]), self._node(key[-1]),
                               line_wkb(list(key[1:-1]))))
        return self._edge_of[key], forward


def _cut(pts: list[Pt], junctions: set[Pt]) -> list[list[Pt]]:
    closed = len(pts) > 2 and pts[0] == pts[-1]
    if not closed:
        cuts = [i for i in range(1, len(pts) - 1) if pts[i] in junctions]
        bounds = [0, *cuts, len(pts) - 1]
        return [pts[a:b + 1] for a, b in pairwise(bounds)]
    body = pts[:-1]
    inside = [i for i, p in enumerate(body) if p in junctions]
    if not inside:
        start = body.index(min(body))
        ring = body[start:] + body[:start]
        return [[*ring, ring[0]]]
    ring = body[inside[0]:] + body[:inside[0]]
    ring.append(ring[0])
    cuts = [i for i in range(1, len(ring) - 1) if ring[i] in junctions]
    bounds = [0, *cuts, len(ring) - 1]
    return [ring[a:b + 1] for a, b in pairwise(bounds)]


def _canonical(piece: list[Pt]) -> tuple[tuple[Pt, ...], bool]:
    """The edge's own direction (the smaller of the two spellings) and whether `piece` runs along it."""
    forward = tuple(piece)
    if piece[0] == piece[-1] and len(piece) > 2:  # a closed chain: both spellings start at its first vertex
        backward = (piece[0], *piece[-2:0:-1], piece[0])
    else:
        backward = tuple(reversed(piece))
    return (forward, True) if forward <= backward else (backward, False)
