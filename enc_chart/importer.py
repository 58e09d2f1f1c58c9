"""Store a `Cell`: register (or extend) its layers, then replace the cell's features in ONE transaction.

`import_cell(store, cell)`:
1. looks the cell up in the cell index `enc_dsid`: a stored edition/update that is the same or
   newer than the cell's refuses the import with `CellNotNewer` (`same` tells which; `force=True`
   imports anyway) — so an import never goes backwards and running it twice changes nothing;
2. registers the layers the cell needs (`enc_chart.layers`), or extends registered ones with the
   fields they lack (registration is schema, outside the data transaction);
3. in one `FeatureStore.replace_partitions` call — one transaction across every layer — deletes
   every feature whose `cell_name` is this cell (in the layers it fills now and those an earlier
   edition filled) and inserts the new ones, plus its `enc_dsid` row. A newer edition therefore
   replaces the old one whole, or, on any failure, not at all; the stores bump each layer's data
   version and write the edit log in that transaction, so cached tiles of exactly those layers go.

Progress goes through the file importer's callback (`layers.io.importer.ImportCounts`).
`import_files` is the whole path for one cell on disk: check the update sequence, read, store.

May import: `enc_chart.*`, `layers.*`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from enc_chart.cell import Cell, CellInfo
from enc_chart.errors import CellNotNewer
from enc_chart.exchange_set import CellFiles, check_cell
from enc_chart.layers import CELLS_LAYER, EMPTY, LayerPart, cells_layer, coverage, extended, layer_parts
from enc_chart.reader import read_checked
from layers.io.importer import ImportCounts, ImportProgress
from layers.model import FieldType, GeometryType, LayerDefinition
from layers.query import FeatureQuery
from layers.registry import LayerRegistry
from layers.stores.base import FeatureRecord, FeatureStore, PartitionChange

PARTITION_FIELD = "cell_name"
_MULTI = {"Point": shapely.MultiPoint, "LineString": shapely.MultiLineString, "Polygon": shapely.MultiPolygon}


@dataclass(frozen=True)
class StoredCell:
    edition: int
    update: int
    feature_count: int
    layer_ids: tuple[str, ...]


@dataclass(frozen=True)
class CellImportReport:
    info: CellInfo
    layers: dict[str, int]  # layer id → features stored (the cell index row not counted)
    registered: tuple[str, ...]  # layers registered or extended by this import
    previous: StoredCell | None  # what the store held of this cell before
    seconds: float

    @property
    def features(self) -> int:
        return sum(self.layers.values())


def import_files(store: FeatureStore, files: CellFiles, *, registry: LayerRegistry | None = None,
                 progress: ImportProgress | None = None, force: bool = False,
                 apply_updates: bool = True) -> CellImportReport:
    """Check the cell's update sequence, read it (GDAL) and store it; bad input raises before any write."""
    checked = check_cell(files, apply_updates=apply_updates)
    registry = registry or LayerRegistry(store)
    if not force:  # refuse a stale cell before GDAL reads it
        index = next((layer for layer in registry.all() if layer.id == CELLS_LAYER), None)
        previous = stored_cell(store, index, files.name)
        if previous is not None:
            update = checked.last.update if checked.updates else 0
            _refuse_stale(CellInfo(files.name, checked.base.edition, update, None), previous)
    cell = read_checked(checked, apply_updates=apply_updates)
    return import_cell(store, cell, registry=registry, progress=progress, force=force)


def import_cell(store: FeatureStore, cell: Cell, *, registry: LayerRegistry | None = None,
                progress: ImportProgress | None = None, force: bool = False) -> CellImportReport:
    started = time.perf_counter()
    info = cell.info
    registry = registry or LayerRegistry(store)
    existing = {layer.id: layer for layer in registry.all()}
    previous = stored_cell(store, existing.get(CELLS_LAYER), info.name)
    if previous is not None and not force:
        _refuse_stale(info, previous)
    counts = ImportCounts(total=cell.feature_count + 1, read=cell.feature_count + 1)
    if progress:
        progress(counts)
    parts = layer_parts(cell.layers)
    wanted = [cells_layer(), *(part.definition for part in parts)]
    registered = []
    for definition in wanted:
        final = extended(existing[definition.id], definition) if definition.id in existing else definition
        if existing.get(definition.id) != final:
            store.register_layer(final, replace=definition.id in existing)
            registered.append(final.id)
        existing[final.id] = final
    if registered:
        registry.refresh()
    changes = [PartitionChange(existing[part.definition.id], PARTITION_FIELD, info.name,
                               feature_records(part, existing[part.definition.id], info)) for part in parts]
    filled = {part.definition.id for part in parts}
    for layer_id in previous.layer_ids if previous else ():
        if layer_id not in filled and layer_id in existing:  # an earlier edition had features there
            changes.append(PartitionChange(existing[layer_id], PARTITION_FIELD, info.name, ()))
    index_row = _index_record(cell, sorted(filled))
    changes.append(PartitionChange(existing[CELLS_LAYER], PARTITION_FIELD, info.name, [index_row]))

    def stored(written: int) -> None:
        counts.written = written
        if progress:
            progress(counts)

    results = store.replace_partitions(changes, progress=stored)
    layers = {change.layer.id: len(fids) for change, fids in zip(changes[:len(parts)], results, strict=False)}
    return CellImportReport(info=info, layers=layers, registered=tuple(registered), previous=previous,
                            seconds=time.perf_counter() - started)


