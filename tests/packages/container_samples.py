"""Sample tiles and metadata for the container tests: real gzip MVT made with mapbox_vector_tile."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import mapbox_vector_tile
from shapely.geometry import LineString, Point

from tiles.packages.container import PackageMetadata, VectorLayer, work_path

ROADS = VectorLayer(id="roads", description="高速公路 / expressways", minzoom=5, maxzoom=8,
                    fields={"code": "String", "lanes": "Number"})
HAZARDS = VectorLayer(id="hazards", description="安全隐患 / hazards", minzoom=6, maxzoom=8,
                      fields={"name": "String", "closed": "Boolean"})
METADATA = PackageMetadata(
    name="吉林高速离线包", description="长春周边 / around Changchun",
    bounds=(124.5, 43.25, 126.75, 44.9), center=(125.3245, 43.8868, 7), min_zoom=5, max_zoom=8,
    vector_layers=(ROADS, HAZARDS), attribution="© 吉林省交通运输厅",
    extra={"package_id": "0f3c", "zooms": [5, 8], "layers": {"roads": 3}, "note": "现场核查"})


def mvt(i: int, *, hazards: bool = True) -> bytes:
    """A gzip-compressed MVT with a road (and a hazard), different for every `i`."""
    layers = [{"name": "roads", "features": [{
        "geometry": LineString([(10 + i % 4000, 10), (2000, 1000 + i % 3000)]),
        "properties": {"code": f"G{i}", "lanes": 4}}]}]
    if hazards:
        layers.append({"name": "hazards", "features": [{
            "geometry": Point(100 + i % 3000, 200), "properties": {"name": f"隐患{i}", "closed": i % 2 == 0}}]})
    return gzip.compress(mapbox_vector_tile.encode(layers), mtime=0)


def sidecars(path: Path) -> list[Path]:
    """The package's work file and every SQLite side file of it or of the package that exists."""
    names = [work_path(path), path.with_name(path.name + ".writing")]
    found = [Path(str(p) + s) for p in (*names, path) for s in ("", "-wal", "-shm", "-journal")]
    return [p for p in found if p.exists() and p != path]


def tile_at(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    """The XYZ (WebMercatorQuad) tile holding a point."""
    n = 1 << z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)
