"""Package containers (MBTiles 1.3, PMTiles v3) through the format-neutral API: round trip of tiles,
file parts and metadata; duplicates stored once; empty tiles not stored; resumable builds; abort."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import tileid_to_zxy, zxy_to_tileid

from tests.packages.container_samples import METADATA, mvt, sidecars
from tiles.packages.container import PackageMetadata, create_package, open_package, work_path

REPO = Path(__file__).resolve().parents[2]
FORMATS = ["mbtiles", "pmtiles"]
SPRITE = bytes(range(256)) * 3
STYLE = '{"version": 8, "name": "一张图"}'.encode()


@pytest.fixture(params=FORMATS)
def fmt(request: pytest.FixtureRequest) -> str:
    return request.param


def build(path: Path, fmt: str, tiles: dict[tuple[int, int, int], bytes], files: dict[str, bytes],
          metadata: PackageMetadata = METADATA) -> Path:
    writer = create_package(path, fmt)
    for (z, x, y), data in tiles.items():
        writer.put_tile(z, x, y, data)
    for name, data in files.items():
        writer.put_file(name, data)
    return writer.finish(metadata)


def test_round_trip_tiles_files_and_metadata(tmp_path, fmt):
    path = tmp_path / f"jilin.{fmt}"
    writer = create_package(path, fmt)
    assert writer.format == fmt
    expected = {(5, 26, 11): mvt(1), (6, 53, 23): mvt(2), (7, 107, 46): mvt(3), (8, 214, 93): mvt(4),
                (8, 215, 93): mvt(2)}  # same bytes as 6/53/23: stored once, read at both addresses
    for (z, x, y), data in expected.items():
        writer.put_tile(z, x, y, data)
    writer.put_tile(7, 107, 46, mvt(99))  # put twice: the last wins
    expected[(7, 107, 46)] = mvt(99)
    writer.put_tile(8, 0, 0, b"")  # an empty tile is not stored
    writer.put_tile(8, 214, 94, mvt(5))
    writer.put_tile(8, 214, 94, b"")  # ... and emptying a tile removes it
    assert writer.has_tile(8, 214, 93) and not writer.has_tile(8, 0, 0) and not writer.has_tile(8, 214, 94)
    writer.put_file("styles/onemap.json", STYLE)
    writer.put_file("sprites/sprite.png", SPRITE)
    writer.put_file("sprites/sprite.png", SPRITE[::-1])  # last wins for parts too

    assert writer.finish(METADATA) == path
    assert path.is_file() and sidecars(path) == []

    with open_package(path) as reader:
        assert reader.format == fmt and reader.path == path
        assert reader.metadata == METADATA
        for (z, x, y), data in expected.items():
            assert reader.tile(z, x, y) == data
        assert reader.tile(8, 0, 0) is None and reader.tile(8, 214, 94) is None and reader.tile(0, 0, 0) is None
        assert sorted(reader.tiles()) == sorted((z, x, y, data) for (z, x, y), data in expected.items())
        assert reader.tile_count() == len(expected)
        assert reader.files() == ["sprites/sprite.png", "styles/onemap.json"]
        assert reader.file("styles/onemap.json") == STYLE and reader.file("sprites/sprite.png") == SPRITE[::-1]
        assert reader.file("glyphs/0-255.pbf") is None


def test_package_without_tiles_round_trips(tmp_path, fmt):
    path = build(tmp_path / f"empty.{fmt}", fmt, {}, {"manifest.json": b"{}"})
    with open_package(path) as reader:
        assert reader.tile_count() == 0 and list(reader.tiles()) == [] and reader.tile(5, 1, 1) is None
        assert reader.file("manifest.json") == b"{}" and reader.metadata == METADATA


def test_identical_tiles_are_stored_once_in_mbtiles(tmp_path):
    same, other = mvt(7), mvt(8)
    path = build(tmp_path / "dup.mbtiles", "mbtiles",
                 {(8, 10, 10): same, (8, 11, 10): same, (8, 200, 100): same, (8, 12, 10): other}, {})
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM images").fetchone()[0] == 2
        assert conn.execute("SELECT COUNT(*) FROM map").fetchone()[0] == 4
    with open_package(path) as reader:
        assert reader.tile_count() == 4 and reader.tile(8, 200, 100) == same


def test_identical_tiles_are_stored_once_in_pmtiles(tmp_path):
    same, other = mvt(7), mvt(8)
    first = (8, 0, 0)
    neighbour = tileid_to_zxy(zxy_to_tileid(*first) + 1)  # next on the Hilbert curve: one run with `first`
    path = build(tmp_path / "dup.pmtiles", "pmtiles",
                 {first: same, neighbour: same, (8, 200, 100): same, (8, 12, 10): other}, {})
    with path.open("rb") as f:
        header = Reader(MmapSource(f)).header()
    assert header["addressed_tiles_count"] == 4
    assert header["tile_contents_count"] == 2
    assert header["tile_entries_count"] == 3  # the first two share one entry with run_length 2
    assert header["tile_data_length"] == len(same) + len(other)
    with open_package(path) as reader:
        assert reader.tile_count() == 4 and reader.tile(*neighbour) == same and reader.tile(8, 200, 100) == same


def test_mbtiles_layout_follows_the_spec(tmp_path):
    path = build(tmp_path / "spec.mbtiles", "mbtiles", {(5, 3, 10): mvt(1), (5, 3, 11): mvt(2)}, {})
    with sqlite3.connect(path) as conn:
        rows = dict(conn.execute("SELECT name, value FROM metadata"))
        # TMS rows: XYZ y=10 at z=5 is tile_row 2^5 - 1 - 10 = 21.
        assert conn.execute("SELECT tile_data FROM tiles WHERE zoom_level = 5 AND tile_column = 3 AND tile_row = 21"
                            ).fetchone()[0] == mvt(1)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        unique = [row for row in conn.execute("PRAGMA index_list(map)") if row[2]]
        assert [c[2] for c in conn.execute(f"PRAGMA index_info({unique[0][1]})")] == [
            "zoom_level", "tile_column", "tile_row"]
    assert rows["format"] == "pbf" and rows["type"] == "overlay" and rows["name"] == METADATA.name
    assert rows["bounds"] == "124.5,43.25,126.75,44.9" and rows["center"] == "125.3245,43.8868,7"
    assert (rows["minzoom"], rows["maxzoom"]) == ("5", "8")
    assert '"vector_layers"' in rows["json"] and '"id": "roads"' in rows["json"]
    assert rows["onemap"].startswith("{") and "现场核查" in rows["onemap"]


def test_writer_refuses_bad_input(tmp_path, fmt):
    writer = create_package(tmp_path / f"bad.{fmt}", fmt)
    for z, x, y in [(5, 32, 0), (5, 0, -1), (-1, 0, 0), (31, 0, 0)]:
        with pytest.raises(ValueError, match=r"^瓦片坐标超出范围 / "):
            writer.put_tile(z, x, y, mvt(1))
    with pytest.raises(ValueError, match=r"^瓦片数据必须是 gzip"):
        writer.put_tile(5, 1, 1, b"\x1a\x05roads")  # uncompressed MVT
    for name in ["", "/etc/passwd", "../x.json", "styles//a.json"]:
        with pytest.raises(ValueError, match=r"^文件名无效 / "):
            writer.put_file(name, b"x")
    writer.finish(METADATA)
    with pytest.raises(RuntimeError, match=r"^离线包写入器已关闭"):
        writer.put_tile(5, 1, 1, mvt(1))


def test_unknown_format_is_a_value_error_in_chinese_first(tmp_path):
    with pytest.raises(ValueError, match=r"^不支持的离线包格式 / unknown package format 'geojson'"):
        create_package(tmp_path / "x.geojson", "geojson")


CRASHING_BUILD = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from tests.packages.container_samples import mvt
    from tiles.packages.container import create_package
    writer = create_package(Path(sys.argv[1]), sys.argv[2])
    for i in range(6):
        writer.put_tile(8, 100 + i, 90, mvt(i))
    writer.put_file("styles/onemap.json", b"{}")
    os._exit(3)  # killed mid-build: no finish, no close
""")


