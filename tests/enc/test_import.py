"""Storing cells on both stores: every feature GDAL reads lands once, with provenance; a newer edition
replaces the old one in one transaction; bad input (corrupt cell, broken update sequence) stores nothing."""

from __future__ import annotations

import shutil
from datetime import date

import orjson
import pyogrio
import pytest
import typer
from shapely.geometry import LineString, Point
from typer.testing import CliRunner

from enc_chart import importer as importer_module
from enc_chart.catalogue import configure_gdal
from enc_chart.errors import CellNotNewer, CorruptCellError, UpdateSequenceError
from enc_chart.exchange_set import find_cells
from enc_chart.importer import import_files
from enc_chart.layers import CELLS_LAYER
from enc_chart.reader import OPEN_OPTIONS
from gis_server.cli import enc_commands
from gis_server.settings import get_settings
from layers.errors import InvalidFeature
from layers.query import FeatureQuery
from layers.stores.base import FeatureRecord
from tests.enc.ingest_support import (
    N230,
    UPDATED,
    copy_cell,
    enc_path,
    gdal_counts,
    patch_dsid_text,
    s58_cell,
    stored_class_counts,
)


@pytest.fixture
def store(store_factory):
    return store_factory()


def _import(store, path):
    return [import_files(store, files) for files in find_cells(path)]


def _layer(store, layer_id):
    return next(layer for layer in store.load_layer_definitions() if layer.id == layer_id)


def _properties(store, layer_id, **equals):
    page = store.query(_layer(store, layer_id), FeatureQuery(limit=10_000, equals=tuple(equals.items())))
    return [f["properties"] for f in orjson.loads(page.features_json)]


def _enc_layers(store):
    return [layer for layer in store.load_layer_definitions() if layer.id.startswith("enc_")]


def _stored_total(store, *, cell: str | None = None) -> int:
    """Features of chart classes (the cell index not counted), of one cell or of all."""
    total = 0
    for layer in _enc_layers(store):
        if layer.id == CELLS_LAYER:
            continue
        if cell is None:
            total += store.layer_state(layer).feature_count
        else:
            total += len(_properties(store, layer.id, cell_name=cell))
    return total


def test_5i7in230_stores_every_feature_gdal_reads(store):
    path = enc_path(N230)
    (report,) = _import(store, path)
    gdal = gdal_counts(path)
    for acronym, count in gdal.items():
        if acronym != "DSID":
            assert stored_class_counts(store, acronym) == count, acronym
    cells = store.layer_state(_layer(store, CELLS_LAYER)).feature_count
    assert _stored_total(store) + cells == sum(gdal.values()) == 711
    assert report.features == 710 and report.info.name == "5I7IN230"
    assert all(layer.domain == "waterway" and layer.valid_extent == (-180.0, -90.0, 180.0, 90.0)
               for layer in _enc_layers(store))


def test_provenance_and_flattened_attributes(store):
    path = enc_path(N230)
    _import(store, path)
    configure_gdal()
    dsid = pyogrio.read_dataframe(path, layer="DSID", read_geometry=False).iloc[0]
    isdt = str(dsid["DSID_ISDT"])
    raw = pyogrio.read_dataframe(path, layer="boylat", read_geometry=False, **OPEN_OPTIONS).set_index("LNAM")
    buoys = _properties(store, "enc_i_boylat")
    assert len(buoys) == len(raw)
    for buoy in buoys:
        assert buoy["cell_name"] == "5I7IN230" and buoy["cell_edition"] == int(dsid["DSID_EDTN"])
        assert buoy["cell_update"] == 0
        assert buoy["cell_issue_date"] == date(int(isdt[:4]), int(isdt[4:6]), int(isdt[6:])).isoformat()
        source = raw.loc[buoy["lnam"]]
        assert buoy["foid"] == f"{source['AGEN']}-{source['FIDN']}-{source['FIDS']}"
        assert buoy["colour"] == ",".join(str(v) for v in source["COLOUR"])  # list → "3,4,3,4"
        assert buoy["boyshp"] == str(source["BOYSHP"])  # enumerated → its code as text, never "1.0"
        if buoy["catlam"] is not None:
            assert buoy["catlam"] == str(int(source["catlam"]))
    index = _properties(store, CELLS_LAYER, cell_name="5I7IN230")
    assert len(index) == 1 and index[0]["feature_count"] == 710 and "enc_i_boylat" in index[0]["layer_ids"]


