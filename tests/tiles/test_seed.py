"""`onemap tiles seed`: plans the tiles of a bbox and zooms, renders them on two processes into the
cache, can be interrupted (Ctrl-C) and resumed, and `onemap tiles clear` empties the cache."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer
from shapely.geometry import Point
from typer.testing import CliRunner

from layers.errors import InvalidQuery
from layers.model import LayerDefinition
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from tiles.cache import CacheSettings
from tiles.cache.seed import SeedJob, parse_bbox, parse_zooms, plan_chunks, run_seed, tile_range
from tiles.matrix_sets import get_tms
from tiles.model import TileAddress
from tiles.renderers import renderer_for
from tiles.service import TileService

CHANGCHUN_BOX = (125.0, 43.6, 125.8, 44.1)
REPO = Path(__file__).resolve().parents[2]


def stations() -> LayerDefinition:
    return LayerDefinition.model_validate({
        "id": "stations", "title_zh": "测试站点", "title_en": "Test stations", "domain": "test",
        "catalogue_code": "JL-TEST-011", "geometry_type": "Point", "min_zoom": 4, "max_zoom": 16,
        "fields": [{"name": "name", "type": "string", "title_zh": "名称"}],
    })


def roads() -> LayerDefinition:
    return LayerDefinition.model_validate({
        "id": "roads", "title_zh": "测试道路", "title_en": "Test roads", "domain": "test",
        "catalogue_code": "JL-TEST-012", "geometry_type": "LineString", "min_zoom": 10, "max_zoom": 16,
        "fields": [],
    })


@pytest.fixture
def loaded(store_url):
    store = open_store(store_url)
    layer = stations()
    store.register_layer(layer)
    store.register_layer(roads())
    store.insert(layer, [FeatureRecord(Point(125.0 + i * 0.03, 43.6 + (i % 7) * 0.07), {"name": f"站{i}"})
                         for i in range(30)])
    store.close()
    return store_url


def cache_settings(tmp_path: Path) -> CacheSettings:
    return CacheSettings(memory_bytes=0, disk_dir=tmp_path / "tiles", redis_url=None)


def every_tile(job: SeedJob) -> list[TileAddress]:
    """The tiles morecantile lists for the job's bbox and zooms (the plan must match it)."""
    tms = get_tms(job.tms)
    return [TileAddress(job.tms, t.z, t.y, t.x) for t in tms.tiles(*job.bbox, zooms=list(job.zooms))]


def served_without_rendering(store_url: str, settings: CacheSettings, layer_ids: tuple[str, ...],
                             addresses: list[TileAddress]) -> int:
    """How many of these tiles a fresh service (another process, empty memory) had to render."""
    store = open_store(store_url)
    try:
        known = {layer.id: layer for layer in store.load_layer_definitions()}
        service = TileService(store, settings, renderer=renderer_for(store))
        for address in addresses:
            service.tile([known[i] for i in layer_ids], address)
        service.close()
        return service.rendered
    finally:
        store.close()


# -- parsing and planning ------------------------------------------------------------------------------

def test_zoom_and_bbox_parsing():
    assert parse_zooms("5-8") == (5, 6, 7, 8)
    assert parse_zooms("12, 5-6,5") == (5, 6, 12)
    assert parse_bbox("125,43.5,126,44") == (125.0, 43.5, 126.0, 44.0)
    for bad in ("8-5", "a", "", "5-"):
        with pytest.raises(InvalidQuery) as caught:
            parse_zooms(bad)
        assert caught.value.parameter == "zooms"
    for bad in ("125,43,126", "126,43,125,44", "125,43,126,95", "x,1,2,3"):
        with pytest.raises(InvalidQuery) as caught:
            parse_bbox(bad)
        assert caught.value.parameter == "bbox"


