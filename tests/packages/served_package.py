"""A small offline package for the tests that open packages (HTTP serving and the browser): two layers
around Changchun (125.3, 43.88) — a road line and six stations — in a GeoPackage store, built at zooms
8-12 by the real build pipeline into either container format."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import MultiLineString, Point

from layers.model import FieldSpec, FieldType, GeometryType, LayerDefinition
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from tiles.packages.build import build_package
from tiles.packages.requests import build_request

AREA = "125.20,43.80,125.40,43.96"
ZOOMS = "8-12"
EXTENT = (120.0, 40.0, 132.0, 47.0)

ROUTES = LayerDefinition(
    id="offline_routes", title_zh="离线测试道路", title_en="Offline test roads", domain="base",
    catalogue_code="JL-JT-TEST-0301", geometry_type=GeometryType.MULTILINESTRING, min_zoom=8, max_zoom=16,
    valid_extent=EXTENT,
    fields=(FieldSpec(name="name", type=FieldType.STRING, title_zh="名称"),
            FieldSpec(name="route_code", type=FieldType.STRING, title_zh="路线编号")),
)
STATIONS = LayerDefinition(
    id="offline_stations", title_zh="离线测试站点", title_en="Offline test stations", domain="base",
    catalogue_code="JL-JT-TEST-0302", geometry_type=GeometryType.POINT, min_zoom=8, max_zoom=16,
    valid_extent=EXTENT, fields=(FieldSpec(name="name", type=FieldType.STRING, title_zh="名称"),),
)
ROUTE_LINE = [(125.22, 43.84), (125.30, 43.88), (125.38, 43.92)]
STATION_POINTS = {f"站点{i}": (125.25 + 0.02 * i, 43.85 + 0.01 * i) for i in range(6)}


@dataclass(frozen=True)
class SamplePackage:
    path: Path
    fmt: str
    database_url: str


def build_sample_package(workdir: Path, fmt: str) -> SamplePackage:
    """Build the sample package in `fmt` ("mbtiles" | "pmtiles") under `workdir` (its own store there)."""
    workdir.mkdir(parents=True, exist_ok=True)
    url = f"geopackage://{workdir / 'store.gpkg'}"
    store = open_store(url)
    try:
        LayerRegistry(store).register_many([ROUTES, STATIONS])
        road = FeatureRecord(MultiLineString([ROUTE_LINE]), {"name": "长春绕城", "route_code": "G1201"})
        store.insert(ROUTES, [road])
        store.insert(STATIONS, [FeatureRecord(Point(*xy), {"name": name}) for name, xy in STATION_POINTS.items()])
        request = build_request(area=AREA, zooms=ZOOMS, layers=f"{ROUTES.id},{STATIONS.id}", fmt=fmt,
                                out=workdir / f"changchun.{fmt}", builder="测试员", store=store,
                                registered=store.load_layer_definitions())
        report = build_package(request, url, workers=1)
    finally:
        store.close()
    assert report.path is not None and not report.errors, report.errors
    return SamplePackage(report.path, fmt, url)
