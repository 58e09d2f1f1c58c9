"""Open a vector source and read it batch by batch: any GDAL vector format through pyogrio, CSV itself.

What a source yields is uniform: `Batch`es of shapely geometries (source CRS, lon/lat or
easting/northing order) and attribute columns as numpy arrays, plus the geometry problems
found while building geometries (unparsable WKT, non-numeric longitude, …). Memory stays flat:

- formats with cheap random access (GeoPackage, Shapefile, FlatGeobuf, …) are read with
  `skip_features`/`max_features` windows;
- CSV/TSV is streamed with pandas in chunks, geometry built from longitude/latitude columns
  (auto-detected: lon/lng/longitude/x/经度, lat/latitude/y/纬度) or a WKT column
  (wkt/geometry/geom/…; EWKT `SRID=…;` prefixes are dropped); a `.prj` beside it declares its CRS;
- everything else (GeoJSON, KML, …: formats GDAL parses into memory anyway) is read once and
  sliced.

Text encoding: `encoding` overrides everything; a Shapefile with a `.cpg` is left to GDAL; a
Shapefile without one, or a CSV, is read as UTF-8 when its bytes are valid UTF-8 and as GBK
(the encoding Chinese desktop GIS and Excel write) otherwise.
"""

from __future__ import annotations

import codecs
import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from layers.errors import InvalidQuery

ObjectArray = npt.NDArray[np.object_]

LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度", "东经")
LAT_NAMES = ("lat", "latitude", "y", "纬度", "北纬")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "shape", "几何")
CSV_SUFFIXES = {".csv": ",", ".tsv": "\t"}
#: Drivers that re-parse the whole file on every open: read once, then slice.
_WHOLE_FILE_DRIVERS = frozenset({"GeoJSON", "GeoJSONSeq", "ESRIJSON", "TopoJSON", "KML", "LIBKML", "GML", "GPX",
                                 "CSV", "XLSX", "ODS"})
_EWKT_PREFIX = re.compile(r"^\s*SRID=\d+;", re.IGNORECASE)
_SNIFF_CHUNK = 1 << 20


