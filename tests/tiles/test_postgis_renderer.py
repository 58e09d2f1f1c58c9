"""The PostGIS tile renderer (one `ST_AsMVT` statement per tile) and the shared 500 KB budget loop.

Runs against the real server (`postgis_url`). Tiles are decoded with mapbox_vector_tile and checked
for what a map client relies on: layer names, extent, fids, properties per zoom, where features
land, clipping, which features survive thinning, the size bound, and one statement per tile.
"""

from __future__ import annotations

import gzip
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import anyio
import mapbox_vector_tile
import morecantile
import numpy as np
import pytest
import shapely
import sqlalchemy as sa
from pyproj import Transformer
from shapely.geometry import LineString, Point

from domains.base import layer_file, sample_dir
from layers.io.importer import ImportOptions, import_file
from layers.model import FieldSpec, FieldType, GeometryType, LayerDefinition, TilePropertyRule, TileSettings
from layers.registry import LayerRegistry, load_layer_file
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from tests.tiles.mvt import WEB, address_at, decode, expected_units
from tiles.matrix_sets import get_tms
from tiles.model import EXTENT, MAX_TILE_BYTES, LayerTileStats, RenderedTile, TileAddress
from tiles.renderers import renderer_for
from tiles.renderers.budget import fit_to_budget, layer_sizes, surely_fits
from tiles.renderers.postgis import PostgisTileRenderer
from tiles.renderers.python import PythonTileRenderer

pytestmark = pytest.mark.postgis

CHANGCHUN = (125.3245, 43.8868)
PROVINCE = (121.6, 40.9, 131.3, 46.3)


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def _layer(layer_id: str, geometry_type: GeometryType, *fields: FieldSpec, max_zoom: int = 18,
           min_zoom: int = 0, **tiles: object) -> LayerDefinition:
    return LayerDefinition(id=layer_id, title_zh="测试", title_en="Test", domain="test_domain",
                           catalogue_code="JL-JT-TEST-0301", geometry_type=geometry_type, fields=fields,
                           min_zoom=min_zoom, max_zoom=max_zoom, valid_extent=(73.0, 3.0, 136.0, 54.0),
                           tiles=TileSettings(**tiles))


NAME = FieldSpec(name="name", type=FieldType.STRING, title_zh="名称")
GRADE = FieldSpec(name="grade", type=FieldType.INTEGER, title_zh="等级")


@pytest.fixture
def registry(postgis_url):
    store = open_store(postgis_url)
    yield LayerRegistry(store)
    store.close()


@pytest.fixture
def renderer(registry):
    return PostgisTileRenderer(registry.store)


def _load(registry: LayerRegistry, layer: LayerDefinition, records: list[FeatureRecord]) -> list[int]:
    registry.register(layer)
    return registry.store.insert(layer, records)


# -- what every tile is -------------------------------------------------------------------------------
def test_renderer_for_the_postgis_store_is_this_renderer(registry):
    assert isinstance(renderer_for(registry.store), PostgisTileRenderer)


def test_layers_are_named_by_id_with_extent_4096_and_feature_ids_are_fids(registry, renderer):
    points = _layer("stations", GeometryType.POINT, NAME)
    roads = _layer("roads", GeometryType.LINESTRING, NAME)
    point_fids = _load(registry, points, [FeatureRecord(Point(125.30 + i * 0.01, 43.88), {"name": f"站{i}"})
                                          for i in range(3)])
    road_fids = _load(registry, roads, [FeatureRecord(LineString([(125.2, 43.85), (125.45, 43.9)]),
                                                      {"name": "G1"})])
    tile = renderer.render([points, roads], address_at(*CHANGCHUN, 11))
    decoded = decode(tile.data)
    assert set(decoded) == {"stations", "roads"}
    assert {layer["extent"] for layer in decoded.values()} == {EXTENT}
    assert sorted(f["id"] for f in decoded["stations"]["features"]) == sorted(point_fids)
    assert [f["id"] for f in decoded["roads"]["features"]] == road_fids
    names = {f["id"]: f["properties"]["name"] for f in decoded["stations"]["features"]}
    assert names == {fid: f"站{i}" for i, fid in enumerate(point_fids)}
    assert tile.layers == {"stations": LayerTileStats(3), "roads": LayerTileStats(1)}


