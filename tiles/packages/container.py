"""The offline package container API: one file of vector tiles plus named file parts.

This module owns the format-neutral vocabulary — `PackageMetadata`, `VectorLayer`, the `PackageWriter`
and `PackageReader` protocols, `PackageError` — and the two entry points: `create_package` (build a
package, resumably) and `open_package` (read one, sniffing its format). The formats themselves live in
`mbtiles.py` (MBTiles 1.3) and `pmtiles_format.py` (PMTiles v3).

Conventions shared by both formats:

- Tile coordinates are XYZ / WebMercatorQuad: `z`, `x` = column, `y` = row from the top.
- Tile data is gzip-compressed MVT, exactly as the tile server sends it; writers refuse anything that
  does not start with the gzip magic bytes.
- Empty tiles (`b""`) are NOT stored: `put_tile(z, x, y, b"")` removes whatever that address held, so
  a reader answers `None` for it and `has_tile` is False (a resumed build renders it again, cheaply).
- `put_tile` commits each tile (crash-safe, ~tens of µs each); `put_tiles` commits a batch at a time.
- A tile put twice: the last data wins. Identical tiles are stored once.
- A tile address outside the grid (or above `MAX_ZOOM`) is a `ValueError`, for writers and readers alike.
- Building writes to `<path>.building` (a work file, SQLite in both formats, committed tile by tile);
  `finish()` turns it into `<path>` with an atomic rename. `create_package(..., resume=True)` reopens
  that work file after a crash; leaving a writer without `finish()` (or `abort()`) keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Self

#: Container formats `create_package` writes and `open_package` reads.
FORMATS: tuple[str, ...] = ("mbtiles", "pmtiles")
#: Highest zoom a package may hold (PMTiles tile ids stay far inside 64 bits).
MAX_ZOOM = 30
#: The work file a package is built in, next to the final file.
WORK_SUFFIX = ".building"
#: Field types a vector layer declares (TileJSON `vector_layers[].fields` values, as tippecanoe writes them).
FIELD_TYPES: tuple[str, ...] = ("String", "Number", "Boolean")

_SQLITE_MAGIC = b"SQLite format 3\x00"
_PMTILES_MAGIC = b"PMTiles"
_GZIP_MAGIC = b"\x1f\x8b"


class PackageError(Exception):
    """A package file that cannot be read: not a package, corrupted, truncated. `str()` is Chinese first."""


@dataclass(frozen=True)
class VectorLayer:
    """One entry of `vector_layers` (MBTiles `json` row / PMTiles metadata): an MVT layer of the tiles."""

    id: str
    description: str
    minzoom: int
    maxzoom: int
    fields: dict[str, str]  # field name → "String" | "Number" | "Boolean"


@dataclass(frozen=True)
class PackageMetadata:
    """What a package says about itself. `extra` is any JSON-able mapping, stored and read back as is."""

    name: str
    description: str
    bounds: tuple[float, float, float, float]  # lon/lat west, south, east, north
    center: tuple[float, float, int]  # lon, lat, zoom
    min_zoom: int
    max_zoom: int
    vector_layers: tuple[VectorLayer, ...]
    attribution: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


class PackageWriter(Protocol):
    """Builds one package file; see the module docstring for tiles, resume and the work file."""

    format: str

    def put_tile(self, z: int, x: int, y: int, data: bytes) -> None: ...
    def put_tiles(self, tiles: Iterable[tuple[int, int, int, bytes]], *, batch: int = 1000) -> int: ...
    def has_tile(self, z: int, x: int, y: int) -> bool: ...
    def put_file(self, name: str, data: bytes) -> None: ...
    def finish(self, metadata: PackageMetadata) -> Path: ...
    def abort(self) -> None: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...


class PackageReader(Protocol):
    """Reads one finished package file. Every failure of the file itself is a `PackageError`."""

    format: str
    path: Path
    metadata: PackageMetadata

    def tile(self, z: int, x: int, y: int) -> bytes | None: ...
    def tiles(self) -> Iterator[tuple[int, int, int, bytes]]: ...
    def tile_count(self) -> int: ...
    def file(self, name: str) -> bytes | None: ...
    def files(self) -> list[str]: ...
    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...


def create_package(path: Path, fmt: str, *, resume: bool = False) -> PackageWriter:
    """A writer building `path` in format `fmt` ("mbtiles" | "pmtiles"), in the work file `<path>.building`.

    `resume=True` keeps the tiles and files of an existing work file of the same format; otherwise (or
    when there is none, or it belongs to another format) the build starts from an empty work file.
    """
    path = Path(path)
    if fmt == "mbtiles":
        from tiles.packages.mbtiles import MBTilesWriter

        return MBTilesWriter(path, resume=resume)
    if fmt == "pmtiles":
        from tiles.packages.pmtiles_format import PMTilesWriter

        return PMTilesWriter(path, resume=resume)
    raise ValueError(f"不支持的离线包格式 / unknown package format {fmt!r}; available: {', '.join(FORMATS)}")


def open_package(path: Path) -> PackageReader:
    """Open a finished package, whichever format its first bytes say it is; `PackageError` on anything wrong."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except FileNotFoundError:
        raise PackageError(f"离线包不存在 / no package file at {path}") from None
    except OSError as exc:
        raise PackageError(f"离线包无法读取 / the package cannot be read: {path}: {exc}") from exc
    if head.startswith(_SQLITE_MAGIC):
        from tiles.packages.mbtiles import MBTilesReader

        return MBTilesReader(path)
    if head.startswith(_PMTILES_MAGIC):
        from tiles.packages.pmtiles_format import PMTilesReader

        return PMTilesReader(path)
    raise PackageError(f"不是离线包（MBTiles 或 PMTiles）/ not an offline package (MBTiles or PMTiles): {path}")


