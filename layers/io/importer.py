"""`import_file`: a vector file into a registered layer, all valid rows in one transaction.

Pipeline per batch: read (`readers`) → reproject to EPSG:4490, GCJ-02 correction if asked
(`reproject`) → validate every row against the layer (`checks`, the rules of
`layers.validation`) → valid rows stream as `FeatureRecord`s into ONE `store.insert` call,
so a failure anywhere (a corrupt row deep in the file, the database) leaves the layer as it
was and the import can simply be run again. Rejected rows never stop the import: each problem
is written to a rejects CSV (UTF-8 with BOM so Excel shows Chinese; columns row, field,
reason; `row` is the 1-based data row of the source) next to the source or where asked.
"""

from __future__ import annotations

import csv
import itertools
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from layers.io.columns import ColumnPlan, plan_columns
from layers.io.readers import Batch, SourceError, open_source
from layers.io.reproject import Reprojector, source_srid
from layers.model import LayerDefinition
from layers.query import STORAGE_SRID
from layers.stores.base import FeatureRecord, FeatureStore
from layers.validation.batch import check_column, check_geometries, required_missing

#: How many rejects an `ImportReport` keeps in memory to show; the CSV has them all.
SHOWN_REJECTS = 20


@dataclass(frozen=True, slots=True)
class ImportOptions:
    source_layer: str | None = None
    source_crs: str | None = None
    from_gcj02: bool = False
    encoding: str | None = None
    mappings: dict[str, str] = field(default_factory=dict)
    lon_column: str | None = None
    lat_column: str | None = None
    wkt_column: str | None = None
    rejects_path: Path | None = None
    dry_run: bool = False
    batch_size: int = 50_000


@dataclass(slots=True)
class ImportCounts:
    """Running totals handed to the progress callback; `total` is the source's row count if known."""

    total: int | None = None
    read: int = 0
    rejected: int = 0
    written: int = 0


ImportProgress = Callable[[ImportCounts], None]


@dataclass(frozen=True, slots=True)
class Reject:
    row: int
    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    layer_id: str
    source: Path
    driver: str
    source_layer: str | None
    source_srid: int
    encoding: str | None
    geometry_from: str
    mapping: dict[str, str]
    ignored_columns: tuple[str, ...]
    unfilled_fields: tuple[str, ...]
    rows_read: int
    rows_rejected: int
    rows_written: int
    problems: int
    rejects_path: Path
    first_rejects: tuple[Reject, ...]
    dry_run: bool
    seconds: float

    @property
    def rows_valid(self) -> int:
        return self.rows_read - self.rows_rejected


def default_rejects_path(source: Path) -> Path:
    return source.with_name(f"{source.stem}.rejects.csv")


def import_file(store: FeatureStore, layer: LayerDefinition, path: Path, *,
                options: ImportOptions | None = None, progress: ImportProgress | None = None) -> ImportReport:
    """Import `path` into `layer`; returns what happened. User errors raise `SourceError`/`CrsError`."""
    options = options or ImportOptions()
    started = time.perf_counter()
    source = open_source(Path(path), source_layer=options.source_layer, encoding=options.encoding,
                         lon_column=options.lon_column, lat_column=options.lat_column,
                         wkt_column=options.wkt_column)
    info = source.info
    plan = plan_columns(layer, info.columns, options.mappings)
    from_columns = info.geometry_from != "geometry"
    srid = source_srid(info.crs, options.source_crs, default=STORAGE_SRID if from_columns else None)
    reproject = Reprojector(srid, options.from_gcj02)
    counts = ImportCounts(total=info.feature_count)
    rejects_path = Path(options.rejects_path) if options.rejects_path else default_rejects_path(info.path)
    with _RejectsWriter(rejects_path) as rejects:

        def records() -> Iterator[FeatureRecord]:
            for batch in source.batches(options.batch_size, columns=list(plan.mapping)):
                counts.read += len(batch)
                good_geometries, good_columns = _validate(layer, plan, reproject, batch, rejects, counts)
                if progress:
                    progress(counts)
                names = list(good_columns)
                rows = zip(*good_columns.values(), strict=False) if names else itertools.repeat(())
                for geometry, values in zip(good_geometries, rows, strict=False):
                    yield FeatureRecord(geometry, dict(zip(names, values, strict=False)))

        def stored(written: int) -> None:
            counts.written = written
            if progress:
                progress(counts)

        if options.dry_run:
            for _record in records():
                pass
        else:
            fids = store.insert(layer, records(), progress=stored)
            counts.written = len(fids)
            if progress:
                progress(counts)
        rejects.commit()
    return ImportReport(
        layer_id=layer.id, source=info.path, driver=info.driver, source_layer=info.layer, source_srid=srid,
        encoding=info.encoding, geometry_from=info.geometry_from, mapping=dict(plan.mapping),
        ignored_columns=plan.ignored, unfilled_fields=plan.unfilled, rows_read=counts.read,
        rows_rejected=counts.rejected, rows_written=counts.written, problems=rejects.count,
        rejects_path=rejects_path, first_rejects=tuple(rejects.first), dry_run=options.dry_run,
        seconds=time.perf_counter() - started)