def test_every_ienc_test_cell_and_the_exchange_set_import(store):
    catalogue = enc_path("ienc-test-cells-2.1/exchangeset/CATALOG.031")
    first = _import(store, catalogue)
    assert [r.info.name for r in first] == ["5I7TEST1", "5IATEST2"]
    folder = enc_path("ienc-test-cells-2.1")
    imported, skipped = [], []
    for files in find_cells(folder):
        try:
            imported.append(import_files(store, files))
        except CellNotNewer as exc:
            assert exc.same
            skipped.append(files.name)
    assert sorted(skipped) == ["5I7TEST1", "5IATEST2"]
    expected = sum(sum(n for name, n in gdal_counts(p).items() if name != "DSID") for p in folder.rglob("*.000"))
    assert _stored_total(store) == expected == sum(r.features for r in first + imported)
    assert store.layer_state(_layer(store, CELLS_LAYER)).feature_count == len(list(folder.rglob("*.000")))
    assert not any(layer.id == "enc_generic" for layer in _enc_layers(store))


def test_every_ecdis_chart_1_cell_imports_with_soundings(store):
    folder = enc_path("ecdis-chart-1/ENC_ROOT")
    reports = _import(store, folder / "CATALOG.031")
    bases = sorted(folder.glob("*.000"))
    assert len(reports) == len(bases)
    gdal = [gdal_counts(p) for p in bases]
    assert _stored_total(store) == sum(sum(n for k, n in g.items() if k != "DSID") for g in gdal)
    soundings = _properties(store, "enc_soundg")
    configure_gdal()
    depths = [d for p in bases if gdal_counts(p)["SOUNDG"]
              for d in pyogrio.read_dataframe(p, layer="SOUNDG", read_geometry=False, **OPEN_OPTIONS)["DEPTH"]]
    assert len(soundings) == sum(g["SOUNDG"] for g in gdal) == len(depths) > 0
    assert sorted(s["depth"] for s in soundings) == pytest.approx(sorted(depths))


@pytest.mark.parametrize("name", UPDATED)
def test_update_files_are_applied_and_recorded(store, name):
    path = s58_cell(name)
    (report,) = _import(store, path)
    assert report.info.update == 1 and report.info.updates_applied == (f"{name}.001",)
    gdal = gdal_counts(path)
    for acronym, count in gdal.items():
        if acronym != "DSID":
            assert stored_class_counts(store, acronym) == count, acronym
    (index,) = _properties(store, CELLS_LAYER, cell_name=name)
    assert index["cell_update"] == 1 and index["updates_applied"] == f"{name}.001"


def test_an_update_gap_is_rejected_and_nothing_is_stored(store, tmp_path):
    base = copy_cell(s58_cell("AA500003"), tmp_path, "AA500003.001")
    shutil.move(tmp_path / "AA500003.001", tmp_path / "AA500003.002")
    with pytest.raises(UpdateSequenceError, match=r"AA500003\.001"):
        _import(store, base)
    assert _enc_layers(store) == []


def test_a_malformed_cell_is_rejected_and_nothing_is_stored(store):
    with pytest.raises(CorruptCellError) as caught:
        _import(store, s58_cell("AA500004").parent)
    assert "AA500004" in caught.value.message and f"record {caught.value.record}" in caught.value.message
    assert _enc_layers(store) == []


def _newer_edition(tmp_path, name: str = "5I7IENC1"):
    newer = copy_cell(enc_path(f"ienc-test-cells-2.1/{name}.000"), tmp_path / "newer")
    patch_dsid_text(newer, 0, b"2")  # EDTN 1 → 2
    return newer