class SourceError(InvalidQuery):
    """The source file cannot be read as asked (missing, unreadable, ambiguous); `parameter` names the option."""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What was found in a source before reading its rows."""

    path: Path
    driver: str
    layer: str | None
    columns: tuple[str, ...]
    crs: str | None
    feature_count: int | None
    encoding: str | None
    geometry_from: str


@dataclass(slots=True)
class Batch:
    """Consecutive source rows: `start` is the 0-based index of the first one."""

    start: int
    geometries: ObjectArray
    columns: dict[str, np.ndarray]
    geometry_errors: dict[int, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.geometries)


@dataclass(frozen=True, slots=True)
class _GeometryColumns:
    lon: str | None = None
    lat: str | None = None
    wkt: str | None = None

    @property
    def used(self) -> tuple[str, ...]:
        return tuple(c for c in (self.lon, self.lat, self.wkt) if c is not None)

    def describe(self) -> str:
        return f"WKT column {self.wkt}" if self.wkt else f"lon/lat columns {self.lon}, {self.lat}"


class VectorSource:
    """An opened source: `info` describes it, `batches()` reads it."""

    def __init__(self, info: SourceInfo, *, kind: str, dtypes: dict[str, str], geometry: _GeometryColumns,
                 random_access: bool, separator: str = ",") -> None:
        self.info = info
        self._kind = kind
        self._dtypes = dtypes
        self._geometry = geometry
        self._random_access = random_access
        self._separator = separator

    def batches(self, batch_size: int = 50_000, columns: Sequence[str] | None = None) -> Iterator[Batch]:
        """The rows in order, `batch_size` at a time; only `columns` (default: all) are read."""
        wanted = list(self.info.columns if columns is None else columns)
        unknown = [c for c in wanted if c not in self.info.columns]
        if unknown:
            raise SourceError(f"源文件没有列 {', '.join(unknown)} / no such column in the source",
                              parameter="columns")
        wanted.extend(self._geometry.used)
        if self._kind == "csv":
            yield from self._csv_batches(batch_size, wanted)
        elif self._random_access:
            yield from self._window_batches(batch_size, wanted)
        else:
            yield from self._whole_batches(batch_size, wanted)

    # -- GDAL sources ----------------------------------------------------------------------
    def _read(self, columns: list[str], **window: Any) -> tuple[dict[str, Any], Any, list[np.ndarray]]:
        try:
            meta, _fids, geometry, data = pyogrio.raw.read(
                self.info.path, layer=self.info.layer, encoding=self.info.encoding, columns=columns,
                read_geometry=not self._geometry.used, force_2d=True, datetime_as_string=True, **window)
        except (DataSourceError, DataLayerError, OSError) as exc:
            raise SourceError(f"读取源文件失败 / cannot read {self.info.path.name}: {exc}",
                              parameter="path") from exc
        return meta, geometry, data

    def _window_batches(self, batch_size: int, columns: list[str]) -> Iterator[Batch]:
        start = 0
        while True:
            meta, wkb, data = self._read(columns, skip_features=start, max_features=batch_size)
            size = len(data[0]) if data else (0 if wkb is None else len(wkb))
            if size == 0:
                return
            yield self._gdal_batch(start, meta, wkb, data, size)
            start += size
            if size < batch_size:
                return

    def _whole_batches(self, batch_size: int, columns: list[str]) -> Iterator[Batch]:
        meta, wkb, data = self._read(columns)
        total = len(data[0]) if data else (0 if wkb is None else len(wkb))
        for start in range(0, total, batch_size):
            stop = min(start + batch_size, total)
            yield self._gdal_batch(start, meta, None if wkb is None else wkb[start:stop],
                                   [column[start:stop] for column in data], stop - start)

    def _gdal_batch(self, start: int, meta: dict[str, Any], wkb: Any, data: list[np.ndarray],
                    size: int) -> Batch:
        columns = {str(name): _restore_nullable(values, self._dtypes.get(str(name), ""))
                   for name, values in zip(meta["fields"], data, strict=True)}
        if self._geometry.used:
            geometries, errors = _geometry_from_columns(columns, self._geometry)
            return Batch(start, geometries, _without(columns, self._geometry.used), errors)
        if wkb is None:
            return Batch(start, np.full(size, None, dtype=object), columns)
        geometries = shapely.from_wkb(wkb, on_invalid="ignore")
        broken = np.flatnonzero(pd.isna(geometries) & ~pd.isna(wkb))
        errors = {int(i): "几何对象无法解析 / geometry cannot be decoded" for i in broken}
        return Batch(start, np.asarray(geometries, dtype=object), columns, errors)

    # -- CSV ---------------------------------------------------------------------------------
    def _csv_batches(self, batch_size: int, columns: list[str]) -> Iterator[Batch]:
        start = 0
        try:
            reader = pd.read_csv(self.info.path, sep=self._separator, dtype=str, keep_default_na=False,
                                 na_values=[""], encoding=self.info.encoding, chunksize=batch_size,
                                 usecols=columns)
            with reader:
                for chunk in reader:
                    values = {str(c): chunk[c].to_numpy(dtype=object) for c in chunk.columns}
                    geometries, errors = _geometry_from_columns(values, self._geometry)
                    yield Batch(start, geometries, _without(values, self._geometry.used), errors)
                    start += len(chunk)
        except (UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise SourceError(f"CSV 文件无法解析 / cannot parse CSV {self.info.path.name} "
                              f"(row ≈{start + 1}): {exc}", parameter="path") from exc


def open_source(path: Path, *, source_layer: str | None = None, encoding: str | None = None,
                lon_column: str | None = None, lat_column: str | None = None,
                wkt_column: str | None = None) -> VectorSource:
    """Open a vector file (or CSV/TSV) for batch reading; problems raise `SourceError`."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"源文件不存在 / source file not found: {path}", parameter="path")
    if encoding is not None:
        _check_encoding(encoding)
    if path.is_file() and path.suffix.lower() in CSV_SUFFIXES:
        return _open_csv(path, encoding, lon_column, lat_column, wkt_column)
    return _open_gdal(path, source_layer, encoding, lon_column, lat_column, wkt_column)