def test_properties_follow_the_zoom_rules_with_typed_values(registry, renderer):
    fields = (NAME, GRADE,
              FieldSpec(name="length_km", type=FieldType.NUMBER, title_zh="长度"),
              FieldSpec(name="tolled", type=FieldType.BOOLEAN, title_zh="收费"),
              FieldSpec(name="opened", type=FieldType.DATE, title_zh="通车日期"),
              FieldSpec(name="checked_at", type=FieldType.DATETIME, title_zh="检查时间"),
              FieldSpec(name="workflow_state", type=FieldType.STRING, title_zh="流程状态"))
    layer = _layer("events", GeometryType.POINT, *fields,
                   properties=(TilePropertyRule(from_zoom=0, fields=("name",)),
                               TilePropertyRule(from_zoom=10, fields=("grade", "length_km", "tolled", "opened",
                                                                      "checked_at"))))
    (fid,) = _load(registry, layer, [FeatureRecord(Point(*CHANGCHUN), {
        "name": "事件", "grade": 3, "length_km": 12.5, "tolled": True, "opened": date(2020, 9, 1),
        "checked_at": datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC), "workflow_state": "submitted"})])

    def properties(z: int) -> dict:
        (feature,) = decode(renderer.render([layer], address_at(*CHANGCHUN, z)).data)["events"]["features"]
        assert feature["id"] == fid
        return feature["properties"]

    # the workflow state goes in at every zoom (ALWAYS_IN_TILES), the domain too
    assert properties(8) == {"name": "事件", "workflow_state": "submitted", "domain": "test_domain"}
    assert properties(12) == {"name": "事件", "grade": 3, "length_km": 12.5, "tolled": True,
                              "opened": "2020-09-01", "checked_at": "2024-05-06T07:08:09Z",
                              "workflow_state": "submitted", "domain": "test_domain"}


@pytest.mark.parametrize(("tms_id", "z"), [(WEB, 6), (WEB, 13), ("WorldCRS84Quad", 12), ("CGCS2000Quad", 13)])
def test_a_point_lands_on_its_tile_coordinates(registry, renderer, tms_id, z):
    layer = _layer("stations", GeometryType.POINT, NAME)
    where = (125.3191, 43.8902)
    _load(registry, layer, [FeatureRecord(Point(*where), {"name": "长春站"})])
    address = address_at(*where, z, tms_id)
    (feature,) = decode(renderer.render([layer], address).data)["stations"]["features"]
    x, y = feature["geometry"]["coordinates"]
    ex, ey = expected_units(*where, address)
    assert abs(x - ex) <= 1 and abs(y - ey) <= 1


def test_geometries_are_clipped_to_the_tile_with_a_64_unit_buffer(registry, renderer):
    layer = _layer("roads", GeometryType.LINESTRING, NAME, simplify_px=0)
    address = address_at(*CHANGCHUN, 12)
    tms = get_tms(WEB)
    box = tms.bounds(morecantile.Tile(x=address.col, y=address.row, z=address.z))
    mid_lat = (box.bottom + box.top) / 2
    width = box.right - box.left
    crossing = LineString([(box.left - width, mid_lat), (box.right + width, mid_lat)])
    near = Point(box.left - width * 30 / EXTENT, mid_lat)  # 30 units left of the tile: in the buffer
    far = Point(box.left - width * 100 / EXTENT, mid_lat)  # 100 units left: outside
    points = _layer("marks", GeometryType.POINT, NAME)
    (road,) = _load(registry, layer, [FeatureRecord(crossing, {"name": "横穿"})])
    near_fid, _ = _load(registry, points, [FeatureRecord(near, {"name": "近"}), FeatureRecord(far, {"name": "远"})])
    decoded = decode(renderer.render([layer, points], address).data)
    (feature,) = decoded["roads"]["features"]
    assert feature["id"] == road
    xs = [x for x, _ in feature["geometry"]["coordinates"]]
    assert min(xs) == -64 and max(xs) == EXTENT + 64
    assert [f["id"] for f in decoded["marks"]["features"]] == [near_fid]
    (mark,) = decoded["marks"]["features"]
    assert -34 <= mark["geometry"]["coordinates"][0] <= -26


