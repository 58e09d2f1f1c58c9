"""The embedded store's file is a real GeoPackage: GDAL (Debian ogrinfo/ogr2ogr and pyogrio's own GDAL)
opens it, sees every layer with its count, SRS, Chinese titles and code lists, and the R-tree index
stays consistent with the features through inserts, replaces, deletes — including rows GDAL writes.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import sqlite3
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pyogrio
import pytest
import shapely
import sqlalchemy as sa
from shapely.geometry import LineString, Point

from layers.model import LayerDefinition
from layers.query import FeatureQuery, OutputCrs
from layers.stores.base import FeatureRecord
from layers.stores.geopackage import GeoPackageStore
from layers.stores.geopackage import geometry as gpb
from layers.stores.geopackage.dialect import GeoPackageDialect
from layers.stores.geopackage.tables import layer_table
from tests.conftest import missing

OGRINFO = "/usr/bin/ogrinfo"
OGR2OGR = "/usr/bin/ogr2ogr"

HAZARDS = LayerDefinition.model_validate({
    "id": "hazards", "title_zh": "安全隐患", "title_en": "Safety hazards", "domain": "safety",
    "catalogue_code": "JL-AQ-002", "geometry_type": "Point", "temporal_field": "found_at",
    "description_zh": "公路安全隐患点位",
    "fields": [
        {"name": "name", "type": "string", "title_zh": "隐患名称", "title_en": "Name"},
        {"name": "level", "type": "string", "title_zh": "隐患等级",
         "enum": [{"code": "major", "label_zh": "重大"}, {"code": "general", "label_zh": "一般"}]},
        {"name": "score", "type": "number", "title_zh": "评分", "minimum": 0, "maximum": 100},
        {"name": "closed", "type": "boolean", "title_zh": "是否销号"},
        {"name": "due", "type": "date", "title_zh": "整改期限"},
        {"name": "found_at", "type": "datetime", "title_zh": "发现时间"},
    ],
})
ROADS = LayerDefinition.model_validate({
    "id": "roads", "title_zh": "高速公路", "title_en": "Expressways", "domain": "expressway",
    "catalogue_code": "JL-GS-001", "geometry_type": "LineString",
    "fields": [{"name": "code", "type": "string", "title_zh": "路线编号"}],
})


def hazard(i: int) -> FeatureRecord:
    return FeatureRecord(Point(125.0 + i * 0.01, 43.5 + i * 0.005), {
        "name": f"隐患{i}", "level": "major" if i % 2 else "general", "score": float(i), "closed": i % 3 == 0,
        "due": date(2024, 6, 1 + i % 28), "found_at": datetime(2024, 5, 1, 8, i % 60, 0, tzinfo=UTC)})


@pytest.fixture
def gpkg(tmp_path: Path) -> Path:
    return tmp_path / "onemap.gpkg"


@pytest.fixture
def store(gpkg: Path):
    opened = GeoPackageStore(gpkg)
    opened.initialize()
    opened.register_layer(HAZARDS)
    opened.register_layer(ROADS)
    opened.insert(HAZARDS, [hazard(i) for i in range(25)])
    opened.insert(ROADS, [
        FeatureRecord(LineString([(125.3, 43.9), (125.9, 43.85), (126.5, 43.8)]), {"code": "G12"}),
        FeatureRecord(LineString([(124.35, 43.17), (125.32, 43.82)]), {"code": "G1"}),
    ])
    yield opened
    opened.close()


def gdal(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        missing(f"Debian gdal-bin not installed ({tool})")
    done = subprocess.run([tool, *args], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def rtree_consistent(gpkg: Path, table: str) -> None:
    """Every feature is in the R-tree with a box that contains it, and nothing else is."""
    with sqlite3.connect(gpkg) as conn:
        rows = conn.execute(f'SELECT fid, geom FROM "{table}"').fetchall()
        boxes = {r[0]: r[1:] for r in conn.execute(f'SELECT id, minx, maxx, miny, maxy FROM "rtree_{table}_geom"')}
    assert sorted(boxes) == sorted(fid for fid, _ in rows)
    for fid, blob in rows:
        x0, y0, x1, y1 = gpb.decode(blob).bounds
        minx, maxx, miny, maxy = boxes[fid]
        assert minx <= x0 and x1 <= maxx and miny <= y0 and y1 <= maxy
        assert (x0 - minx, maxx - x1, y0 - miny, maxy - y1) < (1e-4, 1e-4, 1e-4, 1e-4)


@pytest.mark.gdal
def test_ogrinfo_lists_every_layer_with_count_and_srs(store, gpkg):
    # The store is still open (WAL journal in use): GDAL reads alongside it.
    listing = gdal(OGRINFO, "-ro", "-so", "-al", str(gpkg))
    blocks = {block.split("\n", 1)[0].strip(): block for block in listing.split("Layer name: ")[1:]}
    assert {"hazards", "roads"} <= set(blocks)
    assert "Feature Count: 25" in blocks["hazards"] and "Feature Count: 2" in blocks["roads"]
    for name in ("hazards", "roads"):
        assert 'ID["EPSG",4490]' in blocks[name]
    assert "Geometry: Point" in blocks["hazards"] and "Geometry: Line String" in blocks["roads"]
    assert "IDENTIFIER=安全隐患" in blocks["hazards"]
    assert "found_at: DateTime" in blocks["hazards"] and "due: Date" in blocks["hazards"]
    assert "closed: Integer(Boolean)" in blocks["hazards"]
    assert "level: String (0.0), domain name=hazards.level" in blocks["hazards"]
    domain = gdal(OGRINFO, "-ro", str(gpkg), "-fielddomain", "hazards.level")
    assert "major: 重大" in domain and "general: 一般" in domain


@pytest.mark.gdal
def test_ogrinfo_reads_values_and_spatial_filter(store, gpkg):
    out = gdal(OGRINFO, "-ro", "-q", str(gpkg), "roads", "-spat", "125.8", "43.8", "126.0", "43.9")
    assert "code (String) = G12" in out and "G1\n" not in out
    one = gdal(OGRINFO, "-ro", "-q", str(gpkg), "hazards", "-fid", "4")
    assert "name (String) = 隐患3" in one
    assert "found_at (DateTime) = 2024/05/01 08:03:00+00" in one
    assert "due (Date) = 2024/06/04" in one


def test_pyogrio_reads_the_layers(store, gpkg):
    info = pyogrio.read_info(gpkg, layer="hazards")
    assert info["crs"] == "EPSG:4490" and info["features"] == 25 and info["fid_column"] == "fid"
    assert info["layer_metadata"]["IDENTIFIER"] == "安全隐患"
    frame = pyogrio.read_dataframe(gpkg, layer="hazards", fid_as_index=True)
    assert len(frame) == 25 and frame.crs.to_epsg() == 4490
    row = frame.loc[4]
    assert row["name"] == "隐患3" and row["level"] == "major" and bool(row["closed"]) is True
    assert row.geometry.equals(Point(125.03, 43.515))
    assert str(row["due"])[:10] == "2024-06-04"
    roads = pyogrio.read_dataframe(gpkg, layer="roads")
    assert sorted(roads["code"]) == ["G1", "G12"]


def test_geopackage_header_and_integrity(store, gpkg):
    with sqlite3.connect(gpkg) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 10300
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        srs = dict(conn.execute("SELECT srs_id, organization FROM gpkg_spatial_ref_sys").fetchall())
        assert srs == {-1: "NONE", 0: "NONE", 4326: "EPSG", 4490: "EPSG"}
        contents = conn.execute("SELECT data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id "
                                "FROM gpkg_contents WHERE table_name = 'hazards'").fetchone()
        assert contents[:3] == ("features", "安全隐患", "公路安全隐患点位") and contents[7] == 4490
        assert contents[3:7] == pytest.approx((125.0, 43.5, 125.24, 43.62))
        titles = dict(conn.execute("SELECT column_name, name FROM gpkg_data_columns WHERE table_name = 'hazards'"))
        assert titles["name"] == "隐患名称" and titles["found_at"] == "发现时间"
        extensions = conn.execute("SELECT table_name, column_name, scope FROM gpkg_extensions "
                                  "WHERE extension_name = 'gpkg_rtree_index' ORDER BY table_name").fetchall()
        assert extensions == [("hazards", "geom", "write-only"), ("roads", "geom", "write-only")]
        blob = conn.execute("SELECT geom FROM hazards WHERE fid = 1").fetchone()[0]
    assert blob[:2] == b"GP" and gpb.srs_id_of(blob) == 4490


def test_rtree_stays_consistent_through_writes(store, gpkg):
    rtree_consistent(gpkg, "hazards")
    store.replace(HAZARDS, 3, FeatureRecord(Point(126.0, 44.0), {"name": "移动"}))
    store.delete(HAZARDS, 5)
    store.delete_where_fids(HAZARDS, [6, 7, 8])
    store.insert(HAZARDS, [hazard(50)])
    rtree_consistent(gpkg, "hazards")
    page = store.query(HAZARDS, FeatureQuery(bbox=(125.99, 43.99, 126.01, 44.01)))
    assert [f["id"] for f in json.loads(page.features_json)] == [3]
    assert store.layer_state(HAZARDS).bbox == pytest.approx((125.0, 43.5, 126.0, 44.0))


def test_bbox_query_is_driven_by_the_rtree(store):
    lt = layer_table(HAZARDS)
    statement = sa.select(lt.fid).where(GeoPackageDialect().bbox_intersects(lt.geom, (125.0, 43.5, 125.05, 43.6)))
    with store.engine.connect() as conn:
        compiled = statement.compile(conn, compile_kwargs={"literal_binds": True})
        plan = " | ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
        hits = conn.execute(statement).scalars().all()
    assert "VIRTUAL TABLE INDEX" in plan and "rtree_hazards_geom" in plan
    assert "SCAN hazards" not in plan
    assert sorted(hits) == [1, 2, 3, 4, 5, 6]


@pytest.mark.gdal
def test_features_written_by_gdal_are_indexed_and_readable(store, gpkg, tmp_path):
    source = tmp_path / "more.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "吉林", "level": "general", "score": 7},
        "geometry": {"type": "Point", "coordinates": [126.55, 43.84]}}]}), encoding="utf-8")
    gdal(OGR2OGR, "-append", "-f", "GPKG", str(gpkg), str(source), "-nln", "hazards", "-a_srs", "EPSG:4490")
    rtree_consistent(gpkg, "hazards")
    page = store.query(HAZARDS, FeatureQuery(bbox=(126.5, 43.8, 126.6, 43.9)))
    (feature,) = json.loads(page.features_json)
    assert feature["properties"]["name"] == "吉林"
    assert feature["geometry"]["coordinates"] == [126.55, 43.84]
    assert store.get(HAZARDS, feature["id"], OutputCrs()).version == 1


def test_geometry_blob_roundtrip_and_foreign_headers():
    line = LineString([(125.1, 43.2), (125.3, 43.4)])
    blob = gpb.encode(line, 4490)
    assert gpb.decode(blob).equals(line)
    assert gpb.envelope(blob) == (125.1, 125.3, 43.2, 43.4) and not gpb.is_empty(blob)
    bare = gpb.bare_header(4490) + shapely.to_wkb(Point(1.5, 2.5))  # as GDAL writes points
    assert gpb.envelope(bare) == (1.5, 1.5, 2.5, 2.5) and gpb.srs_id_of(bare) == 4490
    big_endian = gpb.bare_header(4490, flags=0) + shapely.to_wkb(Point(3, 4), byte_order=0)
    assert gpb.srs_id_of(big_endian) == 4490 and gpb.decode(big_endian).equals(Point(3, 4))
    empty = gpb.encode(LineString(), 4490)
    assert gpb.is_empty(empty) and gpb.envelope(empty) is None
    with pytest.raises(ValueError):
        gpb.decode(b"not a geometry")


def _write_batches(path: str, batches: int, size: int) -> None:
    writer = GeoPackageStore(Path(path))
    try:
        for b in range(batches):
            writer.insert(HAZARDS, [hazard(1000 + b * size + i) for i in range(size)])
    finally:
        writer.close()


def test_reads_and_writes_succeed_while_another_process_writes(store, gpkg):
    process = multiprocessing.get_context("spawn").Process(target=_write_batches, args=(str(gpkg), 20, 500))
    process.start()
    reads = 0
    counts = []
    while process.is_alive() or reads == 0:
        page = store.query(HAZARDS, FeatureQuery(limit=5))
        counts.append(page.number_matched)
        assert page.number_returned == 5
        store.registry_revision()
        reads += 1
        if reads % 10 == 0:  # this process writes too: writers queue, neither fails
            store.replace(HAZARDS, 1, FeatureRecord(Point(125.0, 43.5), {"name": f"改{reads}"}))
    process.join()
    assert process.exitcode == 0
    assert store.get(HAZARDS, 1, OutputCrs()).version == 1 + reads // 10
    assert counts == sorted(counts)  # a reader only ever sees whole committed batches, in order
    assert all((count - 25) % 500 == 0 for count in counts)
    assert store.layer_state(HAZARDS).feature_count == 25 + 20 * 500
