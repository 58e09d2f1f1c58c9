"""Building offline packages: the tiles of an area, the same bytes the server sends, a manifest that
verifies, resuming after an interruption, refusing bad requests; and incremental updates whose
patch, applied, gives the very tiles of a fresh build."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from shapely.geometry import LineString, MultiLineString, Point

from layers.errors import InvalidQuery, LayerNotFound
from layers.model import FieldSpec, FieldType, GeometryType, LayerDefinition
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from tests.sample_layers import ROADS
from tiles.model import TileAddress
from tiles.packages.build import BuildReport, build_package, estimate
from tiles.packages.container import PackageError, open_package
from tiles.packages.inspect import read_manifest, verify_package
from tiles.packages.plan import plan_package
from tiles.packages.requests import build_request
from tiles.packages.style import STYLE_PART
from tiles.packages.update import apply_patch, build_patch
from tiles.renderers import renderer_for
from tiles.service import compress

STATIONS = LayerDefinition(
    id="stations", title_zh="测试站点", title_en="Test stations", domain="base", catalogue_code="JL-JT-TEST-0201",
    geometry_type=GeometryType.POINT, min_zoom=8, max_zoom=16, valid_extent=(120.0, 40.0, 132.0, 47.0),
    fields=(FieldSpec(name="name", type=FieldType.STRING, title_zh="名称"),),
)
#: Far from the area (Yanbian): a layer of the package with nothing in it, whatever the tile.
FAR = STATIONS.model_copy(update={"id": "far_stations", "catalogue_code": "JL-JT-TEST-0202"})
AREA = "125.20,43.80,125.45,43.95"  # a part of Changchun
ZOOMS = "8-12"


@pytest.fixture
def site(store_url: str) -> Iterator[tuple[str, Any]]:
    store = open_store(store_url)
    registry = LayerRegistry(store)
    registry.register_many([ROADS, STATIONS, FAR])
    store.insert(ROADS, [FeatureRecord(MultiLineString([[(125.20, 43.80), (125.30, 43.85), (125.45, 43.90)]]),
                                       {"name": "长春绕城", "route_code": "G1201", "lanes": 4})])
    store.insert(STATIONS, [FeatureRecord(Point(125.25 + 0.02 * i, 43.82 + 0.01 * i), {"name": f"站点{i}"})
                            for i in range(8)])
    store.insert(FAR, [FeatureRecord(Point(129.5, 42.9), {"name": "延吉"})])
    yield store_url, store
    store.close()


def _request(store: Any, out: Path, fmt: str = "mbtiles", area: str = AREA, zooms: str = ZOOMS,
             layers: str = "roads,stations") -> Any:
    return build_request(area=area, zooms=zooms, layers=layers, fmt=fmt, out=out, builder="测试员",
                         store=store, registered=store.load_layer_definitions())


def _tiles(path: Path) -> dict[tuple[int, int, int], bytes]:
    with open_package(path) as reader:
        return {(z, x, y): data for z, x, y, data in reader.tiles()}


@pytest.mark.parametrize("fmt", ["mbtiles", "pmtiles"])
def test_a_package_holds_the_areas_tiles_as_the_server_renders_them(site: tuple[str, Any], tmp_path: Path,
                                                                     fmt: str) -> None:
    url, store = site
    out = tmp_path / f"changchun.{fmt}"
    request = _request(store, out, fmt, layers="roads,far_stations,stations")
    report = build_package(request, url, workers=2)
    assert report.path == out and out.exists() and not report.errors
    assert not Path(f"{out}.work").exists()
    plan = plan_package(request.area, request.zooms, request.layers)
    assert report.total_tiles == plan.tile_count > 0
    tiles = _tiles(out)
    # every stored tile is what the renderer makes of the layers shown at its zoom, compressed as served
    renderer = renderer_for(store)
    planned = {(chunk.z, col, row) for chunk in plan.chunks for row, col in chunk.tiles()}
    for z, x, y in planned:
        rendered = renderer.render(plan.shown(z), TileAddress("WebMercatorQuad", z, y, x))
        assert tiles.get((z, x, y)) == (compress(rendered).gzip_body if rendered.data else None)
    assert set(tiles) <= planned and len(tiles) > 5
    present = getattr(renderer, "layers_present", None)  # PostGIS: the build renders only layers near a chunk
    if present is not None:
        assert [layer.id for layer in present(list(request.layers), request.area.bbox)] == ["roads", "stations"]
    # the manifest: area, zooms, layers at their data versions, hashes that verify
    manifest = read_manifest(out)
    versions = store.layer_versions()
    assert [(layer.id, layer.data_version) for layer in manifest.layers] == [
        ("roads", versions["roads"]), ("far_stations", versions["far_stations"]), ("stations", versions["stations"])]
    assert manifest.zooms == [8, 9, 10, 11, 12] and manifest.tile_count == len(tiles)
    assert manifest.builder == "测试员" and manifest.format == fmt and manifest.area["bbox"][0] == pytest.approx(125.2)
    assert verify_package(out) == []
    # the style points at the package itself, and its sprites and Latin glyphs are inside
    with open_package(out) as reader:
        style = orjson.loads(reader.file(STYLE_PART) or b"{}")
        files = reader.files()
        assert {layer.id for layer in reader.metadata.vector_layers} == {"roads", "far_stations", "stations"}
    assert style["sources"] == {"package": {**style["sources"]["package"], "tiles": ["package://tiles/{z}/{x}/{y}"]}}
    assert style["sprite"].startswith("package://") and style["glyphs"].startswith("package://")
    assert {layer.get("source") for layer in style["layers"] if "source" in layer} == {"package"}
    assert "sprites/sprite.png" in files and any(name.startswith("fonts/") and name.endswith("/0-255.pbf")
                                                 for name in files)


def test_a_dry_run_counts_the_tiles_and_estimates_a_size(site: tuple[str, Any], tmp_path: Path) -> None:
    url, store = site
    request = _request(store, tmp_path / "x.mbtiles")
    plan = plan_package(request.area, request.zooms, request.layers)
    guess = estimate(plan, url)
    assert guess.tiles == plan.tile_count and sum(guess.tiles_by_zoom.values()) == plan.tile_count
    assert guess.bytes > 0 and guess.sampled >= len(plan.zooms)
    assert not (tmp_path / "x.mbtiles").exists()


def test_an_interrupted_build_resumes_where_it_stopped(site: tuple[str, Any], tmp_path: Path) -> None:
    url, store = site
    out = tmp_path / "resumed.pmtiles"
    request = _request(store, out, "pmtiles", zooms="8-13")
    seen = []

    def interrupt(tiles: int) -> None:
        seen.append(tiles)
        if len(seen) == 3:
            raise KeyboardInterrupt

    first = build_package(request, url, workers=1, on_progress=interrupt)
    assert first.interrupted and not out.exists() and Path(f"{out}.work").exists()
    reports: list[BuildReport] = []
    second = build_package(request, url, workers=2, on_start=reports.append)
    assert second.resumed and reports[0].skipped_tiles >= sum(seen[:2]) > 0
    assert second.done_tiles + second.skipped_tiles == second.total_tiles
    one_go = build_package(_request(store, tmp_path / "one-go.pmtiles", "pmtiles", zooms="8-13"), url)
    assert _tiles(out) == _tiles(one_go.path) and verify_package(out) == []


def test_bad_requests_are_refused_naming_what_is_wrong(site: tuple[str, Any], tmp_path: Path) -> None:
    _, store = site
    out = tmp_path / "bad.mbtiles"
    cases = [
        ({"area": "110.0,20.0,111.0,21.0"}, InvalidQuery, "area"),  # in Guangdong, not Jilin
        ({"area": "no such place"}, InvalidQuery, "area"),
        ({"layers": ""}, InvalidQuery, "layers"),
        ({"layers": "roads,nowhere"}, LayerNotFound, "layers"),
        ({"layers": "stations", "zooms": "3-9"}, InvalidQuery, "zooms"),  # stations start at zoom 8
        ({"zooms": "12-19"}, InvalidQuery, "zooms"),
        ({"fmt": "zip"}, InvalidQuery, "format"),
    ]
    for change, error, parameter in cases:
        with pytest.raises(error) as raised:
            _request(store, out, **change)
        assert raised.value.parameter == parameter, change
        assert "/" in raised.value.message  # Chinese, then English
    assert not out.exists()


@pytest.mark.parametrize("fmt", ["mbtiles", "pmtiles"])
def test_a_patch_holds_only_what_changed_and_applied_equals_a_fresh_build(site: tuple[str, Any], tmp_path: Path,
                                                                           fmt: str) -> None:
    url, store = site
    base = build_package(_request(store, tmp_path / f"base.{fmt}", fmt), url).path
    assert base is not None
    # nothing edited: an empty patch
    empty = build_patch(base, url, tmp_path / f"empty.{fmt}")
    assert empty.changed == 0 and empty.deleted == 0 and _tiles(empty.path) == {}
    # move one station a little, add a road far from the rest, delete another station
    stations = [f for batch in store.iter_records(STATIONS) for f in batch]
    store.replace(STATIONS, stations[0].fid, FeatureRecord(Point(125.2505, 43.8205), {"name": "站点0"}))
    store.delete(STATIONS, stations[5].fid)
    store.insert(ROADS, [FeatureRecord(MultiLineString([LineString([(125.40, 43.93), (125.44, 43.94)])]),
                                       {"name": "新路", "lanes": 2})])
    patch = build_patch(base, url, tmp_path / f"patch.{fmt}")
    total = len(_tiles(base))
    assert 0 < patch.changed + patch.deleted <= patch.candidates < total * 3
    assert len(_tiles(patch.path)) == patch.changed
    updated = apply_patch(base, patch.path, tmp_path / f"updated.{fmt}")
    fresh = build_package(_request(store, tmp_path / f"fresh.{fmt}", fmt), url).path
    assert fresh is not None
    assert _tiles(tmp_path / f"updated.{fmt}") == _tiles(fresh)  # byte for byte
    assert updated.versions == read_manifest(fresh).versions
    assert verify_package(tmp_path / f"updated.{fmt}") == []
    # the patch fits only its base
    with pytest.raises(PackageError):
        apply_patch(fresh, patch.path, tmp_path / f"wrong.{fmt}")


def test_a_damaged_package_is_refused_by_update_and_the_data_is_untouched(site: tuple[str, Any],
                                                                            tmp_path: Path) -> None:
    url, store = site
    base = build_package(_request(store, tmp_path / "base.mbtiles"), url).path
    assert base is not None
    before = store.layer_versions()
    truncated = tmp_path / "truncated.mbtiles"
    truncated.write_bytes(base.read_bytes()[: base.stat().st_size // 2])
    with pytest.raises(PackageError) as raised:
        build_patch(truncated, url, tmp_path / "patch.mbtiles")
    assert "/" in str(raised.value)
    assert not (tmp_path / "patch.mbtiles").exists() and store.layer_versions() == before