def _open_gdal(path: Path, source_layer: str | None, encoding: str | None, lon_column: str | None,
               lat_column: str | None, wkt_column: str | None) -> VectorSource:
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise SourceError(f"无法识别或读取源文件 / cannot open {path.name} as a vector data source: {exc}",
                          parameter="path") from exc
    if source_layer is None:
        if len(layers) != 1:
            raise SourceError(f"文件包含 {len(layers)} 个图层，请用 --source-layer 指定 / the file holds "
                              f"{len(layers)} layers, pick one with --source-layer: {', '.join(layers)}",
                              parameter="source-layer")
        source_layer = layers[0]
    elif source_layer not in layers:
        raise SourceError(f"文件中没有图层 {source_layer} / no layer {source_layer!r} in {path.name}; "
                          f"layers: {', '.join(layers)}", parameter="source-layer")
    encoding = encoding or _shapefile_encoding(path)
    try:
        meta = pyogrio.read_info(path, layer=source_layer, encoding=encoding)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise SourceError(f"读取源文件失败 / cannot read {path.name}: {exc}", parameter="path") from exc
    fields = [str(f) for f in meta["fields"]]
    geometry = _GeometryColumns()
    if meta["geometry_type"] is None or any(c is not None for c in (lon_column, lat_column, wkt_column)):
        geometry = _detect_geometry_columns(fields, lon_column, lat_column, wkt_column, path.name)
    dtypes = {str(f): str(d) for f, d in zip(meta["fields"], meta["dtypes"], strict=True)}
    count = int(meta["features"]) if meta.get("features", -1) >= 0 else None
    driver = str(meta["driver"])
    info = SourceInfo(path=path, driver=driver, layer=source_layer,
                      columns=tuple(f for f in fields if f not in geometry.used), crs=meta["crs"],
                      feature_count=count, encoding=encoding or meta.get("encoding"),
                      geometry_from=geometry.describe() if geometry.used else "geometry")
    random_access = bool(meta["capabilities"].get("fast_set_next_by_index")) and driver not in _WHOLE_FILE_DRIVERS
    return VectorSource(info, kind="gdal", dtypes=dtypes, geometry=geometry, random_access=random_access)


def _open_csv(path: Path, encoding: str | None, lon_column: str | None, lat_column: str | None,
              wkt_column: str | None) -> VectorSource:
    encoding = encoding or ("utf-8-sig" if _is_utf8(path) else "gbk")
    separator = CSV_SUFFIXES[path.suffix.lower()]
    try:
        header = pd.read_csv(path, sep=separator, dtype=str, nrows=0, encoding=encoding)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SourceError(f"CSV 文件无法解析 / cannot parse CSV {path.name}: {exc}", parameter="path") from exc
    fields = [str(c) for c in header.columns]
    geometry = _detect_geometry_columns(fields, lon_column, lat_column, wkt_column, path.name)
    prj = _sidecar(path, ".prj")
    crs = (prj.read_text(encoding="utf-8", errors="replace").strip() or None) if prj is not None else None
    info = SourceInfo(path=path, driver="CSV", layer=None, columns=tuple(f for f in fields if f not in geometry.used),
                      crs=crs, feature_count=_count_lines(path), encoding=encoding,
                      geometry_from=geometry.describe())
    return VectorSource(info, kind="csv", dtypes={}, geometry=geometry, random_access=False, separator=separator)


def _detect_geometry_columns(fields: list[str], lon: str | None, lat: str | None, wkt: str | None,
                             name: str) -> _GeometryColumns:
    for option, value in (("lon-column", lon), ("lat-column", lat), ("wkt-column", wkt)):
        if value is not None and value not in fields:
            raise SourceError(f"源文件没有列 {value} / no column {value!r} in {name}; columns: {', '.join(fields)}",
                              parameter=option)
    if wkt is not None:
        return _GeometryColumns(wkt=wkt)
    if lon is not None or lat is not None:
        lon = lon or _find(fields, LON_NAMES)
        lat = lat or _find(fields, LAT_NAMES)
        if lon is None or lat is None:
            raise SourceError("经度和纬度列须同时给出 / give both --lon-column and --lat-column",
                              parameter="lon-column" if lon is None else "lat-column")
        return _GeometryColumns(lon=lon, lat=lat)
    found_wkt = _find(fields, WKT_NAMES)
    if found_wkt is not None:
        return _GeometryColumns(wkt=found_wkt)
    found_lon, found_lat = _find(fields, LON_NAMES), _find(fields, LAT_NAMES)
    if found_lon is not None and found_lat is not None:
        return _GeometryColumns(lon=found_lon, lat=found_lat)
    raise SourceError(
        f"{name} 中找不到几何：没有经纬度列或 WKT 列，请用 --lon-column/--lat-column 或 --wkt-column 指定 / "
        f"no geometry in {name}: no longitude/latitude or WKT column found (columns: {', '.join(fields)})",
        parameter="lon-column")


def _find(fields: list[str], candidates: tuple[str, ...]) -> str | None:
    by_key = {f.strip().lower(): f for f in fields}
    for candidate in candidates:
        if candidate in by_key:
            return by_key[candidate]
    return None


