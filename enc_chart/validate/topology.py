"""Area boundaries as encoded in the S-57 file: S-58 14, 15, 16, 17, 80a, 80b, 80c.

GDAL's polygon assembly closes, re-orients and re-nests rings, so these checks cannot look at
the GeoDataFrame geometry. They read the file again through GDAL with RETURN_LINKAGES and
RETURN_PRIMITIVES: each area feature's edge references in order (NAME_RCID, ORNT, USAG) and the
edge and connected-node records, and rebuild its rings edge by edge, as an ECDIS would:

- 15: a ring whose edges do not meet back at its first connected node;
- 16 / 17: the exterior ring (USAG 1 or 3) not clockwise / an interior ring (USAG 2) not
  counter-clockwise (S-57 Part 3, 4.7.3.2);
- 14: the exterior ring sharing more than one connected node with an interior ring;
- 80a / 80b / 80c: an interior ring within another interior, outside the exterior, or enclosing
  the exterior.
"""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyogrio
import shapely

from enc_chart.catalogue import configure_gdal
from enc_chart.validate.finding import FeatureRef, Finding, finding, foid_text
from enc_chart.validate.source import OPEN_OPTIONS, feature_layers

LINKAGE_OPTIONS = {**OPEN_OPTIONS, "RETURN_LINKAGES": "ON", "RETURN_PRIMITIVES": "ON"}
_COLUMNS = ["RCID", "PRIM", "AGEN", "FIDN", "FIDS", "LNAM", "NAME_RCID", "ORNT", "USAG"]
Coords = list[tuple[float, float]]