def stored_cell(store: FeatureStore, index: LayerDefinition | None, name: str) -> StoredCell | None:
    """What the cell index says the store holds of cell `name` (None: nothing)."""
    if index is None:
        return None
    page = store.query(index, FeatureQuery(equals=((PARTITION_FIELD, name),), limit=1, skip_geometry=True,
                                           count=False))
    features = orjson.loads(page.features_json)
    if not features:
        return None
    properties = features[0]["properties"]
    layer_ids = tuple(i for i in str(properties.get("layer_ids") or "").split(",") if i)
    return StoredCell(int(properties.get("cell_edition") or 0), int(properties.get("cell_update") or 0),
                      int(properties.get("feature_count") or 0), layer_ids)


def feature_records(part: LayerPart, layer: LayerDefinition, info: CellInfo) -> list[FeatureRecord]:
    """The part's rows as records of `layer` (the registered definition decides the field types)."""
    rows = part.rows
    geometries = _geometries(rows.geometry.to_numpy(), layer.geometry_type)
    columns: dict[str, list[Any]] = {}
    for column, name in part.columns.items():
        spec = layer.field(name)
        if spec is not None:
            columns[name] = _values(rows[column].tolist(), spec.type)
    lnam = _values(rows["LNAM"].tolist(), FieldType.STRING) if "LNAM" in rows.columns else [None] * len(rows)
    foid = _foids(rows)
    base = {"cell_name": info.name, "cell_edition": info.edition, "cell_update": info.update,
            "cell_issue_date": info.issue_date}
    names = list(columns)
    lists = [columns[name] for name in names]
    records = []
    for i, geometry in enumerate(geometries):
        properties = dict(base, lnam=lnam[i], foid=foid[i])
        properties.update(zip(names, (values[i] for values in lists), strict=True))
        records.append(FeatureRecord(geometry, properties))
    return records


def _refuse_stale(info: CellInfo, previous: StoredCell) -> None:
    if (info.edition, info.update) > (previous.edition, previous.update):
        return
    if (info.edition, info.update) == (previous.edition, previous.update):
        raise CellNotNewer(
            f"海图单元 {info.name} 第 {info.edition} 版第 {info.update} 次更新已入库，未重复导入 / cell {info.name} "
            f"edition {info.edition} update {info.update} is already stored: nothing imported", same=True)
    raise CellNotNewer(
        f"库中已有海图单元 {info.name} 较新的第 {previous.edition} 版第 {previous.update} 次更新，拒绝导入较旧的第 "
        f"{info.edition} 版第 {info.update} 次更新 / the store holds a newer {info.name} (edition {previous.edition} "
        f"update {previous.update}): refusing the older edition {info.edition} update {info.update}", same=False)


def _index_record(cell: Cell, layer_ids: list[str]) -> FeatureRecord:
    info = cell.info
    return FeatureRecord(coverage(cell.layers), {
        "cell_name": info.name, "cell_edition": info.edition, "cell_update": info.update,
        "cell_issue_date": info.issue_date, "cell_edition_date": info.edition_date, "agency": info.agency,
        "updates_applied": ",".join(info.updates_applied) or None,
        "source_file": info.path.name if info.path else None, "feature_count": cell.feature_count,
        "layer_ids": ",".join(layer_ids), "imported_at": datetime.now(UTC)})


def _geometries(values: np.ndarray, kind: GeometryType) -> list[BaseGeometry]:
    """2-D geometries of the layer's multi type; a missing geometry becomes an empty one."""
    flat = shapely.force_2d(values)
    out: list[BaseGeometry] = []
    for geometry in flat:
        if geometry is None or geometry.is_empty:
            out.append(EMPTY[kind])
        elif geometry.geom_type in _MULTI:
            out.append(_MULTI[geometry.geom_type]([geometry]))
        else:
            out.append(geometry)
    return out


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _values(values: list[Any], kind: FieldType) -> list[Any]:
    if kind is FieldType.STRING:
        return [None if _missing(v) else _code(v) for v in values]
    if kind is FieldType.INTEGER:
        return [None if _missing(v) else _integer(v) for v in values]
    if kind is FieldType.NUMBER:
        return [None if _missing(v) else _number(v) for v in values]
    return [None if _missing(v) else v for v in values]


def _code(value: Any) -> str | None:
    """Text as stored: a whole number as "3" (never "3.0"), other text as is, empty text as None."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    text = str(value)
    return text if text != "" else None


def _integer(value: Any) -> int | None:
    try:
        return round(float(value))
    except (TypeError, ValueError):
        return None


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _foids(rows: pd.DataFrame) -> list[str | None]:
    if not {"AGEN", "FIDN", "FIDS"} <= set(rows.columns):
        return [None] * len(rows)
    out = []
    for agen, fidn, fids in zip(rows["AGEN"].tolist(), rows["FIDN"].tolist(), rows["FIDS"].tolist(), strict=True):
        out.append(None if any(_missing(v) for v in (agen, fidn, fids)) else f"{int(agen)}-{int(fidn)}-{int(fids)}")
    return out