def test_resume_after_a_crash_keeps_what_was_written(tmp_path, fmt):
    path = tmp_path / f"resume.{fmt}"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", CRASHING_BUILD, str(path), fmt], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 3, done.stderr
    assert work_path(path).exists() and not path.exists()

    writer = create_package(path, fmt, resume=True)
    assert writer.resumed
    assert all(writer.has_tile(8, 100 + i, 90) for i in range(6))
    assert not writer.has_tile(8, 106, 90)
    for i in range(6, 10):
        writer.put_tile(8, 100 + i, 90, mvt(i))
    writer.finish(METADATA)
    with open_package(path) as reader:
        assert sorted(reader.tiles()) == [(8, 100 + i, 90, mvt(i)) for i in range(10)]
        assert reader.files() == ["styles/onemap.json"]
    assert sidecars(path) == []


def test_without_resume_a_work_file_is_started_afresh(tmp_path, fmt):
    path = tmp_path / f"fresh.{fmt}"
    with create_package(path, fmt) as writer:  # left without finish: the work file stays
        writer.put_tile(6, 1, 1, mvt(1))
    assert work_path(path).exists() and not path.exists()
    writer = create_package(path, fmt)
    assert not writer.resumed and not writer.has_tile(6, 1, 1)
    writer.abort()