@pytest.mark.parametrize("tms_id", ["WebMercatorQuad", "WorldCRS84Quad", "CGCS2000Quad"])
def test_plan_covers_exactly_the_tiles_of_the_bbox(tms_id):
    job = SeedJob(layer_sets=(("stations",),), tms=tms_id, zooms=(6, 9, 12), bbox=CHANGCHUN_BOX)
    chunks = plan_chunks(job, {"stations": stations()})
    planned = [address for chunk in chunks for address in chunk.addresses(tms_id)]
    assert len(planned) == len(set(planned)) == sum(chunk.tiles for chunk in chunks)
    assert set(planned) == set(every_tile(job))
    assert tile_range(tms_id, CHANGCHUN_BOX, 99) is None


def test_zooms_outside_every_layers_range_are_skipped():
    job = SeedJob(layer_sets=(("stations",), ("roads",), ("stations", "roads")), tms="WebMercatorQuad",
                  zooms=(3, 4, 9, 10), bbox=CHANGCHUN_BOX)
    chunks = plan_chunks(job, {"stations": stations(), "roads": roads()})
    zooms = {index: sorted({c.z for c in chunks if c.set_index == index}) for index in range(3)}
    assert zooms == {0: [4, 9, 10], 1: [10], 2: [4, 9, 10]}


# -- running ------------------------------------------------------------------------------------------------

def test_seed_renders_every_tile_on_two_processes_and_fills_the_cache(loaded, tmp_path):
    settings = cache_settings(tmp_path)
    job = SeedJob(layer_sets=(("stations",), ("stations", "roads")), tms="WebMercatorQuad",
                  zooms=(8, 9, 10, 11, 12), bbox=CHANGCHUN_BOX)
    report = run_seed(job, loaded, settings, workers=2)
    expected = len(every_tile(job))
    composite = [a for a in every_tile(job) if a.z >= 10]  # where roads show, the tile holds both layers
    assert report.errors == [] and not report.interrupted
    assert report.total_tiles == report.done_tiles == 2 * expected
    # below zoom 10 the composite tileset's tiles hold stations only: the same tiles, rendered once
    # (twice at most if both workers happen to reach one at the same moment)
    assert expected + len(composite) <= report.rendered <= 2 * expected
    assert len(report.pids) == 2 and os.getpid() not in report.pids  # two worker processes
    assert report.journal is not None and report.journal.is_file()

    # a server process now serves every seeded tile from the disk cache
    assert served_without_rendering(loaded, settings, ("stations",), every_tile(job)) == 0
    assert served_without_rendering(loaded, settings, ("stations", "roads"), composite) == 0

    again = run_seed(job, loaded, settings, workers=2)  # the same job again: all done already
    assert again.skipped_tiles == again.total_tiles and again.done_tiles == again.rendered == 0