def test_layers_outside_their_zooms_are_left_out(registry, renderer):
    stakes = _layer("stakes", GeometryType.POINT, NAME, min_zoom=11)
    _load(registry, stakes, [FeatureRecord(Point(*CHANGCHUN), {"name": "K1"})])
    assert renderer.render([stakes], address_at(*CHANGCHUN, 10)) == RenderedTile(b"", {"stakes": LayerTileStats(0)})
    assert "stakes" in decode(renderer.render([stakes], address_at(*CHANGCHUN, 11)).data)


def test_an_empty_tile_is_empty_bytes(registry, renderer):
    layer = _layer("stations", GeometryType.POINT, NAME)
    _load(registry, layer, [FeatureRecord(Point(*CHANGCHUN), {"name": "长春"})])
    tile = renderer.render([layer], address_at(126.9, 45.5, 9))
    assert tile.data == b""
    assert tile.layers == {"stations": LayerTileStats(0)}


# -- one statement, bound values ---------------------------------------------------------------------
def test_one_sql_statement_per_tile_whatever_the_layers(registry, renderer):
    layers = [_layer("stations", GeometryType.POINT, NAME), _layer("roads", GeometryType.LINESTRING, NAME),
              _layer("areas", GeometryType.POLYGON, NAME)]
    geometries = [Point(*CHANGCHUN), LineString([(125.2, 43.8), (125.4, 43.9)]), Point(*CHANGCHUN).buffer(0.01)]
    for layer, geometry in zip(layers, geometries, strict=True):
        _load(registry, layer, [FeatureRecord(geometry, {"name": "x"})])
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(renderer.engine, "before_cursor_execute", record)
    try:
        first = renderer.render(layers, address_at(*CHANGCHUN, 10))
        assert len(statements) == 1
        assert set(decode(first.data)) == {"stations", "roads", "areas"}
        renderer.render(layers, address_at(*CHANGCHUN, 12))
        renderer.render(layers, address_at(125.6, 44.1, 12))
    finally:
        sa.event.remove(renderer.engine, "before_cursor_execute", record)
    assert len(statements) == 3
    _, (sql_a, params_a), (sql_b, params_b) = statements
    # the same text for every tile of a zoom: the tile's bounds are parameters, not pasted in
    assert sql_a == sql_b and params_a != params_b
    assert all(f"{value!r}" not in sql_a for value in params_a if isinstance(value, float))
    assert sql_a.count("ST_AsMVT(") == 3


# -- thinning -----------------------------------------------------------------------------------------
def _cluster(rng: np.random.Generator, n: int, centre: tuple[float, float], spread: float) -> list[Point]:
    xy = rng.normal(0, spread, (n, 2)) + centre
    return [Point(x, y) for x, y in xy]


