"""`export_layer` and `onemap export`: every format, CRS choice, and export → import round trips."""

from __future__ import annotations

import orjson
import pyogrio
import pytest
import typer
from typer.testing import CliRunner

from gis_server.cli import io_commands
from gis_server.settings import get_settings
from layers.io.exporter import ExportError, ExportFormat, export_layer
from layers.io.importer import import_file
from tests.io import CHANGCHUN, by_name, registered, station_layer, station_rows, write_frame

FORMATS = [f.value for f in ExportFormat]


@pytest.fixture
def store(store_factory):
    return store_factory()


@pytest.fixture
def filled(store, tmp_path):
    """The stations layer holding the three sample stations, and an empty copy with the same schema."""
    original, copy = station_layer("stations"), station_layer("stations_copy")
    registered(store, original, copy)
    (tmp_path / "source").mkdir()
    source = write_frame(tmp_path / "source" / "stations.geojson", station_rows())
    assert import_file(store, original, source).rows_written == 3
    return original, copy


def assert_same_features(store, original, copy, *, abs_tol: float = 1e-9) -> None:
    before, after = by_name(store, original), by_name(store, copy)
    assert set(before) == set(after)
    for name, feature in before.items():
        assert after[name].properties == feature.properties, name
        assert after[name].geometry["type"] == feature.geometry["type"]
        assert after[name].geometry["coordinates"] == pytest.approx(feature.geometry["coordinates"], abs=abs_tol)


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_then_import_round_trips(store, filled, tmp_path, fmt):
    original, copy = filled
    report = export_layer(store, original, tmp_path / f"out.{fmt}", fmt)
    assert report.features == 3 and report.srid == 4490 and report.path.exists()
    back = import_file(store, copy, report.path)  # no options: names, CRS and encoding come back by themselves
    assert (back.rows_written, back.rows_rejected, back.ignored_columns) == (3, 0, ())
    assert back.source_srid == 4490
    assert_same_features(store, original, copy)


@pytest.mark.parametrize("fmt", FORMATS)
def test_web_mercator_export_declares_its_crs(store, filled, tmp_path, fmt):
    original, copy = filled
    report = export_layer(store, original, tmp_path / f"merc.{fmt}", fmt, srid=3857)
    if fmt != "csv":
        assert pyogrio.read_info(report.path)["crs"] == "EPSG:3857"
    frame = pyogrio.read_dataframe(report.path) if fmt != "csv" else None
    if frame is not None:
        assert frame.geometry.x.max() > 1.3e7  # metres, not degrees
    back = import_file(store, copy, report.path)
    assert back.source_srid == 3857
    assert_same_features(store, original, copy, abs_tol=1e-7)


def test_shapefile_names_encoding_and_sidecars(store, filled, tmp_path):
    original, _ = filled
    report = export_layer(store, original, tmp_path / "stations.shp", ExportFormat.SHP)
    assert report.field_names["responsible_unit"] == "responsibl"
    assert report.field_names["responsible_person"] == "responsi_1"
    assert tmp_path.joinpath("stations.cpg").read_text().strip().upper() in ("UTF-8", "UTF8")
    info = pyogrio.read_info(report.path)
    names = [str(n) for n in info["fields"]]
    assert all(len(n) <= 10 for n in names) and len({n.lower() for n in names}) == len(names)
    frame = pyogrio.read_dataframe(report.path)
    assert "长春西收费站" in set(frame["name"])


def test_csv_is_excel_friendly_wkt(store, filled, tmp_path):
    original, _ = filled
    report = export_layer(store, original, tmp_path / "stations.csv", "csv", srid=4326)
    raw = report.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[0] == "WKT" and "name" in header
    assert "长春西收费站" in raw.decode("utf-8-sig")
    assert "WGS" in tmp_path.joinpath("stations.prj").read_text()


