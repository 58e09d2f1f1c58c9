"""The benchmark cases and the exact query each server gets for the n-th request of a case.

A case is one kind of item page: a layer, a page size (100 or 1,000), with or without a bbox,
CRS84 or EPSG:3857 output, or a CQL2 filter. Requests of a case differ only where a real client's
would: a moving bbox (a fixed-size square at a new deterministic position on every request, so
no server answers from a cache of the previous one) and a moving threshold in the CQL2 filter
(`category = 'A' AND value > t`). One case keeps the bbox fixed — the scenario the issue measured
tipg with — to show what caching buys. Request n is the same for every server.

Per-server spelling:
- OneMap and pygeoapi `f=json`, tipg `f=geojson`; tipg's collection ids are `public.<table>`;
- EPSG:3857 output is `crs=…/EPSG/0/3857`; tipg 1.6 has no `crs` parameter, so it skips those cases;
- pygeoapi gets the bbox with `bbox-crs=…/EPSG/0/4490` and lon/lat order: with a storage CRS of
  EPSG:4490 it converts a CRS84 bbox to latitude-first numbers and finds nothing (pygeoapi issues
  #2102, #2010, #2190); declared as EPSG:4490 the numbers pass through unchanged and match.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

JILIN = (121.6, 40.9, 131.3, 46.3)
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
#: Side of the bbox square (degrees) per page size: ~750 and ~4,700 hits per 1M features.
BBOX_SIDE = {100: 0.2, 1000: 0.5}
#: The fixed bbox (near Changchun) of the `bbox-fixed` case.
FIXED_BBOX = (125.2, 43.8, 125.4, 44.0)
#: Request index where the measured part of a run starts (warm-up requests come before it).
MEASURED_START = 1_000_000
WARMUP_START = 500_000


@dataclass(frozen=True)
class Case:
    kind: str  # "lines" | "points"
    layer_id: str
    limit: int
    bbox: str | None = None  # None | "moving" | "fixed"
    crs: str = "CRS84"  # "CRS84" | "EPSG:3857"
    cql: bool = False

    @property
    def key(self) -> str:
        parts = [self.kind, f"limit={self.limit}"]
        if self.bbox:
            parts.append("bbox" if self.bbox == "moving" else "bbox-fixed")
        if self.cql:
            parts.append("cql2")
        parts.append(self.crs)
        return " ".join(parts)

    @property
    def label(self) -> str:
        what = {None: "all", "moving": f"bbox {BBOX_SIDE[self.limit]}°", "fixed": "fixed bbox 0.2°"}[self.bbox]
        if self.cql:
            what = "CQL2 category='A' AND value>t"
        return f"{self.kind}, {self.limit}/page, {what}, {self.crs}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def build_cases(layers: dict[str, str], fixed_bbox_case: bool = True) -> list[Case]:
    """All cases for the given layers (kind → layer id), in run order."""
    cases: list[Case] = []
    for kind, layer_id in layers.items():
        for crs in ("CRS84", "EPSG:3857"):
            for limit in (100, 1000):
                cases.append(Case(kind, layer_id, limit, None, crs))
                cases.append(Case(kind, layer_id, limit, "moving", crs))
                if fixed_bbox_case and limit == 100 and crs == "CRS84":
                    cases.append(Case(kind, layer_id, limit, "fixed", crs))
        cases.append(Case(kind, layer_id, 100, None, "CRS84", cql=True))
    return cases


def supports(case: Case, server: str) -> bool:
    if server == "onemap_exact":  # only where the count budget changes anything
        return case.cql
    return not (server == "tipg" and case.crs != "CRS84")


def moving_bbox(side: float, index: int, seed: int) -> tuple[float, float, float, float]:
    rnd = random.Random(f"{seed}:{index}")
    minx, miny, maxx, maxy = JILIN
    x = rnd.uniform(minx, maxx - side)
    y = rnd.uniform(miny, maxy - side)
    return (round(x, 4), round(y, 4), round(x + side, 4), round(y + side, 4))


def threshold(index: int, seed: int) -> float:
    return round(random.Random(f"{seed}:cql:{index}").uniform(0.0, 90.0), 2)


def request_params(case: Case, server: str, index: int, seed: int) -> dict[str, str]:
    """Query parameters of request `index` of `case` for `server`."""
    params: dict[str, str] = {"limit": str(case.limit), "f": "geojson" if server == "tipg" else "json"}
    if case.bbox is not None:
        box = FIXED_BBOX if case.bbox == "fixed" else moving_bbox(BBOX_SIDE[case.limit], index, seed)
        params["bbox"] = ",".join(f"{v:g}" for v in box)
        if server == "pygeoapi":
            params["bbox-crs"] = EPSG.format(4490)
    if case.crs != "CRS84":
        params["crs"] = EPSG.format(case.crs.split(":")[1])
    if case.cql:
        params["filter"] = f"category = 'A' AND value > {threshold(index, seed)}"
        params["filter-lang"] = "cql2-text"
    return params