@pytest.mark.parametrize(("z", "spread"), [(6, 0.002), (12, 0.0)])  # cells found over narrow rows / in one pass
@pytest.mark.parametrize("by_grade", [True, False])
def test_drop_densest_keeps_the_highest_priority_point_of_a_cluster(registry, renderer, z, spread, by_grade):
    priority = ("-grade",) if by_grade else ()
    layer = _layer("stations", GeometryType.POINT, NAME, GRADE, priority=priority, full_detail_zoom=14)
    rng = np.random.default_rng(3)
    grades = [int(g) for g in rng.integers(1, 9, 60)]
    grades[17] = 10  # one point of the cluster is the most important
    fids = _load(registry, layer, [FeatureRecord(p, {"name": f"p{i}", "grade": grades[i]})
                                   for i, p in enumerate(_cluster(rng, 60, CHANGCHUN, spread))])
    tile = renderer.render([layer], address_at(*CHANGCHUN, z))
    (feature,) = decode(tile.data)["stations"]["features"]
    assert feature["id"] == (fids[17] if by_grade else min(fids))  # no priority: the lowest fid
    assert tile.layers["stations"] == LayerTileStats(features=1, dropped=59, thinned=True)
    # at full detail every point is there
    full = decode(renderer.render([layer], address_at(*CHANGCHUN, 14)).data)["stations"]["features"]
    assert sorted(f["id"] for f in full) == sorted(fids)


def test_drop_densest_spreads_survivors_over_the_map_rather_than_cutting_a_corner(registry, renderer):
    layer = _layer("stations", GeometryType.POINT, NAME, full_detail_zoom=14, feature_limit=200)
    rng = np.random.default_rng(5)
    xs, ys = rng.uniform(PROVINCE[0], PROVINCE[2], 20_000), rng.uniform(PROVINCE[1], PROVINCE[3], 20_000)
    _load(registry, layer, [FeatureRecord(Point(x, y), {"name": "p"}) for x, y in zip(xs, ys, strict=True)])
    address = address_at(126.5, 43.5, 6)
    features = decode(renderer.render([layer], address).data)["stations"]["features"]
    coords = np.array([f["geometry"]["coordinates"] for f in features])
    assert 50 <= len(coords) <= 200
    # survivors in every quarter of the province's part of the tile, not the first rows found
    x0, y0 = expected_units(PROVINCE[0], PROVINCE[3], address)
    x1, y1 = expected_units(PROVINCE[2], PROVINCE[1], address)
    mx, my = (max(x0, 0) + min(x1, EXTENT)) / 2, (max(y0, 0) + min(y1, EXTENT)) / 2
    quarters = {(bool(x < mx), bool(y < my)) for x, y in coords}
    assert len(quarters) == 4


@pytest.mark.parametrize("z", [8, 13])
def test_coalesce_merges_a_cell_into_one_point_with_its_count(registry, renderer, z):
    layer = _layer("incidents", GeometryType.POINT, NAME, GRADE, thinning="coalesce", priority=("-grade",),
                   full_detail_zoom=14)
    step = 0.001 if z < 10 else 0.00001
    cluster = [Point(CHANGCHUN[0] + dx * step, CHANGCHUN[1] + dy * step) for dx, dy in
               [(1, 1), (-1, 1), (1, -1), (-1, -1)]]
    fids = _load(registry, layer, [FeatureRecord(p, {"name": f"n{i}", "grade": i}) for i, p in enumerate(cluster)])
    address = address_at(*CHANGCHUN, z)
    (feature,) = decode(renderer.render([layer], address).data)["incidents"]["features"]
    assert feature["id"] == fids[3]  # the highest grade speaks for the cell
    assert feature["properties"] == {"name": "n3", "grade": 3, "point_count": 4, "domain": "test_domain"}
    ex, ey = expected_units(*CHANGCHUN, address)
    x, y = feature["geometry"]["coordinates"]
    assert abs(x - ex) <= 1 and abs(y - ey) <= 1  # at the members' mean position