def test_a_newer_edition_replaces_the_old_features_whole(store, tmp_path):
    old = enc_path("ienc-test-cells-2.1/5I7IENC1.000")
    _import(store, old)
    _import(store, enc_path("ienc-test-cells-2.1/5I7IENC2.000"))
    count_1, count_2 = _stored_total(store, cell="5I7IENC1"), _stored_total(store, cell="5I7IENC2")
    versions = store.layer_versions()
    (report,) = _import(store, _newer_edition(tmp_path))
    assert report.previous is not None and report.previous.edition == 1 and report.info.edition == 2
    assert _stored_total(store, cell="5I7IENC1") == count_1 == report.features
    assert _stored_total(store, cell="5I7IENC2") == count_2  # the other cell is untouched
    editions = {p["cell_edition"] for layer_id in report.layers for p in _properties(store, layer_id,
                                                                                    cell_name="5I7IENC1")}
    assert editions == {2}
    after = store.layer_versions()
    assert all(after[layer_id] == versions[layer_id] + 1 for layer_id in report.layers)  # one write per layer
    with pytest.raises(CellNotNewer) as older:
        _import(store, old)
    assert not older.value.same and "older" in older.value.message
    with pytest.raises(CellNotNewer) as same:
        _import(store, _newer_edition(tmp_path / "again"))
    assert same.value.same
    assert {p["cell_edition"] for p in _properties(store, CELLS_LAYER, cell_name="5I7IENC1")} == {2}


def test_a_replacement_failing_midway_leaves_the_old_edition(store, tmp_path, monkeypatch):
    (first,) = _import(store, enc_path("ienc-test-cells-2.1/5I7IENC1.000"))
    before = _stored_total(store, cell="5I7IENC1")
    versions = store.layer_versions()
    victim = list(first.layers)[-1]  # the last layer written: every other change precedes it
    real = importer_module.feature_records

    def broken(part, layer, info):
        records = real(part, layer, info)
        if layer.id != victim:
            return records
        wrong = LineString([(0, 0), (1, 1)]) if layer.geometry_type.value == "MultiPoint" else Point(0, 0)
        return [FeatureRecord(wrong, records[0].properties), *records[1:]]

    monkeypatch.setattr(importer_module, "feature_records", broken)
    with pytest.raises(InvalidFeature):
        _import(store, _newer_edition(tmp_path))
    assert _stored_total(store, cell="5I7IENC1") == before
    assert {p["cell_edition"] for layer_id in first.layers
            for p in _properties(store, layer_id, cell_name="5I7IENC1")} == {1}
    assert {k: v for k, v in store.layer_versions().items() if k in versions} == versions


# -- the command line -------------------------------------------------------------------------

def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def cli(store_url, monkeypatch):
    monkeypatch.setenv("ONEMAP_DATABASE_URL", store_url)
    get_settings.cache_clear()
    app = typer.Typer()
    enc_commands.register(app)
    yield lambda *args: CliRunner().invoke(app, ["enc", "import", *(str(a) for a in args)])
    get_settings.cache_clear()


def test_cli_imports_a_folder_and_prints_a_summary_per_cell(cli, store):
    folder = enc_path("ienc-test-cells-2.1/exchangeset")
    result = cli(folder)
    assert result.exit_code == 0, result.output
    output = flat(result.output)
    assert "海图导入结果" in output and "5I7TEST1" in output and "5IATEST2" in output
    assert _stored_total(store) > 0
    again = cli(folder)
    assert again.exit_code == 0 and "skipped" in again.output and "Traceback" not in again.output


@pytest.mark.parametrize("case", ["corrupt", "gap", "missing"])
def test_cli_bad_input_exits_1_with_a_chinese_and_english_message(cli, store, tmp_path, case):
    if case == "corrupt":
        path, expected = s58_cell("AA500004"), ("海图文件损坏", "corruptchartfileAA500004.000", "record")
    elif case == "gap":
        path = copy_cell(s58_cell("AA500003"), tmp_path, "AA500003.001")
        shutil.move(tmp_path / "AA500003.001", tmp_path / "AA500003.002")
        expected = ("更新序列不连续", "updatesequencebroken", "AA500003.001")
    else:
        path, expected = tmp_path / "nothing.000", ("路径不存在", "nosuchfile")
    result = cli(path)
    assert result.exit_code == 1, result.output
    assert all(flat(text) in flat(result.output) for text in expected)
    assert "Traceback" not in result.output
    assert _enc_layers(store) == []
