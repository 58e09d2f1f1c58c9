"""`export_layer`: every feature of a layer to GeoPackage, GeoJSON, Shapefile or CSV.

Features come from `store.iter_records` batch by batch and are appended to the output, so
memory stays flat. Coordinates are EPSG:4490 (CGCS2000, lon/lat) unless `crs` asks for
EPSG:4326 (same numbers, see `layers.query.GEOGRAPHIC_SRIDS`) or EPSG:3857. Field types follow
the layer schema. Format notes:

- GeoPackage, Shapefile and CSV are written by GDAL through pyogrio; GeoJSON is streamed
  directly (GDAL's GeoJSON writer cannot append without re-reading the file). GeoJSON carries a
  `crs` member unless the CRS is EPSG:4326 (RFC 7946 lon/lat).
- Shapefile: UTF-8 text with a `.cpg`, field names cut to 10 characters by
  `columns.shapefile_field_names` (unique; an export imports back without `--map`),
  date-times as ISO 8601 text (dBase has no date-time type).
- CSV: UTF-8 with BOM (Excel), a `WKT` geometry column first, dates and times as ISO 8601,
  and a `.prj` beside it naming the CRS (CSV has nowhere else to keep it; imports read it).

The file is written in a temporary folder beside the target and moved into place at the end:
a failed export leaves nothing half-written. A finished export appends an `export` record to the
store's audit trail (who, layer, format, count, the SHA-256 of each file).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson
import pandas as pd
import pyogrio.raw
import shapely
from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError
from pyproj import CRS

from layers.crs import same_coordinates, transformer
from layers.errors import InvalidQuery
from layers.io.columns import shapefile_field_names
from layers.model import FieldType, LayerDefinition
from layers.protect.audit_events import record_export
from layers.query import STORAGE_SRID, StoredFeature
from layers.stores.base import FeatureStore

EXPORT_SRIDS = (4490, 4326, 3857)
ExportProgress = Callable[[int], None]


class ExportFormat(StrEnum):
    GPKG = "gpkg"
    GEOJSON = "geojson"
    SHP = "shp"
    CSV = "csv"

    @property
    def suffix(self) -> str:
        return {"gpkg": ".gpkg", "geojson": ".geojson", "shp": ".shp", "csv": ".csv"}[self.value]


_DRIVERS = {ExportFormat.GPKG: "GPKG", ExportFormat.SHP: "ESRI Shapefile", ExportFormat.CSV: "CSV"}
_LAYER_OPTIONS: dict[ExportFormat, dict[str, str]] = {
    ExportFormat.GPKG: {},
    ExportFormat.SHP: {"ENCODING": "UTF-8"},
    ExportFormat.CSV: {"GEOMETRY": "AS_WKT", "WRITE_BOM": "YES"},
}


class ExportError(InvalidQuery):
    """The export cannot be done as asked (format, CRS, output path); `parameter` names the option."""


@dataclass(frozen=True, slots=True)
class ExportReport:
    layer_id: str
    path: Path
    format: ExportFormat
    srid: int
    features: int
    field_names: dict[str, str]
    seconds: float


def export_layer(store: FeatureStore, layer: LayerDefinition, path: Path, fmt: ExportFormat | str, *,
                 srid: int = STORAGE_SRID, overwrite: bool = False, batch_size: int = 10_000,
                 progress: ExportProgress | None = None) -> ExportReport:
    """Write every feature of `layer` to `path` in `fmt`; returns the count and the field names used."""
    started = time.perf_counter()
    fmt = _format(fmt)
    srid = parse_export_srid(srid)
    path = Path(path)
    if path.suffix.lower() != fmt.suffix:
        path = path.with_name(path.name + fmt.suffix)
    outputs = _outputs(path, fmt)
    existing = [p for p in outputs if p.exists()]
    if existing and not overwrite:
        raise ExportError(f"输出文件已存在 / output exists: {existing[0]}; use --overwrite", parameter="out")
    if not path.parent.is_dir():
        raise ExportError(f"输出目录不存在 / output folder does not exist: {path.parent}", parameter="out")
    names = (shapefile_field_names(layer.field_names) if fmt is ExportFormat.SHP
             else {name: name for name in layer.field_names})
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{path.stem}.", dir=path.parent))
    except OSError as exc:
        raise ExportError(f"无法写入输出目录 / cannot write to {path.parent}: {exc}", parameter="out") from exc
    try:
        target = work / path.name
        if fmt is ExportFormat.GEOJSON:
            with target.open("wb") as handle:
                count = _write_geojson(store, layer, handle, srid, batch_size, progress)
        else:
            count = _write_gdal(store, layer, target, fmt, srid, names, batch_size, progress)
            if fmt is ExportFormat.CSV:
                target.with_suffix(".prj").write_text(CRS.from_epsg(srid).to_wkt("WKT1_ESRI"), encoding="utf-8")
        written: list[Path] = []
        for produced in sorted(work.iterdir()):
            destination = path.with_name(path.stem + produced.name[len(target.stem):])
            produced.replace(destination)
            written.append(destination)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    record_export(store, layer_id=layer.id, fmt=fmt.value, srid=srid, features=count, paths=written,
                  secret_fields=[spec.name for spec in layer.fields if spec.secret])
    return ExportReport(layer_id=layer.id, path=path, format=fmt, srid=srid, features=count, field_names=names,
                        seconds=time.perf_counter() - started)


def parse_export_srid(value: str | int) -> int:
    """`EPSG:3857`, `3857` or an EPSG URI → 3857, if exports offer it."""
    text = str(value).strip()
    code = text.rsplit("/", 1)[-1] if "/" in text else text.split(":", 1)[-1]
    if not code.isdigit() or int(code) not in EXPORT_SRIDS:
        raise ExportError(f"不支持的导出坐标系 {value} / unsupported export CRS {value!r}; use one of "
                          f"{', '.join(f'EPSG:{c}' for c in EXPORT_SRIDS)}", parameter="crs")
    return int(code)


def _format(fmt: ExportFormat | str) -> ExportFormat:
    try:
        return ExportFormat(str(fmt).lower().lstrip("."))
    except ValueError:
        raise ExportError(f"不支持的导出格式 {fmt} / unsupported format {fmt!r}; use gpkg, geojson, shp or csv",
                          parameter="format") from None


def _outputs(path: Path, fmt: ExportFormat) -> list[Path]:
    if fmt is ExportFormat.SHP:
        return [path.with_suffix(s) for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
    if fmt is ExportFormat.CSV:
        return [path, path.with_suffix(".prj")]
    return [path]


def _geometries(batch: list[StoredFeature], srid: int) -> np.ndarray:
    texts = np.array([orjson.dumps(f.geometry).decode() if f.geometry else None for f in batch], dtype=object)
    geometries = shapely.from_geojson(texts)
    if same_coordinates(STORAGE_SRID, srid):
        return np.asarray(geometries, dtype=object)
    tr = transformer(STORAGE_SRID, srid)

    def project(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack((x, y))

    return np.asarray(shapely.transform(geometries, project), dtype=object)


def _write_gdal(store: FeatureStore, layer: LayerDefinition, target: Path, fmt: ExportFormat, srid: int,
                names: dict[str, str], batch_size: int, progress: ExportProgress | None) -> int:
    common: dict[str, Any] = {
        "driver": _DRIVERS[fmt], "out_layer": layer.id if fmt is ExportFormat.GPKG else None,
        "geometry_type": layer.geometry_type.value, "crs": f"EPSG:{srid}",
        "layer_options": _LAYER_OPTIONS[fmt], "promote_to_multi": False,
    }
    text_times = fmt is not ExportFormat.GPKG
    fields = [names[name] for name in layer.field_names]
    written = 0
    for batch in _batches(store, layer, batch_size):
        _write_batch(target, batch, layer, srid, fields, text_times, append=True, **common)
        written += len(batch)
        if progress:
            progress(written)
    return written


def _batches(store: FeatureStore, layer: LayerDefinition, batch_size: int) -> Any:
    yield []  # an empty first write creates the file and its schema, even for an empty layer
    yield from store.iter_records(layer, batch_size)


def _write_batch(target: Path, batch: list[StoredFeature], layer: LayerDefinition, srid: int, fields: list[str],
                 text_times: bool, *, append: bool, out_layer: str | None, **common: Any) -> None:
    data: list[np.ndarray] = []
    masks: list[np.ndarray | None] = []
    offsets: dict[str, np.ndarray] = {}
    for spec, out_name in zip(layer.fields, fields, strict=True):
        values = [f.properties.get(spec.name) for f in batch]
        array, mask = gdal_column(spec.type, values, text_times)
        data.append(array)
        masks.append(mask)
        if spec.type is FieldType.DATETIME and not text_times:
            offsets[out_name] = np.full(len(batch), 100, dtype=np.int64)  # GDAL's code for UTC
    geometry = shapely.to_wkb(_geometries(batch, srid)) if batch else np.array([], dtype=object)
    try:
        pyogrio.raw.write(target, geometry, data, fields, field_mask=masks, layer=out_layer,
                          append=append and target.exists(), gdal_tz_offsets=offsets, **common)
    except (OSError, DataSourceError, DataLayerError, FieldError, GeometryError) as exc:
        raise ExportError(f"写出文件失败 / cannot write {target.name}: {exc}", parameter="out") from exc


def gdal_column(kind: FieldType, values: Sequence[Any],
                text_times: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """One field's values as the array (and null mask) pyogrio writes; `text_times`: dates and times as ISO text."""
    nulls = np.array([v is None for v in values], dtype=bool)
    if kind is FieldType.STRING:
        return object_array([None if v is None else str(v) for v in values]), None
    if kind is FieldType.INTEGER:
        return np.array([0 if v is None else int(v) for v in values], dtype=np.int64), nulls
    if kind is FieldType.NUMBER:
        return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64), None
    if kind is FieldType.BOOLEAN:
        return np.array([bool(v) for v in values], dtype=bool), nulls
    if kind is FieldType.DATE:
        days = [None if v is None else _iso(v)[:10] for v in values]
        return (object_array(days), None) if text_times else (np.array(days, dtype="datetime64[D]"), None)
    if text_times:
        return object_array([None if v is None else _iso(v) for v in values]), None
    stamps = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
    return stamps.dt.tz_localize(None).to_numpy(dtype="datetime64[ms]"), None


def _iso(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def object_array(values: list[Any]) -> np.ndarray:
    result = np.empty(len(values), dtype=object)
    result[:] = values
    return result


def _write_geojson(store: FeatureStore, layer: LayerDefinition, handle: IO[bytes], srid: int, batch_size: int,
                   progress: ExportProgress | None) -> int:
    head: dict[str, Any] = {"type": "FeatureCollection", "name": layer.id}
    if srid != 4326:
        head["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{srid}"}}
    handle.write(orjson.dumps(head)[:-1] + b',"features":[\n')
    written = 0
    for batch in store.iter_records(layer, batch_size):
        reproject = not same_coordinates(STORAGE_SRID, srid)
        geometries = _geometries(batch, srid) if reproject else None
        for i, feature in enumerate(batch):
            geometry = feature.geometry
            if geometries is not None and geometries[i] is not None:
                geometry = orjson.loads(shapely.to_geojson(geometries[i]))
            item = {"type": "Feature", "id": feature.fid, "geometry": geometry, "properties": feature.properties}
            handle.write((b",\n" if written else b"") + orjson.dumps(item, option=orjson.OPT_NON_STR_KEYS))
            written += 1
        if progress:
            progress(written)
    handle.write(b"\n]}\n")
    return written
