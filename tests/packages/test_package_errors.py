"""Broken package files: `open_package` and every reader method raise `PackageError` (Chinese first),
never a raw sqlite3/zlib/struct error — not a package, truncated, overwritten in the middle, damaged
PMTiles header or directories."""

from __future__ import annotations

import random
from pathlib import Path

import geopandas as gpd
import pytest
from pmtiles.reader import MmapSource, Reader
from shapely.geometry import Point

from tests.packages.container_samples import METADATA, mvt
from tiles.packages.container import PackageError, create_package, open_package

FORMATS = ["mbtiles", "pmtiles"]


def build(path: Path, fmt: str, count: int = 300) -> Path:
    writer = create_package(path, fmt)
    for i in range(count):
        writer.put_tile(9, i % 512, 100 + i // 512, mvt(i))
    writer.put_file("manifest.json", b'{"tile_count": %d}' % count)
    return writer.finish(METADATA)


def overwrite(path: Path, offset: int, length: int, seed: int = 7) -> None:
    noise = random.Random(seed).randbytes(length)
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(noise)


def read_everything(path: Path) -> None:
    with open_package(path) as reader:
        for name in reader.files():
            reader.file(name)
        for z, x, y, _ in list(reader.tiles()):
            reader.tile(z, x, y)
        reader.tile_count()


def test_a_text_file_is_not_a_package(tmp_path):
    path = tmp_path / "notes.mbtiles"
    path.write_text("养护记录 / maintenance notes\n", encoding="utf-8")
    with pytest.raises(PackageError, match=r"^不是离线包（MBTiles 或 PMTiles）/ not an offline package"):
        open_package(path)


def test_an_empty_or_missing_file_is_not_a_package(tmp_path):
    (tmp_path / "empty.pmtiles").write_bytes(b"")
    with pytest.raises(PackageError, match=r"^不是离线包"):
        open_package(tmp_path / "empty.pmtiles")
    with pytest.raises(PackageError, match=r"^离线包不存在 / no package file"):
        open_package(tmp_path / "nowhere.mbtiles")


def test_a_geopackage_is_not_an_mbtiles(tmp_path):
    path = tmp_path / "items.gpkg"
    gpd.GeoDataFrame({"name": ["桥梁"]}, geometry=[Point(125.3, 43.9)], crs="EPSG:4490").to_file(path, layer="tiles")
    with pytest.raises(PackageError, match=r"^不是 MBTiles 文件 / not an MBTiles file"):
        open_package(path)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_package_cut_at_half_is_truncated(tmp_path, fmt):
    path = build(tmp_path / f"cut.{fmt}", fmt)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(PackageError, match=r"^离线包不完整（文件被截断）/ the package is truncated"):
        read_everything(path)


def test_mbtiles_with_random_bytes_in_the_middle_is_corrupted(tmp_path):
    path = build(tmp_path / "noise.mbtiles", "mbtiles")
    page = 4096
    pages = path.stat().st_size // page
    assert pages > 10  # the middle is a b-tree page, not the header
    overwrite(path, (pages // 2) * page, page)
    with pytest.raises(PackageError, match=r"^离线包已损坏 / the package is corrupted: .*quick_check"):
        read_everything(path)


def test_mbtiles_without_its_tables_is_not_an_mbtiles(tmp_path):
    import sqlite3

    path = build(tmp_path / "gone.mbtiles", "mbtiles")
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE metadata")
    with pytest.raises(PackageError, match=r"^不是 MBTiles 文件"):
        open_package(path)


def pmtiles_header(path: Path) -> dict:
    with path.open("rb") as f:
        return dict(Reader(MmapSource(f)).header())


def set_u64(path: Path, offset: int, value: int) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(value.to_bytes(8, "little"))


PMTILES_DAMAGE = {
    # header field offsets: spec v3 (root_offset 8, tile_data_length 64)
    "root directory overwritten": lambda p, h: overwrite(p, h["root_offset"], h["root_length"]),
    "metadata overwritten": lambda p, h: overwrite(p, h["metadata_offset"] + 10, 20),
    "root directory past the end": lambda p, h: set_u64(p, 8, p.stat().st_size + 1),
    "tile data shorter than its entries": lambda p, h: set_u64(p, 64, 10),
    "version 2": lambda p, h: overwrite_byte(p, 7, 2),
    "raster tiles": lambda p, h: overwrite_byte(p, 99, 2),
}


def overwrite_byte(path: Path, offset: int, value: int) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(bytes([value]))


@pytest.mark.parametrize("damage", list(PMTILES_DAMAGE))
def test_pmtiles_with_a_damaged_header_or_directory_fails_to_open(tmp_path, damage):
    path = build(tmp_path / "damaged.pmtiles", "pmtiles")
    PMTILES_DAMAGE[damage](path, pmtiles_header(path))
    with pytest.raises(PackageError, match=r"^(离线包|不支持的 PMTiles 版本|不是 gzip 矢量瓦片)"):
        open_package(path)


def test_pmtiles_with_damaged_leaf_directories_fails_on_read(tmp_path):
    """Leaf directories are read lazily: tile lookups through a damaged one are PackageErrors too."""
    rng = random.Random(3)
    addresses = sorted({(12, rng.randrange(4096), rng.randrange(4096)) for _ in range(12000)})
    writer = create_package(tmp_path / "leaves.pmtiles", "pmtiles")
    for z, x, y in addresses:
        writer.put_tile(z, x, y, b"\x1f\x8b" + rng.randbytes(rng.randrange(2, 400)))
    path = writer.finish(METADATA)
    header = pmtiles_header(path)
    assert header["leaf_directory_length"] > 0  # the root directory alone could not hold ~12000 entries
    with open_package(path) as reader:
        assert reader.tile_count() == len(addresses)
    overwrite(path, header["leaf_directory_offset"], 64)
    with open_package(path) as reader:
        with pytest.raises(PackageError, match=r"^离线包已损坏 / the package is corrupted"):
            for address in addresses:
                reader.tile(*address)
        with pytest.raises(PackageError, match=r"^离线包已损坏"):
            list(reader.tiles())