def test_drop_smallest_drops_tiny_lines_then_the_limit_keeps_the_highest_priority(registry, renderer):
    layer = _layer("roads", GeometryType.LINESTRING, NAME, GRADE, priority=("-grade",), feature_limit=3,
                   full_detail_zoom=14)
    lon, lat = CHANGCHUN
    long_lines = [LineString([(lon - 0.5, lat + i * 0.02), (lon + 0.5, lat + i * 0.02)]) for i in range(6)]
    tiny = LineString([(lon, lat - 0.05), (lon + 0.0005, lat - 0.05)])
    fids = _load(registry, layer, [FeatureRecord(line, {"name": f"r{i}", "grade": g})
                                   for i, (line, g) in enumerate(zip([*long_lines, tiny], [1, 5, 2, 6, 4, 3, 9],
                                                                     strict=True))])
    tile = renderer.render([layer], address_at(*CHANGCHUN, 8))
    kept = [f["id"] for f in decode(tile.data)["roads"]["features"]]
    assert sorted(kept) == sorted([fids[3], fids[1], fids[4]])  # grades 6, 5, 4; the tiny grade-9 line is gone
    assert tile.layers["roads"] == LayerTileStats(features=3, dropped=4, thinned=True)
    # at full detail the limit still applies, by priority, and the tiny line competes again
    full = decode(renderer.render([layer], address_at(lon, lat - 0.05, 14)).data)["roads"]["features"]
    assert [f["id"] for f in full] == [fids[6]]


# -- the 500 KB budget --------------------------------------------------------------------------------
@pytest.fixture
def dense(registry):
    """200,000 points in a 4 km square, each with its own label: far too many for one tile."""
    layer = _layer("dense", GeometryType.POINT, NAME, GRADE, max_zoom=18, feature_limit=500_000, thinning="none")
    rng = np.random.default_rng(11)
    xy = rng.uniform(0, 0.04, (200_000, 2)) + np.array([125.30, 43.86])
    geometries = shapely.points(xy)
    labels = [f"监测点-{i:06d}-{int(v):08x}" for i, v in enumerate(rng.integers(0, 2**32, 200_000))]
    _load(registry, layer, (FeatureRecord(geometries[i], {"name": labels[i], "grade": i % 10})
                            for i in range(200_000)))
    return layer, xy


def _in_buffered_tile(xy: np.ndarray, address: TileAddress) -> int:
    box = get_tms(WEB).xy_bounds(morecantile.Tile(x=address.col, y=address.row, z=address.z))
    margin = (box.right - box.left) * 64 / EXTENT
    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(xy[:, 0], xy[:, 1])
    inside = ((x >= box.left - margin) & (x <= box.right + margin)
              & (y >= box.bottom - margin) & (y <= box.top + margin))
    return int(np.count_nonzero(inside))


def test_a_dense_layer_stays_under_500_kb_compressed_at_every_zoom(registry, renderer, dense):
    layer, xy = dense
    centre = (125.32, 43.88)
    for z in (4, 12, 14):  # every point in the tile; most of them; a quarter of them
        address = address_at(*centre, z)
        tile = renderer.render([layer], address)
        size = gz(tile.data)
        assert MAX_TILE_BYTES * 0.6 < size <= MAX_TILE_BYTES, f"z{z}: {size} bytes"
        # the budget cut the limit, said so, and left the tile well filled
        stats = tile.layers["dense"]
        assert stats.thinned and stats.features > 10_000
        # (the index compares single-precision boxes: a point within a metre of the edge may count)
        assert stats.features + stats.dropped == pytest.approx(_in_buffered_tile(xy, address), rel=5e-3)
    # with the default rule (drop-densest below full detail) the same data fits without cutting
    registry.register(layer.model_copy(update={"tiles": TileSettings()}), replace=True)
    default = registry.get("dense")
    for z in range(0, 17):
        tile = renderer.render([default], address_at(*centre, z))
        assert gz(tile.data) <= MAX_TILE_BYTES


# -- the Jilin samples ---------------------------------------------------------------------------------
@pytest.fixture
def samples(registry):
    layers = load_layer_file(layer_file())
    for layer in layers:
        registry.register(layer)
        with tempfile.TemporaryDirectory() as scratch:
            report = import_file(registry.store, layer, sample_dir() / f"{layer.id}.geojson",
                                 options=ImportOptions(rejects_path=Path(scratch) / "rejects.csv"))
        assert report.rows_rejected == 0
    return layers