def work_path(path: Path) -> Path:
    """The work file a package at `path` is built in."""
    return path.with_name(path.name + WORK_SUFFIX)


def corrupted(what: str) -> PackageError:
    """The error for a package whose content contradicts itself."""
    return PackageError(f"离线包已损坏 / the package is corrupted: {what}")


def check_tile_address(z: int, x: int, y: int) -> None:
    """ValueError unless z/x/y is a tile of WebMercatorQuad at a zoom a package may hold."""
    if not 0 <= z <= MAX_ZOOM or not 0 <= x < (1 << z) or not 0 <= y < (1 << z):
        raise ValueError(f"瓦片坐标超出范围 / tile address out of range: {z}/{x}/{y}")


def check_tile_data(data: bytes) -> None:
    """ValueError unless `data` is empty or gzip-compressed (as tiles are stored: gzip MVT)."""
    if data and not data.startswith(_GZIP_MAGIC):
        raise ValueError("瓦片数据必须是 gzip 压缩的 MVT / tile data must be gzip-compressed MVT")


def check_file_name(name: str) -> None:
    """ValueError unless `name` is a relative, slash-separated part name like "styles/onemap.json"."""
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"文件名无效 / invalid package file name {name!r}: use a relative path like 'styles/a.json'")


def vector_layers_to_json(layers: tuple[VectorLayer, ...]) -> list[dict[str, Any]]:
    """`vector_layers` as TileJSON writes them."""
    return [{"id": layer.id, "description": layer.description, "minzoom": layer.minzoom,
             "maxzoom": layer.maxzoom, "fields": dict(layer.fields)} for layer in layers]


def vector_layers_from_json(value: Any) -> tuple[VectorLayer, ...]:
    """`vector_layers` read back from TileJSON; `PackageError` when it is not a list of layer objects."""
    if not isinstance(value, list):
        raise corrupted("vector_layers is not a list")
    layers = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise corrupted(f"vector_layers entry without an id: {item!r}")
        fields = item.get("fields", {})
        if not isinstance(fields, dict):
            raise corrupted(f"vector layer {item['id']!r}: fields is not an object")
        try:
            layers.append(VectorLayer(id=item["id"], description=str(item.get("description", "")),
                                      minzoom=int(item.get("minzoom", 0)), maxzoom=int(item.get("maxzoom", MAX_ZOOM)),
                                      fields={str(k): str(v) for k, v in fields.items()}))
        except (TypeError, ValueError) as exc:
            raise corrupted(f"vector layer {item['id']!r}: {exc}") from exc
    return tuple(layers)