def _wkb_coords(blob: bytes | None) -> Coords:
    """Coordinates of a WKB point or line string, also of the one-vertex lines shapely refuses."""
    if not blob:
        return []
    order = "<" if blob[0] == 1 else ">"
    kind = struct.unpack_from(order + "I", blob, 1)[0]
    dims = 3 if (kind & 0x80000000 or (kind & 0xFFFF) // 1000 in (1, 3)) else 2
    if kind & 0xFF == 1 or (kind & 0xFFFF) % 1000 == 1:
        values = struct.unpack_from(order + "d" * dims, blob, 5)
        return [(values[0], values[1])]
    count = struct.unpack_from(order + "I", blob, 5)[0]
    values = struct.unpack_from(order + "d" * (dims * count), blob, 9)
    return [(values[i], values[i + 1]) for i in range(0, dims * count, dims)]


@dataclass
class Edge:
    start: int
    end: int
    inner: Coords


@dataclass
class Ring:
    usage: int  # 1 exterior (3, truncated by the data limit, counts as 1), 2 interior
    start: int
    end: int
    coords: Coords = field(default_factory=list)
    nodes: list[int] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.start == self.end and len(self.coords) >= 4


def _primitives(path: Path, options: dict[str, str]) -> tuple[dict[int, tuple[float, float]], dict[int, Edge]]:
    _, _, geoms, fields = pyogrio.raw.read(path, layer="ConnectedNode", columns=["RCID"], **options)
    nodes = {int(rcid): _wkb_coords(blob)[0] for rcid, blob in zip(fields[0], geoms, strict=True) if blob}
    columns = ["RCID", "NAME_RCID_0", "NAME_RCID_1"]
    _, _, geoms, fields = pyogrio.raw.read(path, layer="Edge", columns=columns, **options)
    edges = {int(rcid): Edge(int(start), int(end), _wkb_coords(blob))
             for rcid, start, end, blob in zip(*fields, geoms, strict=True)}
    return nodes, edges


def _rings(refs: list[tuple[int, int, int]], nodes: dict[int, tuple[float, float]],
           edges: dict[int, Edge]) -> tuple[list[Ring], bool]:
    """The rings of one area feature from its (edge RCID, ORNT, USAG) list; False when one does not close."""
    rings: list[Ring] = []
    closed = True
    for rcid, ornt, usag in refs:
        edge = edges.get(rcid)
        if edge is None or edge.start not in nodes or edge.end not in nodes:
            return rings, False
        forward = ornt != 2
        start, end = (edge.start, edge.end) if forward else (edge.end, edge.start)
        inner = edge.inner if forward else edge.inner[::-1]
        usage = 2 if usag == 2 else 1
        ring = rings[-1] if rings else None
        if ring is None or ring.closed or ring.usage != usage or ring.end != start:
            if ring is not None and not ring.closed:
                closed = False
            ring = Ring(usage, start, start, [nodes[start]], [start])
            rings.append(ring)
        ring.coords += [*inner, nodes[end]]
        ring.nodes.append(end)
        ring.end = end
    return rings, closed and all(r.closed for r in rings)


def _clockwise(coords: Coords) -> bool:
    return not shapely.is_ccw(shapely.LinearRing(coords))


def _ring_findings(ref: FeatureRef, rings: list[Ring]) -> list[Finding]:
    out = []
    exteriors = [r for r in rings if r.usage == 1]
    interiors = [r for r in rings if r.usage == 2]
    name = ref.label
    for ring in exteriors:
        if not _clockwise(ring.coords):
            out.append(finding("16", f"{name} 的外边界不是顺时针", f"{name}: exterior boundary not clockwise",
                               feature=ref, at=ring.coords[0]))
    for ring in interiors:
        if _clockwise(ring.coords):
            out.append(finding("17", f"{name} 的内边界不是逆时针", f"{name}: interior boundary not counter-clockwise",
                               feature=ref, at=ring.coords[0]))
    shapes = {id(r): shapely.Polygon(r.coords) for r in rings}
    for outer in exteriors:
        for inner in interiors:
            shared = set(outer.nodes) & set(inner.nodes)
            if len(shared) > 1:
                out.append(finding("14", f"{name} 的外边界与内边界共享 {len(shared)} 个节点",
                                   f"{name}: exterior and interior boundaries share {len(shared)} nodes",
                                   feature=ref, at=inner.coords[0]))
            if _within(shapes[id(outer)], shapes[id(inner)]):
                out.append(finding("80c", f"{name} 的外边界位于内边界之内", f"{name}: exterior boundary within an "
                                   "interior boundary", feature=ref, at=outer.coords[0]))
            elif not _within(shapes[id(inner)], shapes[id(outer)]):
                out.append(finding("80b", f"{name} 的内边界不在外边界之内", f"{name}: interior boundary outside of "
                                   "the exterior boundary", feature=ref, at=inner.coords[0]))
    for inner in interiors:
        if any(other is not inner and _within(shapes[id(inner)], shapes[id(other)]) for other in interiors):
            out.append(finding("80a", f"{name} 的内边界位于另一内边界之内", f"{name}: interior boundary within an "
                               "interior boundary", feature=ref, at=inner.coords[0]))
    return out


def _within(a: shapely.Polygon, b: shapely.Polygon) -> bool:
    try:
        return bool(a.covered_by(b))
    except shapely.errors.GEOSException:
        return False


def check_topology(path: Path, *, apply_updates: bool = True) -> list[Finding]:
    """Area rings of the cell file `path` (with its updates applied, or without when the cell was read so).

    GDAL's warnings while reading ("non closed ring", "polygon assembly has failed") are silenced:
    what they are about is exactly what this check reports."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _check_topology(path, apply_updates)


def _check_topology(path: Path, apply_updates: bool) -> list[Finding]:
    configure_gdal()
    options = dict(LINKAGE_OPTIONS, UPDATES="APPLY" if apply_updates else "IGNORE")
    nodes, edges = _primitives(path, options)
    out = []
    for acronym in feature_layers(path, apply_updates=apply_updates):
        try:
            _, _, _, fields = pyogrio.raw.read(path, layer=acronym, columns=_COLUMNS, read_geometry=False,
                                               where="PRIM = 3", **options)
        except (pyogrio.errors.FieldError, ValueError):
            continue  # a layer without linkage fields has no areas
        values = dict(zip(_COLUMNS, fields, strict=True))
        for i in range(len(values["RCID"])):
            if values["NAME_RCID"][i] is None:
                continue
            ref = _ref(acronym, values, i)
            refs = list(zip(*(values[k][i].tolist() for k in ("NAME_RCID", "ORNT", "USAG")), strict=True))
            rings, closed = _rings(refs, nodes, edges)
            if not closed:
                at = rings[-1].coords[-1] if rings and rings[-1].coords else None
                out.append(finding("15", f"{ref.label} 的面边界不闭合（首尾边不交于同一连接节点）",
                                   f"{ref.label}: area boundary not closed (first and last edge do not meet at one "
                                   "connected node)", feature=ref, at=at))
            else:
                out.extend(_ring_findings(ref, rings))
    return out


def _ref(acronym: str, values: dict[str, Any], i: int) -> FeatureRef:
    agen, fidn, fids = (int(values[k][i]) for k in ("AGEN", "FIDN", "FIDS"))
    lnam = values["LNAM"][i]
    return FeatureRef(acronym, str(lnam) if lnam else None, foid_text(agen, fidn, fids), int(values["RCID"][i]))