def test_an_interrupted_seed_resumes_where_it_stopped(loaded, tmp_path):
    settings = cache_settings(tmp_path)
    job = SeedJob(layer_sets=(("stations",),), tms="CGCS2000Quad", zooms=(9, 10, 11, 12, 13), bbox=CHANGCHUN_BOX)
    calls = {"n": 0}

    def interrupt_after_two_chunks(tiles: int, rendered: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # as Ctrl-C in the parent's progress loop

    first = run_seed(job, loaded, settings, workers=2, on_progress=interrupt_after_two_chunks)
    assert first.interrupted and 0 < first.done_tiles < first.total_tiles
    second = run_seed(job, loaded, settings, workers=2)
    assert not second.interrupted and second.errors == []
    assert second.skipped_tiles == first.done_tiles
    assert second.skipped_tiles + second.done_tiles == second.total_tiles == len(every_tile(job))
    # no tile was rendered twice: tiles of the chunks cut short were found in the cache
    assert first.rendered + second.rendered <= second.total_tiles
    assert served_without_rendering(loaded, settings, ("stations",), every_tile(job)) == 0


def test_unknown_layer_is_refused(loaded, tmp_path):
    from layers.errors import LayerNotFound

    job = SeedJob(layer_sets=(("nope",),), tms="WebMercatorQuad", zooms=(8,), bbox=CHANGCHUN_BOX)
    with pytest.raises(LayerNotFound):
        run_seed(job, loaded, cache_settings(tmp_path))


# -- the command -----------------------------------------------------------------------------------------

def cli() -> typer.Typer:
    from gis_server.cli import tile_commands

    app = typer.Typer()
    tile_commands.register(app)
    return app


def cli_env(store_url: str, tmp_path: Path) -> dict[str, str]:
    return {"ONEMAP_DATABASE_URL": store_url, "ONEMAP_TILE_CACHE_DIR": str(tmp_path / "tiles"),
            "ONEMAP_REDIS_URL": "", "ONEMAP_TILE_CACHE_MB": "0"}


def test_seed_and_clear_commands(loaded, tmp_path, monkeypatch):
    from gis_server.settings import get_settings

    for name, value in cli_env(loaded, tmp_path).items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        result = runner.invoke(cli(), ["tiles", "seed", "--layers", "stations", "--zooms", "9-11",
                                        "--bbox", ",".join(map(str, CHANGCHUN_BOX)), "--workers", "2"])
        assert result.exit_code == 0, result.output
        tiles = list((tmp_path / "tiles").rglob("*.tile"))
        assert len(tiles) == len(every_tile(SeedJob((("stations",),), "WebMercatorQuad", (9, 10, 11),
                                                    CHANGCHUN_BOX)))
        # no --bbox: the layer's extent
        result = runner.invoke(cli(), ["tiles", "seed", "--layers", "stations", "--zooms", "12", "--composite"])
        assert result.exit_code == 0, result.output
        bad = runner.invoke(cli(), ["tiles", "seed", "--layers", "stations", "--zooms", "9-x"])
        assert bad.exit_code == 2 and "zooms" in bad.output
        missing = runner.invoke(cli(), ["tiles", "seed", "--layers", "nope", "--zooms", "9", "--bbox", "1,1,2,2"])
        assert missing.exit_code == 1 and "nope" in missing.output
        result = runner.invoke(cli(), ["tiles", "clear"])
        assert result.exit_code == 0, result.output
        assert list((tmp_path / "tiles").rglob("*.tile")) == [] and list((tmp_path / "tiles").rglob("*.sqlite")) == []
    finally:
        get_settings.cache_clear()


def test_ctrl_c_stops_the_command_and_the_same_command_resumes(loaded, tmp_path):
    """A real SIGINT to a real `seed` process: exit 130, a journal of finished chunks, then a resume."""
    env = {**os.environ, **cli_env(loaded, tmp_path), "PYTHONPATH": str(REPO), "COLUMNS": "120"}
    program = ("import typer; from gis_server.cli import tile_commands; app = typer.Typer(); "
               "tile_commands.register(app); app()")
    command = [sys.executable, "-c", program, "tiles", "seed", "--layers", "stations", "--zooms", "9-14",
               "--bbox", ",".join(map(str, CHANGCHUN_BOX)), "--workers", "2"]
    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        journal = None
        for _ in range(1200):  # wait (up to ~60 s) until the first chunks are journaled
            found = list((tmp_path / "tiles").rglob("*.sqlite"))
            if found and _journaled(found[0]) > 0:
                journal = found[0]
                break
            if process.poll() is not None:
                break
            time.sleep(0.05)
        assert journal is not None, process.communicate()[0].decode()
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=120)[0].decode()
    finally:
        if process.poll() is None:
            process.kill()
    total = len(every_tile(SeedJob((("stations",),), "WebMercatorQuad", tuple(range(9, 15)), CHANGCHUN_BOX)))
    if process.returncode == 0:
        pytest.fail(f"the seed finished ({total} tiles) before the interrupt arrived; enlarge the job\n{output}")
    assert process.returncode == 130, output
    assert "interrupted" in output
    done = _journaled(journal)
    assert 0 < done < total
    resumed = subprocess.run(command, env=env, cwd=REPO, capture_output=True, timeout=600)
    assert resumed.returncode == 0, resumed.stdout.decode() + resumed.stderr.decode()
    assert _journaled(journal) == total


def _journaled(path: Path) -> int:
    try:
        with sqlite3.connect(path, timeout=5) as conn:
            return int(conn.execute("SELECT coalesce(sum(tiles), 0) FROM done").fetchone()[0])
    except sqlite3.Error:
        return 0