def test_every_sample_tile_over_the_province_fits_the_budget_at_zooms_0_to_14(registry, renderer, samples):
    tms = get_tms(WEB)
    addresses = [TileAddress(WEB, t.z, t.y, t.x) for z in range(0, 9) for t in tms.tiles(*PROVINCE, zooms=[z])]
    anchors = [f.geometry["coordinates"] for layer in samples if layer.id in ("cities", "toll_stations")
               for batch in registry.store.iter_records(layer) for f in batch]
    addresses += list({address_at(lon, lat, z) for z in range(9, 15) for lon, lat in anchors})
    largest: dict[int, int] = {}
    roads_seen: dict[int, set[int]] = {}
    for address in addresses:
        tile = renderer.render(samples, address)
        largest[address.z] = max(largest.get(address.z, 0), gz(tile.data))
        if tile.data:
            roads = decode(tile.data).get("roads", {"features": []})["features"]
            roads_seen.setdefault(address.z, set()).update(f["id"] for f in roads)
    assert set(largest) == set(range(0, 15))
    assert max(largest.values()) <= MAX_TILE_BYTES
    # the province view: from z6 on, (nearly) every road section is on the map
    roads = {f.fid for batch in registry.store.iter_records(registry.get("roads")) for f in batch}
    assert len(roads_seen[6]) >= 0.95 * len(roads)
    assert roads_seen[7] == roads_seen[8] == roads


def _features(data: bytes) -> dict[str, set[tuple]]:
    return {name: {(f["id"], f["geometry"]["type"], tuple(sorted(f["properties"].items())))
                   for f in layer["features"]}
            for name, layer in decode(data).items()}


def test_the_python_renderer_on_geopackage_draws_the_same_features(registry, renderer, samples, gpkg_url):
    """Both stores, one plan: the same features, ids, geometry types and properties in every tile."""
    embedded = open_store(gpkg_url)
    try:
        for layer in samples:
            embedded.register_layer(layer)
            with tempfile.TemporaryDirectory() as scratch:
                import_file(embedded, layer, sample_dir() / f"{layer.id}.geojson",
                            options=ImportOptions(rejects_path=Path(scratch) / "rejects.csv"))
        python = PythonTileRenderer(embedded)
        compared = 0
        for tms_id, zooms in ((WEB, range(0, 13)), ("CGCS2000Quad", range(1, 10))):
            tms = get_tms(tms_id)
            for z in zooms:
                tiles = list(tms.tiles(*PROVINCE, zooms=[z]))[::3][:25]
                for t in tiles:
                    address = TileAddress(tms_id, z, t.y, t.x)
                    ours, theirs = renderer.render(samples, address), python.render(samples, address)
                    assert _features(ours.data) == _features(theirs.data), address
                    compared += bool(ours.data)
        assert compared >= 60  # tiles that hold features, not just empty ones
    finally:
        embedded.close()


# -- the budget loop on its own (any renderer) ------------------------------------------------------
def _encode(layers: dict[str, int], payload: int = 40) -> bytes:
    """A tile with `n` point features per layer, each with an incompressible label."""
    rng = np.random.default_rng(0)
    return mapbox_vector_tile.encode([
        {"name": name, "features": [{"geometry": f"POINT({i % 4096} {i // 4096})", "id": i + 1,
                                     "properties": {"label": rng.bytes(payload).hex()}} for i in range(n)]}
        for name, n in layers.items() if n > 0])


def test_layer_sizes_reads_each_layer_of_an_encoded_tile():
    data = _encode({"a": 10, "b": 100})
    sizes = layer_sizes(data)
    assert set(sizes) == {"a", "b"}
    assert sizes["b"] > 5 * sizes["a"]
    assert sum(sizes.values()) < len(data) <= sum(sizes.values()) + 2 * 8  # + tag and length bytes


