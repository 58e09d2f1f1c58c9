"""Real clients read our packages: GDAL (Debian ogrinfo and pyogrio's GDAL) opens the MBTiles and lists
its vector layers; the protomaps `pmtiles` reader reads the PMTiles tiles back byte-identical."""

from __future__ import annotations

import gzip
import shutil
import subprocess

import mapbox_vector_tile
import pyogrio
from pmtiles.reader import MmapSource, Reader, all_tiles
from pmtiles.tile import Compression, TileType

from tests.conftest import missing
from tests.packages.container_samples import METADATA, mvt, tile_at
from tiles.packages.container import create_package

OGRINFO = "/usr/bin/ogrinfo"
#: Tiles around Changchun (inside METADATA.bounds: GDAL reads only tiles inside the bounds), zooms 5-8.
TILES = {(z, x + dx, y + dy): mvt(z * 100 + dx * 10 + dy)
         for z, x, y in (tile_at(125.3245, 43.8868, z) for z in range(5, 9)) for dx in range(2) for dy in range(2)}
TOP_LEFT = min(key for key in TILES if key[0] == 8)
DUPLICATE = (8, TOP_LEFT[1] + 2, TOP_LEFT[2])


def build(path, fmt):
    writer = create_package(path, fmt)
    for (z, x, y), data in TILES.items():
        writer.put_tile(z, x, y, data)
    writer.put_tile(*DUPLICATE, TILES[TOP_LEFT])  # the same bytes at another address
    writer.put_file("styles/onemap.json", b"{}")
    return writer.finish(METADATA)


def test_ogrinfo_lists_the_mbtiles_vector_layers(tmp_path):
    if shutil.which(OGRINFO) is None:
        missing(f"Debian gdal-bin not installed ({OGRINFO})")
    path = build(tmp_path / "jilin.mbtiles", "mbtiles")
    done = subprocess.run([OGRINFO, "-ro", str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "using driver `MBTiles' successful" in done.stdout
    listed = [line.split(":", 1)[1].split("(")[0].strip() for line in done.stdout.splitlines() if line[:1].isdigit()]
    assert listed == ["roads", "hazards"]


def test_pyogrio_reads_features_from_the_mbtiles(tmp_path):
    path = build(tmp_path / "jilin.mbtiles", "mbtiles")
    assert [str(name) for name, _ in pyogrio.list_layers(path)] == ["roads", "hazards"]
    roads = pyogrio.read_dataframe(path, layer="roads")
    assert len(roads) > 0 and {"code", "lanes"} <= set(roads.columns)
    assert roads["code"].str.startswith("G").all()


def test_pmtiles_reader_reads_tiles_back_byte_identical(tmp_path):
    path = build(tmp_path / "jilin.pmtiles", "pmtiles")
    expected = {**TILES, DUPLICATE: TILES[TOP_LEFT]}
    with path.open("rb") as f:
        source = MmapSource(f)
        reader = Reader(source)
        header = reader.header()
        assert header["clustered"] is True
        assert header["tile_type"] == TileType.MVT and header["tile_compression"] == Compression.GZIP
        assert header["internal_compression"] == Compression.GZIP
        assert (header["min_zoom"], header["max_zoom"], header["center_zoom"]) == (5, 8, 7)
        assert (header["min_lon_e7"], header["max_lat_e7"]) == (1_245_000_000, 449_000_000)
        for (z, x, y), data in expected.items():
            assert reader.get(z, x, y) == data
        assert {zxy: data for zxy, data in all_tiles(source)} == expected
        meta = reader.metadata()
    assert meta["name"] == METADATA.name and meta["attribution"] == METADATA.attribution
    assert [layer["id"] for layer in meta["vector_layers"]] == ["roads", "hazards"]
    assert meta["onemap"] == METADATA.extra and set(meta["onemap:files"]) == {"styles/onemap.json"}
    decoded = mapbox_vector_tile.decode(gzip.decompress(expected[DUPLICATE]))
    assert set(decoded) == {"roads", "hazards"}