def _geometry_from_columns(columns: dict[str, np.ndarray],
                           spec: _GeometryColumns) -> tuple[ObjectArray, dict[int, str]]:
    if spec.wkt is not None:
        return _geometry_from_wkt(columns[spec.wkt], spec.wkt)
    assert spec.lon is not None and spec.lat is not None
    raw_lon, raw_lat = columns[spec.lon], columns[spec.lat]
    lon = pd.to_numeric(pd.Series(raw_lon), errors="coerce").to_numpy(dtype=np.float64)
    lat = pd.to_numeric(pd.Series(raw_lat), errors="coerce").to_numpy(dtype=np.float64)
    geometries = np.asarray(shapely.points(lon, lat), dtype=object)
    errors: dict[int, str] = {}
    bad = np.flatnonzero(np.isnan(lon) | np.isnan(lat))
    if bad.size:
        missing = pd.isna(raw_lon) | pd.isna(raw_lat)
        for i in bad.tolist():
            if missing[i]:
                errors[i] = f"经纬度缺失 / longitude or latitude missing ({spec.lon}, {spec.lat})"
            else:
                errors[i] = (f"经纬度不是数值 / longitude/latitude is not a number: "
                             f"{spec.lon}={raw_lon[i]!r}, {spec.lat}={raw_lat[i]!r}")
            geometries[i] = None
    return geometries, errors


def _geometry_from_wkt(raw: np.ndarray, column: str) -> tuple[ObjectArray, dict[int, str]]:
    text = pd.Series(raw, dtype=object)
    present = text.notna().to_numpy()
    cleaned = text.where(~present, text.astype(str).str.replace(_EWKT_PREFIX, "", regex=True))
    geometries = np.asarray(shapely.from_wkt(cleaned.to_numpy(dtype=object), on_invalid="ignore"), dtype=object)
    errors = {int(i): f"WKT 无法解析 / column {column}: cannot parse WKT {str(raw[i])[:60]!r}"
              for i in np.flatnonzero(present & pd.isna(geometries))}
    return geometries, errors


def _restore_nullable(values: np.ndarray, declared: str) -> np.ndarray:
    """pyogrio returns integer/boolean columns with nulls as float with NaN: give back ints/bools and None."""
    if values.dtype.kind != "f" or not (declared.startswith("int") or declared == "bool"):
        return values
    nulls = np.isnan(values)
    if not nulls.any():
        return values.astype(bool if declared == "bool" else np.int64)
    result = np.empty(len(values), dtype=object)
    filled = np.where(nulls, 0, values)
    result[:] = (filled.astype(bool) if declared == "bool" else filled.astype(np.int64)).tolist()
    result[nulls] = None
    return result


def _without(columns: dict[str, np.ndarray], used: tuple[str, ...]) -> dict[str, np.ndarray]:
    return {name: values for name, values in columns.items() if name not in used}


def _check_encoding(encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise SourceError(f"未知的字符编码 / unknown encoding {encoding!r}", parameter="encoding") from exc


def _sidecar(path: Path, suffix: str) -> Path | None:
    for candidate in path.parent.iterdir():
        if candidate.stem == path.stem and candidate.suffix.lower() == suffix:
            return candidate
    return None


def _shapefile_encoding(path: Path) -> str | None:
    """For a Shapefile without a .cpg: UTF-8 if the .dbf text is valid UTF-8, else GBK. Otherwise None."""
    if path.suffix.lower() not in (".shp", ".dbf") or _sidecar(path, ".cpg") is not None:
        return None
    dbf = _sidecar(path, ".dbf")
    if dbf is None:
        return None
    with dbf.open("rb") as handle:
        head = handle.read(32)
        if len(head) < 32:
            return None
        header_length = struct.unpack("<H", head[8:10])[0]
        names = handle.read(max(header_length - 32, 0))
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for start in range(0, len(names) - 31, 32):  # field descriptors: name in bytes 0–10
                codecs.decode(names[start:start + 11].split(b"\x00", 1)[0], "utf-8")
            while chunk := handle.read(_SNIFF_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "GBK"
    return "UTF-8"


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_SNIFF_CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _count_lines(path: Path) -> int:
    """Data rows of a CSV, approximately (newlines minus the header): a progress-bar total only."""
    lines = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(_SNIFF_CHUNK):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return max(lines - 1 + (last != b"\n"), 0)