def _validate(layer: LayerDefinition, plan: ColumnPlan, reproject: Reprojector, batch: Batch,
              rejects: _RejectsWriter, counts: ImportCounts) -> tuple[list[Any], dict[str, list[Any]]]:
    """Check one batch; record its problems; return the good rows' geometries and property columns."""
    problems: list[tuple[int, str, str]] = [(i, "geometry", reason) for i, reason in batch.geometry_errors.items()]
    unreadable = np.zeros(len(batch), dtype=bool)
    unreadable[list(batch.geometry_errors)] = True
    geometries = reproject(batch.geometries)
    geometries[unreadable] = None
    geometries, geometry_errors = check_geometries(layer, geometries)
    problems.extend((i, "geometry", reason) for i, reason in geometry_errors.items() if not unreadable[i])
    columns: dict[str, np.ndarray] = {}
    for column, name in plan.mapping.items():
        spec = layer.field(name)
        assert spec is not None
        raw = batch.columns[column]
        checked = check_column(spec, raw)
        suffix = "" if column == name else f" [源列/column {column}]"
        problems.extend((i, name, f"{reason}{suffix} | 值/value: {_shown(raw[i])}")
                        for i, reason in checked.errors.items())
        if spec.required:
            missing = np.flatnonzero(pd.isna(checked.values))
            problems.extend((int(i), name, required_missing(spec)) for i in missing if int(i) not in checked.errors)
        columns[name] = checked.values
    for spec in layer.fields:
        if spec.required and spec.name not in columns:  # plan_columns refuses this; kept as a guard
            raise SourceError(required_missing(spec), parameter="map")
    bad = np.zeros(len(batch), dtype=bool)
    for offset, name, reason in sorted(problems, key=lambda p: p[0]):
        bad[offset] = True
        rejects.add(Reject(batch.start + offset + 1, name, reason))
    counts.rejected += int(bad.sum())
    good = np.flatnonzero(~bad)
    return geometries[good].tolist(), {name: values[good].tolist() for name, values in columns.items()}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


class _RejectsWriter:
    """Streams rejects to a temporary CSV beside the target; `commit` moves it into place."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.first: list[Reject] = []
        self._handle: IO[str] | None = None
        self._writer: Any = None

    def __enter__(self) -> _RejectsWriter:
        self._temp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:12]}.tmp")
        try:  # not mkstemp: the file should get the user's usual permissions (umask), not 0600
            self._handle = self._temp.open("x", encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise SourceError(f"无法写入拒绝记录文件 / cannot write the rejects file {self.path}: {exc}; "
                              "choose another place with --rejects", parameter="rejects") from exc
        self._writer = csv.writer(self._handle)
        self._writer.writerow(("row", "field", "reason"))
        return self

    def add(self, reject: Reject) -> None:
        self.count += 1
        if len(self.first) < SHOWN_REJECTS:
            self.first.append(reject)
        self._writer.writerow((reject.row, reject.field, reject.reason))

    def commit(self) -> None:
        assert self._handle is not None
        self._handle.close()
        os.replace(self._temp, self.path)

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None and not self._handle.closed:
            self._handle.close()
        if self._temp.exists():
            self._temp.unlink()
