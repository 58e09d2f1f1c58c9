"""`import_file` and `onemap import` against both stores: formats, encodings, CRS, rejects, atomicity."""

from __future__ import annotations

import csv
import itertools
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
import typer
from pyproj import Transformer
from typer.testing import CliRunner

from gis_server.cli import io_commands
from gis_server.settings import get_settings
from layers.errors import InvalidQuery
from layers.io.importer import ImportOptions, import_file
from layers.io.readers import SourceError
from layers.io.reproject import CrsError
from layers.model import FieldSpec, FieldType, GeometryType, LayerDefinition
from tests.io import (
    CHANGCHUN,
    JILIN,
    SIPING,
    area_layer,
    by_name,
    features,
    registered,
    station_layer,
    station_rows,
    write_frame,
)


def count(store, layer) -> int:
    return store.layer_state(layer).feature_count


def read_rejects(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "rejects CSV must start with a UTF-8 BOM (Excel)"
    return list(csv.reader(raw.decode("utf-8-sig").splitlines()))


@pytest.fixture
def store(store_factory):
    return store_factory()


@pytest.fixture
def stations(store):
    layer = station_layer()
    registered(store, layer)
    return layer


def test_geojson_rows_land_with_coerced_values(store, stations, tmp_path):
    source = write_frame(tmp_path / "stations.geojson", station_rows(), crs=4326)
    report = import_file(store, stations, source)
    assert (report.rows_read, report.rows_rejected, report.rows_written) == (3, 0, 3)
    assert report.source_srid == 4326  # stored as CGCS2000 with the same numbers
    stored = by_name(store, stations)
    changchun = stored["长春西收费站"]
    assert changchun.geometry["coordinates"] == pytest.approx(list(CHANGCHUN), abs=1e-12)
    props = changchun.properties
    assert (props["grade"], props["lanes"], props["length_km"], props["is_open"]) == ("1", 8, 1.25, True)
    assert props["opened_on"] == date(2019, 6, 1)
    assert props["inspected_at"] == datetime(2024, 5, 1, 1, 30, tzinfo=UTC)
    assert stored["吉林东检查站"].properties["is_open"] is False
    empty = stored["四平治超站"].properties
    assert all(empty.get(name) is None for name in ("grade", "lanes", "length_km", "is_open", "inspected_at"))
    assert read_rejects(report.rejects_path) == [["row", "field", "reason"]]


def test_rejects_are_reported_and_good_rows_still_land(store, stations, tmp_path):
    good, _, last = station_rows()
    rows = [
        good,
        {**station_rows()[1], "name": None},                                  # row 2: required field missing
        {**station_rows()[1], "name": "错误等级站", "grade": "9"},              # row 3: not in code list
        {**station_rows()[1], "name": "北京站", "geometry": shapely.Point(116.4, 39.9)},  # row 4: outside extent
        {**station_rows()[1], "name": "车道过多站", "lanes": 20},                # row 5: above maximum
        last,                                                                 # row 6: good
    ]
    source = write_frame(tmp_path / "mixed.geojson", rows)
    report = import_file(store, stations, source)
    assert (report.rows_read, report.rows_rejected, report.rows_written) == (6, 4, 2)
    assert set(by_name(store, stations)) == {"长春西收费站", "四平治超站"}
    assert report.rejects_path == tmp_path / "mixed.rejects.csv"
    rejects = read_rejects(report.rejects_path)
    assert rejects[0] == ["row", "field", "reason"]
    assert [(r[0], r[1]) for r in rejects[1:]] == [("2", "name"), ("3", "grade"), ("4", "geometry"), ("5", "lanes")]
    assert "缺少必填字段" in rejects[1][2] and "missing required field" in rejects[1][2]
    assert "代码表" in rejects[2][2] and "'9'" in rejects[2][2]
    assert "有效范围" in rejects[3][2]
    assert "最大值" in rejects[4][2]


def test_invalid_geometry_is_rejected_and_polygons_are_promoted(store, tmp_path):
    layer = area_layer()
    registered(store, layer)
    square = shapely.box(125.0, 43.0, 125.1, 43.1)
    bowtie = shapely.Polygon([(126.0, 43.0), (126.1, 43.1), (126.1, 43.0), (126.0, 43.1), (126.0, 43.0)])
    source = write_frame(tmp_path / "zones.gpkg", [{"name": "正方形", "geometry": square},
                                                   {"name": "蝴蝶结", "geometry": bowtie}])
    report = import_file(store, layer, source)
    assert (report.rows_written, report.rows_rejected) == (1, 1)
    rejects = read_rejects(report.rejects_path)
    assert rejects[1][:2] == ["2", "geometry"] and "几何对象无效" in rejects[1][2]
    (stored,) = features(store, layer)
    assert stored.geometry["type"] == "MultiPolygon"


def test_gbk_shapefile_without_cpg_reads_chinese(store, stations, tmp_path):
    source = write_frame(tmp_path / "gbk.shp", station_rows(), encoding="GBK")
    tmp_path.joinpath("gbk.cpg").unlink(missing_ok=True)
    dbf = tmp_path / "gbk.dbf"
    data = bytearray(dbf.read_bytes())
    data[29] = 0  # no language-driver id either: only the bytes tell
    dbf.write_bytes(bytes(data))
    with pytest.raises(UnicodeDecodeError):
        bytes(data).decode("utf-8")
    report = import_file(store, stations, source)
    assert report.encoding == "GBK"
    assert report.rows_written == 3
    stored = by_name(store, stations)
    assert set(stored) == {"长春西收费站", "吉林东检查站", "四平治超站"}
    assert stored["长春西收费站"].properties["responsible_unit"] == "长春市交通局"


def test_encoding_option_overrides_a_wrong_cpg(store, stations, tmp_path):
    source = write_frame(tmp_path / "wrong.shp", station_rows(), encoding="GBK")
    tmp_path.joinpath("wrong.cpg").write_text("UTF-8")
    report = import_file(store, stations, source, options=ImportOptions(encoding="GBK"))
    assert report.rows_written == 3
    assert "吉林东检查站" in by_name(store, stations)


def test_geopackage_with_several_layers_needs_source_layer(store, stations, tmp_path):
    source = tmp_path / "multi.gpkg"
    write_frame(source, station_rows()[:1], layer="east")
    write_frame(source, station_rows()[1:], layer="west")
    with pytest.raises(SourceError) as error:
        import_file(store, stations, source)
    assert error.value.parameter == "source-layer" and "east" in error.value.message
    report = import_file(store, stations, source, options=ImportOptions(source_layer="west"))
    assert report.rows_written == 2 and report.source_layer == "west"
    with pytest.raises(SourceError):
        import_file(store, stations, source, options=ImportOptions(source_layer="north"))


def test_gbk_csv_with_chinese_lonlat_headers_and_mapping(store, stations, tmp_path):
    source = tmp_path / "excel.csv"
    lines = ["名称,经度,纬度,等级,车道", f"长春站,{CHANGCHUN[0]},{CHANGCHUN[1]},1,6", f"吉林站,{JILIN[0]},{JILIN[1]},,",
             "坏坐标站,abc,43.8,2,4", "缺坐标站,,,2,4"]
    source.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    options = ImportOptions(mappings={"名称": "name", "等级": "grade", "车道": "lanes"})
    report = import_file(store, stations, source, options=options)
    assert report.encoding == "gbk" and "经度" in report.geometry_from
    assert (report.rows_read, report.rows_written, report.rows_rejected) == (4, 2, 2)
    stored = by_name(store, stations)
    assert stored["长春站"].properties["lanes"] == 6
    assert stored["吉林站"].properties.get("grade") is None  # blank cell → null
    assert stored["吉林站"].geometry["coordinates"] == pytest.approx(list(JILIN), abs=1e-12)
    rejects = read_rejects(report.rejects_path)
    assert [(r[0], r[1]) for r in rejects[1:]] == [("3", "geometry"), ("4", "geometry")]
    assert "不是数值" in rejects[1][2] and "缺失" in rejects[2][2]


def test_utf8_bom_csv_with_wkt_column(store, stations, tmp_path):
    source = tmp_path / "wkt.csv"
    source.write_text("WKT,name,grade\n"
                      f'"POINT ({CHANGCHUN[0]} {CHANGCHUN[1]})",长春站,1\n'
                      f'"SRID=4490;POINT ({JILIN[0]} {JILIN[1]})",吉林站,2\n'
                      '"POINT (oops)",坏站,3\n', encoding="utf-8-sig")
    report = import_file(store, stations, source)
    assert (report.rows_written, report.rows_rejected) == (2, 1)
    assert set(by_name(store, stations)) == {"长春站", "吉林站"}
    assert "WKT" in read_rejects(report.rejects_path)[1][2]


@pytest.mark.parametrize(("srid", "suffix"), [(4551, ".gpkg"), (4530, ".shp"), (3857, ".geojson")])
def test_projected_sources_are_reprojected_exactly(store, stations, tmp_path, srid, suffix):
    to_source = Transformer.from_crs(4490, srid, always_xy=True)
    rows = station_rows()
    for row in rows:
        row["geometry"] = shapely.Point(to_source.transform(row["geometry"].x, row["geometry"].y))
    source = write_frame(tmp_path / f"projected{suffix}", rows, crs=srid)
    report = import_file(store, stations, source)
    assert report.source_srid == srid and report.rows_written == 3
    stored = by_name(store, stations)
    for name, expected in (("长春西收费站", CHANGCHUN), ("吉林东检查站", JILIN), ("四平治超站", SIPING)):
        assert stored[name].geometry["coordinates"] == pytest.approx(list(expected), abs=1e-7)


def test_csv_in_gauss_kruger_metres_with_source_crs(store, stations, tmp_path):
    x, y = Transformer.from_crs(4490, 4551, always_xy=True).transform(*JILIN)
    source = tmp_path / "gk.csv"
    source.write_text(f"东坐标,北坐标,name\n{x:.4f},{y:.4f},吉林站\n", encoding="utf-8")
    with pytest.raises(SourceError) as error:  # no column looks like a coordinate
        import_file(store, stations, source)
    assert error.value.parameter == "lon-column"
    columns = ImportOptions(lon_column="东坐标", lat_column="北坐标")
    guessed = import_file(store, stations, source, options=columns)  # read as lon/lat: far outside the extent
    assert (guessed.source_srid, guessed.rows_rejected) == (4490, 1)
    options = ImportOptions(lon_column="东坐标", lat_column="北坐标", source_crs="EPSG:4551")
    report = import_file(store, stations, source, options=options)
    assert report.rows_written == 1
    (stored,) = features(store, stations)
    assert stored.geometry["coordinates"] == pytest.approx(list(JILIN), abs=1e-7)


def test_unsupported_or_missing_crs_is_a_clear_error(store, stations, tmp_path):
    utm = Transformer.from_crs(4490, 32651, always_xy=True)
    rows = [{**row, "geometry": shapely.Point(utm.transform(row["geometry"].x, row["geometry"].y))}
            for row in station_rows()]
    with pytest.raises(CrsError) as error:
        import_file(store, stations, write_frame(tmp_path / "utm.gpkg", rows, crs=32651))
    assert "EPSG:32651" in error.value.message and error.value.parameter == "source-crs"
    with pytest.raises(CrsError):
        import_file(store, stations, tmp_path / "utm.gpkg", options=ImportOptions(source_crs="EPSG:2000"))
    bare = write_frame(tmp_path / "bare.shp", station_rows())
    tmp_path.joinpath("bare.prj").unlink()
    with pytest.raises(CrsError) as error:
        import_file(store, stations, bare)
    assert "--source-crs" in error.value.message
    assert count(store, stations) == 0
    assert import_file(store, stations, bare, options=ImportOptions(source_crs="4490")).rows_written == 3


def test_gcj02_points_are_corrected(store, tmp_path):
    layer = LayerDefinition(id="pois", title_zh="兴趣点", title_en="POIs", domain="x", catalogue_code="X-1",
                            geometry_type=GeometryType.POINT,
                            fields=(FieldSpec(name="name", type=FieldType.STRING, title_zh="名称"),))
    registered(store, layer)
    # Tiananmen, WGS 84 and GCJ-02, as published by wandergis/coordtransform.
    wgs, gcj = (116.404, 39.915), (116.41024449916938, 39.91640428150164)
    source = write_frame(tmp_path / "amap.geojson", [{"name": "天安门", "geometry": shapely.Point(gcj)}])
    import_file(store, layer, source, options=ImportOptions(from_gcj02=True))
    (stored,) = features(store, layer)
    assert stored.geometry["coordinates"] == pytest.approx(list(wgs), abs=1e-7)
    projected = write_frame(tmp_path / "gk.gpkg", [{"name": "x", "geometry": shapely.Point(500000, 4800000)}],
                            crs=4551)
    with pytest.raises(CrsError):
        import_file(store, layer, projected, options=ImportOptions(from_gcj02=True))


def test_mapping_errors_are_raised_before_anything_is_written(store, stations, tmp_path):
    rows = [{("mc" if k == "name" else k): v for k, v in row.items()} for row in station_rows()]
    source = write_frame(tmp_path / "renamed.geojson", rows)
    with pytest.raises(SourceError) as error:  # required `name` has no column
        import_file(store, stations, source)
    assert error.value.parameter == "map" and "name" in error.value.message
    with pytest.raises(SourceError):
        import_file(store, stations, source, options=ImportOptions(mappings={"mc": "nonexistent"}))
    with pytest.raises(SourceError):
        import_file(store, stations, source, options=ImportOptions(mappings={"missing_column": "name"}))
    assert count(store, stations) == 0
    report = import_file(store, stations, source, options=ImportOptions(mappings={"mc": "name"}))
    assert report.rows_written == 3 and report.mapping["mc"] == "name"


def test_dry_run_validates_and_writes_nothing(store, stations, tmp_path):
    rows = [*station_rows(), {**station_rows()[0], "grade": "7"}]
    rejects = tmp_path / "out" / "problems.csv"
    rejects.parent.mkdir()
    report = import_file(store, stations, write_frame(tmp_path / "dry.geojson", rows),
                         options=ImportOptions(dry_run=True, rejects_path=rejects))
    assert (report.rows_read, report.rows_valid, report.rows_written) == (4, 3, 0)
    assert count(store, stations) == 0
    assert [r[:2] for r in read_rejects(rejects)[1:]] == [["4", "grade"]]


class SpyStore:
    """Delegates to a real store; counts `insert` calls and can fail after every record was sent."""

    def __init__(self, store, fail: bool) -> None:
        self.store, self.fail, self.inserts = store, fail, 0

    def insert(self, layer, records, progress=None):
        self.inserts += 1

        def explode():
            raise RuntimeError("database went away")
            yield

        return self.store.insert(layer, itertools.chain(records, explode()) if self.fail else records, progress)


def test_all_valid_rows_go_in_one_insert_call(store, stations, tmp_path):
    rows = [{**row, "name": f"{row['name']}{i}"} for i in range(5) for row in station_rows()]
    spy = SpyStore(store, fail=False)
    report = import_file(spy, stations, write_frame(tmp_path / "many.gpkg", rows),
                         options=ImportOptions(batch_size=4))
    assert spy.inserts == 1 and report.rows_written == 15 == count(store, stations)


def test_a_failing_insert_writes_nothing(store, stations, tmp_path):
    source = write_frame(tmp_path / "fail.gpkg", station_rows() * 3)
    with pytest.raises(RuntimeError, match="database went away"):
        import_file(SpyStore(store, fail=True), stations, source, options=ImportOptions(batch_size=2))
    assert count(store, stations) == 0
    assert not list(tmp_path.glob("*.tmp"))
    assert import_file(store, stations, source).rows_written == 9  # nothing to clean up: just run it again


def test_missing_and_unreadable_files(store, stations, tmp_path):
    with pytest.raises(SourceError):
        import_file(store, stations, tmp_path / "nope.geojson")
    garbage = tmp_path / "garbage.geojson"
    garbage.write_text("this is not json")
    with pytest.raises(InvalidQuery):
        import_file(store, stations, garbage)


# -- the command line -------------------------------------------------------------------------
def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def cli(store_url, monkeypatch):
    monkeypatch.setenv("ONEMAP_DATABASE_URL", store_url)
    get_settings.cache_clear()
    app = typer.Typer()
    io_commands.register(app)
    yield lambda *args: CliRunner().invoke(app, [str(a) for a in args])
    get_settings.cache_clear()


def test_cli_import_prints_a_summary(cli, store, stations, tmp_path):
    rows = [*station_rows(), {**station_rows()[0], "grade": "7"}]
    source = write_frame(tmp_path / "cli.geojson", rows)
    result = cli("import", source, "--layer", "stations")
    assert result.exit_code == 0, result.output
    assert "导入结果" in result.output and "Traceback" not in result.output
    assert "代码表" in result.output  # the first problems are shown
    assert count(store, stations) == 3
    dry = cli("import", source, "--layer", "stations", "--dry-run", "--map", "name=name")
    assert dry.exit_code == 0 and count(store, stations) == 3


@pytest.mark.parametrize("case", ["unknown layer", "missing file", "bad crs", "bad map"])
def test_cli_user_errors_exit_1_without_traceback(cli, stations, tmp_path, case):
    source = write_frame(tmp_path / "ok.geojson", station_rows())
    args = {
        "unknown layer": ("import", source, "--layer", "no_such_layer"),
        "missing file": ("import", tmp_path / "missing.shp", "--layer", "stations"),
        "bad crs": ("import", source, "--layer", "stations", "--source-crs", "EPSG:32651"),
        "bad map": ("import", source, "--layer", "stations", "--map", "oops"),
    }[case]
    expected = {"unknown layer": "图层不存在", "missing file": "源文件不存在", "bad crs": "不支持的源坐标系",
                "bad map": "字段映射格式"}[case]
    result = cli(*args)
    assert result.exit_code == 1
    assert flat(expected) in flat(result.output)
    assert "Traceback" not in result.output


def test_geometry_only_rows_import_into_a_layer_without_fields(store, tmp_path):
    layer = LayerDefinition(id="marks", title_zh="标记", title_en="Marks", domain="x", catalogue_code="X-2",
                            geometry_type=GeometryType.POINT)
    registered(store, layer)
    source = write_frame(tmp_path / "marks.gpkg", station_rows())
    report = import_file(store, layer, source)
    assert report.rows_written == 3 and "name" in report.ignored_columns
    assert count(store, layer) == 3


def test_excel_sheet_with_lonlat_columns(store, stations, tmp_path):
    source = tmp_path / "台账.xlsx"
    names = np.array(["长春站", "吉林站"], dtype=object)
    lon, lat = np.array([CHANGCHUN[0], JILIN[0]]), np.array([CHANGCHUN[1], JILIN[1]])
    pyogrio.raw.write(source, None, [names, lon, lat], ["name", "经度", "纬度"], driver="XLSX")
    report = import_file(store, stations, source)
    assert report.rows_written == 2 and report.source_srid == 4490
    assert by_name(store, stations)["吉林站"].geometry["coordinates"] == pytest.approx(list(JILIN), abs=1e-12)