def test_fit_to_budget_cuts_the_heaviest_layer_until_the_tile_fits():
    calls: list[dict[str, int]] = []
    available = {"heavy": 20_000, "light": 50}

    def render(limits):
        calls.append(dict(limits))
        counts = {name: min(available[name], limits[name]) for name in available}
        stats = {name: LayerTileStats(features=n, dropped=available[name] - n) for name, n in counts.items()}
        return RenderedTile(_encode(counts), stats)

    tile = fit_to_budget(render, {"heavy": 50_000, "light": 5000})
    assert gz(tile.data) <= MAX_TILE_BYTES
    assert calls[0] == {"heavy": 50_000, "light": 5000}
    assert all(call["light"] == 5000 for call in calls)  # the small layer is never cut
    assert tile.layers["light"] == LayerTileStats(features=50)
    heavy = tile.layers["heavy"]
    assert heavy.thinned and heavy.features < 20_000 and heavy.features >= 2_000
    # the first cut halves from what was written (20,000), not from the limit (50,000)
    assert calls[1]["heavy"] <= 10_000


def test_fit_to_budget_renders_once_when_the_tile_fits():
    calls = []

    def render(limits):
        calls.append(limits)
        return RenderedTile(b"\x1a\x00", {"a": LayerTileStats(1)})

    assert fit_to_budget(render, {"a": 10}).layers == {"a": LayerTileStats(1)}
    assert len(calls) == 1


def test_surely_fits_never_says_yes_to_a_tile_that_compresses_over_the_budget():
    noise = np.random.default_rng(1).bytes(MAX_TILE_BYTES - 600)
    assert surely_fits(noise) and gz(noise) <= MAX_TILE_BYTES
    bigger = np.random.default_rng(1).bytes(MAX_TILE_BYTES)
    assert not surely_fits(bigger) and gz(bigger) > MAX_TILE_BYTES


def test_a_tile_connection_killed_by_the_server_is_replaced_without_an_error(registry, renderer):
    layer = _layer("stations", GeometryType.POINT, NAME)
    _load(registry, layer, [FeatureRecord(Point(*CHANGCHUN), {"name": "长春"})])
    address = address_at(*CHANGCHUN, 10)
    first = renderer.render([layer], address)
    with registry.store.engine.connect() as conn:  # e.g. a database restart or an idle timeout
        killed = conn.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      "WHERE application_name = 'onemap-tiles' AND datname = current_database()"))
        assert killed.scalar() >= 1
    assert renderer.render([layer], address) == first


# -- the same renders from a coroutine (the server's cache misses) ---------------------------------------
def _on_a_loop(renderer, steps):
    """Run `steps(renderer)` (a coroutine function) on a fresh event loop in a thread of its own (this
    thread may hold another library's loop, e.g. Playwright's in a browser-test worker), closing the
    async pool after."""
    async def run():
        try:
            return await steps(renderer)
        finally:
            await renderer.aclose()

    with ThreadPoolExecutor(1) as executor:
        return executor.submit(anyio.run, run).result()


def test_render_async_gives_what_render_gives_with_the_budget_loop(registry, renderer, dense):
    layer, _ = dense
    for z in (12, 15):  # cut by the budget (the loop's gzip in a thread); light
        address = address_at(125.32, 43.88, z)

        async def render(r, address=address):
            return await r.render_async([layer], address)

        tile = _on_a_loop(renderer, render)
        assert tile == renderer.render([layer], address)
        assert tile.layers["dense"].thinned is (z == 12)


def test_async_tile_connections_killed_by_the_server_are_replaced_without_an_error(registry, renderer):
    layer = _layer("stations", GeometryType.POINT, NAME)
    _load(registry, layer, [FeatureRecord(Point(*CHANGCHUN), {"name": "长春"})])
    address = address_at(*CHANGCHUN, 10)

    async def scenario(r):
        first = await r.render_async([layer], address)
        with registry.store.engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE application_name = 'onemap-tiles' AND datname = current_database()"))
        return first, [await r.render_async([layer], address) for _ in range(3)]

    first, after_kill = _on_a_loop(renderer, scenario)
    assert first == renderer.render([layer], address) and first.layers["stations"].features == 1
    assert after_kill == [first] * 3  # the dead connections were dropped and new ones opened
