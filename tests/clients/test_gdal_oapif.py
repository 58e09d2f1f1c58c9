"""GDAL's OGC API – Features client (Debian gdal-bin 3.6, the `OAPIF:` driver) against a live server.

GDAL 3.6 reads Part 1 only: it lists `/collections`, infers the field types from the first
page, pages by the `rel=next` links, sends `bbox` for `-spat` and simple `field=value` pairs
for `-where` (evaluating the rest itself), and always asks for CRS84.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.clients.conftest import ROAD_COUNT, STATION_COUNT, LiveServer
from tests.conftest import missing

pytestmark = pytest.mark.gdal

OGRINFO = "/usr/bin/ogrinfo"
OGR2OGR = "/usr/bin/ogr2ogr"
PAGE_SIZE = 7
GDAL_TIMEOUT_S = 120
FETCH = re.compile(r"HTTP: Fetch\((?P<url>[^)]+)\)")


@pytest.fixture(scope="module", autouse=True)
def gdal_bin() -> Iterator[None]:
    for tool in (OGRINFO, OGR2OGR):
        if shutil.which(tool) is None:
            missing(f"Debian gdal-bin is not installed ({tool} not found)")
    yield


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost", "GDAL_HTTP_TIMEOUT": "60",
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=GDAL_TIMEOUT_S, env=env)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    assert "ERROR" not in result.stderr, result.stderr
    return result


def _ogr2ogr(out: Path, source: str, layer: str, *options: str) -> tuple[list[dict], list[str]]:
    """Copy `layer` to GeoJSON with a small page size; returns the features and every URL GDAL fetched."""
    result = _run(OGR2OGR, "--debug", "on", "-f", "GeoJSON", str(out), source, layer,
                  "-oo", f"PAGE_SIZE={PAGE_SIZE}", *options)
    fetched = [m["url"] for m in FETCH.finditer(result.stderr)]
    return json.loads(out.read_text(encoding="utf-8"))["features"], fetched


def _item_pages(fetched: list[str], layer: str) -> list[str]:
    return [url for url in fetched if f"/collections/{layer}/items?" in url]


def _by_name(features: list[dict]) -> dict[str, dict]:
    named = {f["properties"]["name"]: f for f in features}
    assert len(named) == len(features), "duplicate features"
    return named


def _coords(geometry: dict) -> list[float]:
    flat: list[float] = []

    def walk(value: object) -> None:
        if isinstance(value, list) and value and isinstance(value[0], int | float):
            flat.extend(float(v) for v in value)
        elif isinstance(value, list):
            for part in value:
                walk(part)

    walk(geometry["coordinates"])
    return flat


def _same_feature(from_gdal: dict, from_http: dict) -> None:
    assert from_gdal["properties"] == from_http["properties"]
    assert from_gdal["geometry"]["type"] == from_http["geometry"]["type"]
    ours, theirs = _coords(from_gdal["geometry"]), _coords(from_http["geometry"])
    assert len(ours) == len(theirs)
    assert all(math.isclose(a, b, abs_tol=1e-9) for a, b in zip(ours, theirs, strict=True))


def test_ogrinfo_lists_every_collection(live_server: LiveServer) -> None:
    result = _run(OGRINFO, "-ro", "-so", f"OAPIF:{live_server.url}")
    listed = dict(re.findall(r"^\d+: (\S+) \(title: [^)]*\) \(([^)]+)\)$", result.stdout, flags=re.M))
    served = {c["id"] for c in httpx.get(f"{live_server.url}/collections", timeout=30).json()["collections"]}
    assert set(listed) == served == {"roads", "stations"}
    assert listed == {"roads": "Multi Line String", "stations": "Point"}


@pytest.mark.parametrize(("layer", "count", "fields"), [
    ("roads", ROAD_COUNT, {
        "name": "String", "route_code": "String", "road_class": "String", "lanes": "Integer",
        "length_km": "Real", "tolled": "Integer(Boolean)", "opened": "Date", "inspected_at": "DateTime",
    }),
    ("stations", STATION_COUNT, {"name": "String", "capacity": "Integer", "rating": "Real",
                                 "staffed": "Integer(Boolean)"}),
])
def test_ogrinfo_reports_count_extent_and_field_types(live_server: LiveServer, layer: str, count: int,
                                                      fields: dict[str, str]) -> None:
    result = _run(OGRINFO, "-ro", "-so", f"OAPIF:{live_server.url}", layer)
    reported = dict(re.findall(r"^(\w+): ([\w()]+) \(\d+\.\d+\)$", result.stdout, flags=re.M))
    assert reported == fields
    matched = live_server.items(layer, limit=1)["numberMatched"]
    assert matched == count
    assert re.search(rf"^Feature Count: {matched}$", result.stdout, flags=re.M)
    extent = re.search(r"^Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)$", result.stdout, flags=re.M)
    assert extent is not None, result.stdout
    bbox = httpx.get(f"{live_server.url}/collections/{layer}", timeout=30).json()["extent"]["spatial"]["bbox"][0]
    assert [float(v) for v in extent.groups()] == pytest.approx(bbox, abs=1e-6)


@pytest.mark.parametrize(("layer", "count"), [("roads", ROAD_COUNT), ("stations", STATION_COUNT)])
def test_ogr2ogr_pages_through_every_feature(live_server: LiveServer, tmp_path: Path, layer: str,
                                             count: int) -> None:
    features, fetched = _ogr2ogr(tmp_path / "out.json", f"OAPIF:{live_server.url}", layer)
    pages = _item_pages(fetched, layer)
    assert len(pages) >= math.ceil(count / PAGE_SIZE), pages
    assert all(f"limit={PAGE_SIZE}" in url for url in pages)
    expected = live_server.all_items(layer)
    assert len(features) == len(expected) == count
    ours, theirs = _by_name(features), _by_name(expected)
    assert set(ours) == set(theirs)
    for name, feature in ours.items():
        _same_feature(feature, theirs[name])


@pytest.mark.parametrize(("layer", "bbox"), [
    ("roads", (125.1, 42.3, 126.3, 43.2)),  # cuts through roads; some only touch it with one end
    ("roads", (128.33, 43.73, 130.0, 45.5)),
    ("stations", (125.5, 43.2, 126.5, 44.0)),
])
def test_ogr2ogr_spatial_filter_matches_http_bbox(live_server: LiveServer, tmp_path: Path, layer: str,
                                                  bbox: tuple[float, float, float, float]) -> None:
    features, fetched = _ogr2ogr(tmp_path / "out.json", f"OAPIF:{live_server.url}", layer,
                                 "-spat", *(str(v) for v in bbox))
    assert any("bbox=" in url for url in _item_pages(fetched, layer)), "GDAL sends the spatial filter as bbox"
    expected = live_server.all_items(layer, bbox=",".join(str(v) for v in bbox))
    assert expected, "the bbox should select something"
    assert len(expected) < live_server.items(layer, limit=1)["numberMatched"], "the bbox should leave some out"
    assert set(_by_name(features)) == set(_by_name(expected))


def test_ogr2ogr_where_is_answered_like_the_cql2_filter(live_server: LiveServer, tmp_path: Path) -> None:
    features, fetched = _ogr2ogr(tmp_path / "out.json", f"OAPIF:{live_server.url}", "roads",
                                 "-where", "road_class = 'national' AND lanes >= 3")
    assert any("road_class=national" in url for url in _item_pages(fetched, "roads")), "equality goes to the server"
    expected = live_server.all_items("roads", filter="road_class = 'national' AND lanes >= 3")
    assert expected
    assert set(_by_name(features)) == set(_by_name(expected))


def test_ogrinfo_reads_one_feature_by_fid(live_server: LiveServer) -> None:
    feature = live_server.items("roads", limit=1, offset=17)["features"][0]
    result = _run(OGRINFO, "-ro", "-q", f"OAPIF:{live_server.url}", "roads", "-fid", str(feature["id"]))
    assert f"OGRFeature(roads):{feature['id']}" in result.stdout
    assert f"name (String) = {feature['properties']['name']}" in result.stdout
