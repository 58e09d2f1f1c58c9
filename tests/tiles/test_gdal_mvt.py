"""A real client: Debian's GDAL MVT driver reads tiles from a running server, features land in place.

The server (uvicorn, subprocess) serves the Jilin base samples (`onemap load-samples --domains base`)
from each store.
`ogrinfo "MVT:<tile url>" -oo Z= -oo X= -oo Y=` decodes one tile into EPSG:3857; its coordinates
are compared with the source GeoJSON projected to EPSG:3857.

GDAL 3.6 takes an MVT URL whose last path segment is an integer for a tileset *directory* and
looks for `{x}/{y}.pbf` below it, so single-tile URLs here end in `?f=mvt` (which the API accepts).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import morecantile
import pytest
import shapely
from fastapi import FastAPI
from pyproj import Transformer
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from tests.conftest import missing
from tests.live_server import serving

OGRINFO = "/usr/bin/ogrinfo"
REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples" / "base"
WEB_MERCATOR = morecantile.tms.get("WebMercatorQuad")
TO_3857 = Transformer.from_crs(4490, 3857, always_xy=True)

pytestmark = pytest.mark.gdal


def app_factory() -> FastAPI:
    """`uvicorn --factory` entry: the configured app, with the tiles router until app.py includes it."""
    from gis_server.app import create_app
    from gis_server.routers.tiles import router

    app = create_app()
    if not any(getattr(route, "path", None) == "/tileMatrixSets" for route in app.routes):
        app.include_router(router)
    return app


@pytest.fixture
def server(store_url: str, tmp_path: Path) -> Iterator[str]:
    if not Path(OGRINFO).exists():
        missing(f"{OGRINFO} not found (Debian gdal-bin)")
    env = {**os.environ, "ONEMAP_DATABASE_URL": store_url, "ONEMAP_TILE_CACHE_DIR": str(tmp_path / "tile-cache")}
    subprocess.run([sys.executable, "-m", "gis_server.cli.main", "load-samples", "--domains", "base"], env=env,
                   check=True,
                   capture_output=True, cwd=REPO, timeout=300)
    command = [sys.executable, "-m", "uvicorn", "tests.tiles.test_gdal_mvt:app_factory", "--factory",
               "--host", "127.0.0.1"]
    with serving(lambda port: [*command, "--port", str(port)], env, tmp_path, ready_path="/tileMatrixSets",
                 cwd=REPO) as base:
        yield base


def ogrinfo(url: str, z: int, x: int, y: int) -> dict[str, list[dict[str, Any]]]:
    """Run ogrinfo on one tile; {layer: [{"fields": {...}, "geometry": shapely geometry (EPSG:3857)}]}."""
    result = subprocess.run([OGRINFO, "-ro", "-al", f"MVT:{url}", "-oo", f"Z={z}", "-oo", f"X={x}", "-oo", f"Y={y}"],
                            capture_output=True, text=True, timeout=60, env={**os.environ, "LC_ALL": "C.UTF-8"})
    assert result.returncode == 0, result.stdout + result.stderr
    layers: dict[str, list[dict[str, Any]]] = {}
    for chunk in re.split(r"^OGRFeature\(", result.stdout, flags=re.M)[1:]:
        name, _, body = chunk.partition("):")
        fields = dict(re.findall(r"^  (\w+) \([^)]*\) = (.*)$", body, flags=re.M))
        wkt = re.search(r"^  ((?:MULTI)?(?:POINT|LINESTRING|POLYGON) .*)$", body, flags=re.M)
        assert wkt, body
        layers.setdefault(name, []).append({"fields": fields, "geometry": shapely.from_wkt(wkt.group(1))})
    return layers


def source(layer_id: str) -> list[dict[str, Any]]:
    features = json.loads((SAMPLES / f"{layer_id}.geojson").read_text(encoding="utf-8"))["features"]
    return [{"properties": f["properties"], "geometry": to_3857(shape(f["geometry"]))} for f in features]


def to_3857(geometry: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geometry, lambda xy: list(zip(*TO_3857.transform(xy[:, 0], xy[:, 1]), strict=True)))


def unit(z: int) -> float:
    """Metres per MVT unit (extent 4096) of a WebMercatorQuad tile at zoom z."""
    return 2 * 20037508.342789244 / 2 ** z / 4096


def test_cities_land_on_their_source_points(server: str) -> None:
    changchun = next(c for c in source("cities") if c["properties"]["adcode"] == "220100")
    lon, lat = WEB_MERCATOR.lnglat(changchun["geometry"].x, changchun["geometry"].y)
    tile = WEB_MERCATOR.tile(lon, lat, 10)
    url = f"{server}/collections/cities/tiles/WebMercatorQuad/10/{tile.y}/{tile.x}?f=mvt"
    layers = ogrinfo(url, 10, tile.x, tile.y)
    assert set(layers) == {"cities"}
    [city] = [f for f in layers["cities"] if f["fields"]["adcode"] == "220100"]
    assert city["fields"]["name_zh"] == "长春市" and city["fields"]["domain"] == "base"
    assert city["geometry"].distance(changchun["geometry"]) <= unit(10)


def test_roads_in_a_tile_are_the_source_roads_clipped_to_it(server: str) -> None:
    z = 12
    roads = source("roads")
    first = roads[0]["geometry"]
    lon, lat = WEB_MERCATOR.lnglat(*first.interpolate(0.5, normalized=True).coords[0])
    tile = WEB_MERCATOR.tile(lon, lat, z)
    bounds = WEB_MERCATOR.xy_bounds(tile)
    tile_box = box(bounds.left, bounds.bottom, bounds.right, bounds.top)
    url = f"{server}/tiles/WebMercatorQuad/{z}/{tile.y}/{tile.x}?collections=roads,cities"
    layers = ogrinfo(url, z, tile.x, tile.y)
    got: dict[str, list[BaseGeometry]] = {}
    for feature in layers["roads"]:
        got.setdefault(feature["fields"]["section_code"], []).append(feature["geometry"])
    expected = {r["properties"]["section_code"]: r for r in roads
                if r["geometry"].intersection(tile_box).length > 20 * unit(z)}
    assert roads[0]["properties"]["section_code"] in expected
    assert set(expected) <= set(got)  # every road crossing the tile is in it (tiny corner cuts aside)
    tolerance = 17 * unit(z)  # simplification (1 px = 16 units) plus rounding to the unit grid
    for code, geometries in got.items():
        road = next(r for r in roads if r["properties"]["section_code"] == code)
        drawn = shapely.union_all(geometries)
        # Everything drawn lies on the road, inside the tile ...
        assert road["geometry"].buffer(tolerance).contains(drawn), code
        assert tile_box.buffer(unit(z)).contains(drawn), code
        # ... and all of the road inside the tile is drawn (near the edges a simplified line may cross a
        # tolerance further along the edge, so the check stops a tolerance short of them).
        inner = road["geometry"].intersection(tile_box.buffer(-tolerance))
        assert inner.is_empty or drawn.buffer(tolerance).contains(inner), code
        fields = next(f["fields"] for f in layers["roads"] if f["fields"]["section_code"] == code)
        assert fields["route_code"] == road["properties"]["route_code"]
        assert fields["road_class"] == road["properties"]["road_class"]