def test_resume_ignores_a_work_file_of_the_other_format(tmp_path):
    path = tmp_path / "switch.pkg"
    with create_package(path, "mbtiles") as writer:
        writer.put_tile(6, 1, 1, mvt(1))
    writer = create_package(path, "pmtiles", resume=True)
    assert not writer.resumed and not writer.has_tile(6, 1, 1)
    writer.put_tile(6, 2, 2, mvt(2))
    writer.finish(METADATA)
    with open_package(path) as reader:
        assert reader.format == "pmtiles" and [t[:3] for t in reader.tiles()] == [(6, 2, 2)]


def test_abort_leaves_neither_final_nor_work_file(tmp_path, fmt):
    path = tmp_path / f"aborted.{fmt}"
    writer = create_package(path, fmt)
    writer.put_tile(6, 1, 1, mvt(1))
    writer.put_file("manifest.json", b"{}")
    writer.abort()
    assert list(tmp_path.iterdir()) == []
    resumed = create_package(path, fmt, resume=True)
    assert not resumed.resumed and not resumed.has_tile(6, 1, 1)
    resumed.abort()
    assert list(tmp_path.iterdir()) == []


def test_finish_replaces_an_older_package(tmp_path, fmt):
    path = build(tmp_path / f"twice.{fmt}", fmt, {(6, 1, 1): mvt(1)}, {})
    build(path, fmt, {(6, 2, 2): mvt(2)}, {"manifest.json": b"{}"})
    with open_package(path) as reader:
        assert [t[:3] for t in reader.tiles()] == [(6, 2, 2)] and reader.files() == ["manifest.json"]


def test_put_tiles_commits_whole_batches(tmp_path, fmt):
    path = tmp_path / f"batched.{fmt}"
    writer = create_package(path, fmt)
    tiles = [(9, i, 7, mvt(i)) for i in range(10)] + [(9, 3, 7, b"")]  # the last empties 9/3/7
    assert writer.put_tiles(iter(tiles), batch=4) == 11
    bad = [(9, 20, 7, mvt(20)), (9, 21, 7, b"not gzip")]
    with pytest.raises(ValueError, match=r"^瓦片数据必须是 gzip"):
        writer.put_tiles(bad, batch=4)
    assert not writer.has_tile(9, 20, 7)  # the failed batch left nothing behind
    writer.finish(METADATA)
    with open_package(path) as reader:
        assert sorted(reader.tiles()) == [t for t in tiles[:10] if t[1] != 3]
