"""`read_cell`: one S-57 / Inland ENC cell (with its updates) from disk into a `Cell`.

Steps: the exchange-set rules find the cell's update files and prove their sequence
(`exchange_set.check_cell`); the ISO 8211 reader checks every record of every file (a truncated
or malformed file fails here, naming the file and the record) and gives the DSIDs; then GDAL's
S-57 driver (through pyogrio, pointed at the extended object catalogue by
`catalogue.configure_gdal()`, so inland classes keep their own layers) reads every object class
with the updates applied. GDAL's list attributes (COLOUR, CATBRG, LNAM_REFS …) are flattened to
comma-joined text, enumerated/integer attributes that GDAL had to widen to floats (because some
features lack them) become nullable integers, and soundings come one point per sounding with
their DEPTH. A GDAL failure becomes a `CorruptCellError` naming the cell (and the record where
GDAL says it). GDAL's warnings (e.g. an attribute the catalogue does not bind to a class) are
logged on the `enc_chart.reader` logger.

May import: `enc_chart.*`, pyogrio, geopandas, pandas, numpy.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import pyogrio.raw
import shapely

from enc_chart.catalogue import attribute, configure_gdal
from enc_chart.cell import Cell, CellInfo
from enc_chart.errors import ChartInputError, CorruptCellError
from enc_chart.exchange_set import CheckedCell, cell_files, check_cell

log = logging.getLogger(__name__)

#: GDAL's S-57 open options, as the shared conventions of issue 4 fix them.
OPEN_OPTIONS = {
    "UPDATES": "APPLY",
    "SPLIT_MULTIPOINT": "ON",
    "ADD_SOUNDG_DEPTH": "ON",
    "LNAM_REFS": "ON",
    "RETURN_PRIMITIVES": "OFF",
    "RECODE_BY_DSSI": "ON",
}
#: Layers GDAL adds that are not object classes.
_NOT_CLASSES = frozenset({"DSID"})
_RECORD = re.compile(r"RCID[= ](\d+)|record[ #]*(\d+)", re.IGNORECASE)
_INTEGER_TYPES = frozenset({"E", "I"})


def read_cell(path: Path, *, apply_updates: bool = True) -> Cell:
    """The cell whose base file is `path` (`NAME.000`), its update files applied in order.

    The update sequence and every file's structure are checked; catalogue checksums are not (the
    importer checks them: `exchange_set.check_cell`), so a validator can still read such a cell.
    """
    path = Path(path)
    if path.suffix != ".000" or not path.is_file():
        raise ChartInputError(f"不是 S-57 基础单元文件（.000）/ not an S-57 base cell file (.000): {path}")
    checked = check_cell(cell_files(path), apply_updates=apply_updates, verify_crc=False)
    return read_checked(checked, apply_updates=apply_updates)


def read_checked(checked: CheckedCell, *, apply_updates: bool = True) -> Cell:
    """Read a cell whose files `exchange_set.check_cell` has already checked."""
    configure_gdal()
    files = checked.files
    options = dict(OPEN_OPTIONS, UPDATES="APPLY" if apply_updates else "IGNORE")
    layers: dict[str, gpd.GeoDataFrame] = {}
    with _gdal_errors(files.name, files.base):
        for name, _geometry in _list_layers(files.base, options):
            name = str(name)
            if name in _NOT_CLASSES:
                continue
            frame = _read_layer(files.base, name, options)
            if len(frame):
                layers[name] = frame
    if "Generic" in layers:
        log.warning("%s: %d features of object classes missing from the catalogue went to GDAL's Generic layer",
                    files.name, len(layers["Generic"]))
    last = checked.last
    info = CellInfo(
        name=files.name, edition=checked.base.edition, update=last.update if checked.updates else 0,
        issue_date=last.issue_date, edition_date=checked.base.update_date, agency=checked.base.agency,
        path=files.base, updates_applied=tuple(p.name for p in files.updates[:len(checked.updates)]))
    return Cell(info=info, layers=layers)


def _list_layers(base: Path, options: dict[str, str]) -> list[tuple[str, str]]:
    """The classes GDAL finds with these open options (`list_layers` takes none: they go through the
    driver's `OGR_S57_OPTIONS` configuration option, restored afterwards)."""
    previous = pyogrio.get_gdal_config_option("OGR_S57_OPTIONS")
    pyogrio.set_gdal_config_options({"OGR_S57_OPTIONS": ",".join(f"{k}={v}" for k, v in options.items())})
    try:
        return [(str(name), str(kind)) for name, kind in pyogrio.list_layers(base)]
    finally:
        pyogrio.set_gdal_config_options({"OGR_S57_OPTIONS": previous})


def _read_layer(base: Path, name: str, options: dict[str, str]) -> gpd.GeoDataFrame:
    meta, _, wkbs, values = pyogrio.raw.read(base, layer=name, **options)
    columns: dict[str, Any] = {}
    for column, dtype, data in zip(meta["fields"], meta["dtypes"], values, strict=True):
        if str(dtype).startswith("list"):  # COLOUR, CATBRG, LNAM_REFS …: "3,4,3,4"
            columns[column] = np.array([_flatten(v) for v in data], dtype=object)
        elif data.dtype.kind == "f" and _integer_attribute(column):
            columns[column] = _nullable_integers(pd.Series(data))
        else:
            columns[column] = data
    if wkbs is None:  # a class without geometry (C_AGGR, tisdge …)
        geometries = np.full(len(values[0]) if values else 0, None, dtype=object)
    else:
        geometries = shapely.from_wkb(wkbs, on_invalid="ignore")
        unreadable = int(np.count_nonzero(pd.isna(geometries) & pd.notna(np.asarray(wkbs, dtype=object))))
        if unreadable:  # e.g. an unclosed ring: GEOS refuses it; the validator reports such features
            log.warning("%s: %d %s geometries GEOS cannot read were left empty", base.name, unreadable, name)
    return gpd.GeoDataFrame(columns, geometry=geometries, crs="EPSG:4326")


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def _flatten(value: Any) -> str | None:
    """GDAL's list value → "3,1"; an empty list or a missing value → None."""
    if not _is_list(value):
        return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    parts = [str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer() else str(v) for v in value]
    return ",".join(parts) if parts else None


def _integer_attribute(column: str) -> bool:
    spec = attribute(column)
    return spec is not None and spec.type in _INTEGER_TYPES


def _nullable_integers(values: pd.Series) -> pd.Series:
    finite = values.dropna()
    if not (finite == finite.round()).all():
        return values  # not whole numbers after all: keep what GDAL gave
    return values.astype("Int64")


@contextmanager
def _gdal_errors(name: str, base: Path) -> Iterator[None]:
    """GDAL failures → `CorruptCellError` naming the cell; GDAL warnings → the log (each once)."""
    seen: set[str] = set()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
                pyogrio.errors.GeometryError, pyogrio.errors.CRSError) as exc:
            text = str(exc).strip()
            match = _RECORD.search(text)
            record = int(next(g for g in match.groups() if g)) if match else None
            where_zh = f"（第 {record} 条记录）" if record is not None else ""
            where_en = f" (record {record})" if record is not None else ""
            raise CorruptCellError(f"GDAL 无法读取海图单元 {name}{where_zh}：{text} / GDAL cannot read cell {name}"
                                   f"{where_en}: {text}", path=base, record=record) from exc
    for warning in caught:
        message = str(warning.message)
        if message not in seen:
            seen.add(message)
            log.warning("%s: %s", name, message)