def test_geojson_is_a_feature_collection_with_crs(store, filled, tmp_path):
    original, _ = filled
    document = orjson.loads(export_layer(store, original, tmp_path / "a.geojson", "geojson").path.read_bytes())
    assert document["type"] == "FeatureCollection" and len(document["features"]) == 3
    assert document["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::4490"
    first = next(f for f in document["features"] if f["properties"]["name"] == "长春西收费站")
    assert first["geometry"]["coordinates"] == pytest.approx(list(CHANGCHUN), abs=1e-12)
    plain = orjson.loads(export_layer(store, original, tmp_path / "b.geojson", "geojson", srid=4326).path.read_bytes())
    assert "crs" not in plain  # RFC 7946: lon/lat WGS 84 needs no crs member


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_layer_exports_an_empty_file(store, tmp_path, fmt):
    layer = station_layer("empty_stations")
    registered(store, layer)
    report = export_layer(store, layer, tmp_path / f"empty.{fmt}", fmt)
    assert report.features == 0
    info = pyogrio.read_info(report.path)
    assert info["features"] in (0, -1)
    if fmt in ("gpkg", "shp"):
        assert "name" in [str(n) for n in info["fields"]]


def test_existing_output_bad_format_and_bad_crs(store, filled, tmp_path):
    original, _ = filled
    target = tmp_path / "x.gpkg"
    export_layer(store, original, target, "gpkg")
    with pytest.raises(ExportError) as error:
        export_layer(store, original, target, "gpkg")
    assert error.value.parameter == "out"
    assert export_layer(store, original, target, "gpkg", overwrite=True).features == 3
    with pytest.raises(ExportError) as error:
        export_layer(store, original, tmp_path / "x.kml", "kml")
    assert error.value.parameter == "format"
    with pytest.raises(ExportError) as error:
        export_layer(store, original, tmp_path / "y.gpkg", "gpkg", srid=32651)
    assert error.value.parameter == "crs"


class BrokenStore:
    """Yields one batch, then fails, as a dropped database connection would."""

    def __init__(self, store) -> None:
        self.store = store

    def iter_records(self, layer, batch_size=10_000):
        yield from list(self.store.iter_records(layer, 1))[:1]
        raise ConnectionError("connection lost")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_failed_export_leaves_nothing_behind(store, filled, tmp_path, fmt):
    original, _ = filled
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ConnectionError):
        export_layer(BrokenStore(store), original, out / f"broken.{fmt}", fmt)
    assert list(out.iterdir()) == []


# -- the command line -------------------------------------------------------------------------
@pytest.fixture
def cli(store_url, monkeypatch):
    monkeypatch.setenv("ONEMAP_DATABASE_URL", store_url)
    get_settings.cache_clear()
    app = typer.Typer()
    io_commands.register(app)
    yield lambda *args: CliRunner().invoke(app, [str(a) for a in args])
    get_settings.cache_clear()


def test_cli_export(cli, store, filled, tmp_path):
    result = cli("export", "--layer", "stations", "--format", "shp", "--out", tmp_path / "cli", "--crs", "EPSG:4326")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cli.shp").exists()
    assert pyogrio.read_info(tmp_path / "cli.shp")["crs"] == "EPSG:4326"
    assert "responsi_1" in result.output  # the shortened names are reported
    again = cli("export", "--layer", "stations", "--format", "shp", "--out", tmp_path / "cli.shp")
    assert again.exit_code == 1 and "--overwrite" in again.output and "Traceback" not in again.output


@pytest.mark.parametrize(("args", "expected"), [
    (("--layer", "nope", "--format", "gpkg"), "图层不存在"),
    (("--layer", "stations", "--format", "gpkg", "--crs", "EPSG:32651"), "不支持的导出坐标系"),
])
def test_cli_export_user_errors(cli, filled, tmp_path, args, expected):
    result = cli("export", *args, "--out", tmp_path / "x.gpkg")
    assert result.exit_code == 1
    assert expected in "".join(result.output.split())
    assert "Traceback" not in result.output
