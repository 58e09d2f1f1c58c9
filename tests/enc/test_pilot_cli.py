"""`onemap enc build-pilot` stores the pilot chart; `onemap enc export` writes a stored cell to S-57."""

from __future__ import annotations

import shutil

import pytest
import typer
from typer.testing import CliRunner

from enc_chart.layers import CELLS_LAYER
from enc_chart.pilot.samples import GAUGES_FILE, SURVEY_FILE
from enc_chart.pilot.settings import SAMPLES_DIR
from gis_server.cli import enc_pilot
from gis_server.settings import get_settings
from layers.registry import LayerRegistry
from layers.stores import open_store
from tests.enc.ingest_support import N230, enc_path
from tests.enc.test_pilot_build import built
from tests.enc.test_s57_writer import gdal_read


@pytest.fixture
def cli(gpkg_url, monkeypatch):
    monkeypatch.setenv("ONEMAP_DATABASE_URL", gpkg_url)
    get_settings.cache_clear()
    app = typer.Typer()
    app.command("build-pilot")(enc_pilot.build_pilot)
    app.command("export")(enc_pilot.export)
    yield lambda *args: CliRunner().invoke(app, [str(a) for a in args])
    get_settings.cache_clear()


def flat(text: str) -> str:
    return "".join(text.split())


def _stored_count(url: str) -> dict[str, int]:
    store = open_store(url)
    try:
        registry = LayerRegistry(store)
        return {layer.id: store.layer_state(layer).feature_count for layer in registry.all()
                if layer.id.startswith("enc_") and layer.id != CELLS_LAYER}
    finally:
        store.close()


def test_build_pilot_stores_the_chart_and_export_writes_it_back(cli, gpkg_url, tmp_path):
    result = cli("build-pilot")
    assert result.exit_code == 0, result.output
    cell = built()
    counts = _stored_count(gpkg_url)
    assert sum(counts.values()) == cell.feature_count
    assert counts["enc_depare"] == len(cell.layers["DEPARE"]) and counts["enc_i_bridge"] == 8
    again = cli("build-pilot")
    assert again.exit_code == 0 and "skipped" in again.output  # the same edition is not stored twice
    assert _stored_count(gpkg_url) == counts

    out = tmp_path / f"{cell.info.name}.000"
    exported = cli("export", cell.info.name, out)
    assert exported.exit_code == 0, exported.output
    back = gdal_read(out)
    assert {k: len(v) for k, v in back.layers.items()} == {k: len(v) for k, v in cell.layers.items()}
    assert set(back.layers["bridge"]["NOBJNM"]) == set(cell.layers["bridge"]["NOBJNM"])
    assert sorted(back.layers["DEPARE"]["DRVAL2"]) == sorted(cell.layers["DEPARE"]["DRVAL2"])


def test_export_re_encodes_an_s57_file_and_refuses_bad_input(cli, tmp_path):
    out = tmp_path / "5I7IN230.000"
    result = cli("export", enc_path(N230), out)
    assert result.exit_code == 0, result.output
    assert sum(len(v) for v in gdal_read(out).layers.values()) > 600
    wrong = cli("export", enc_path(N230), tmp_path / "other.000")
    assert wrong.exit_code == 1 and "5I7IN230.000" in flat(wrong.output) and "Traceback" not in wrong.output
    missing = cli("export", "CN7NONE1", tmp_path / "CN7NONE1.000")
    assert missing.exit_code == 1 and "库中没有海图单元" in flat(missing.output) and "nocellCN7NONE1" in flat(
        missing.output)
    assert not (tmp_path / "other.000").exists() and not (tmp_path / "CN7NONE1.000").exists()


def test_build_pilot_with_bad_samples_exits_1_and_stores_nothing(cli, gpkg_url, tmp_path):
    samples = tmp_path / "samples"
    samples.mkdir()
    result = cli("build-pilot", "--samples", samples)
    assert result.exit_code == 1 and "缺少测量栅格" in flat(result.output) and "Traceback" not in result.output
    shutil.copy(SAMPLES_DIR / SURVEY_FILE, samples / SURVEY_FILE)
    (samples / GAUGES_FILE).write_text("gauges: [{id: FM}]\n", encoding="utf-8")  # a gauge without its levels
    broken = cli("build-pilot", "--samples", samples)
    assert broken.exit_code == 1 and "水位站文件无效" in flat(broken.output)
    assert _stored_count(gpkg_url) == {}
