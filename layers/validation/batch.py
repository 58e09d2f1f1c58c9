"""Whole-batch validation for imports: the rules of `rules.py`, vectorized.

Every rule of `check_geometry` and `coerce_value` is first applied to whole arrays with
shapely/numpy/pandas; only the rows a vectorized test flags (and values of unusual types) go
through the per-row functions of `layers.validation`, which then decide and word the reason.
So an import accepts and rejects exactly what the Features API would, at array speed.

Import-specific rule: a blank text cell (empty or only spaces) counts as no value (null).
A vectorized test may only *flag* a row for the per-row rules, never accept what they would
refuse: `tests/validation/test_batch_agrees.py` checks the two against each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from layers.errors import InvalidFeature
from layers.model import FieldSpec, FieldType, LayerDefinition
from layers.validation.rules import check_geometry, coerce_value

ObjectArray = npt.NDArray[np.object_]
BoolArray = npt.NDArray[np.bool_]

_TYPE_IDS = {"Point": 0, "LineString": 1, "Polygon": 3, "MultiPoint": 4, "MultiLineString": 5, "MultiPolygon": 6}
_PROMOTE = {"MultiPoint": (0, shapely.multipoints), "MultiLineString": (1, shapely.multilinestrings),
            "MultiPolygon": (3, shapely.multipolygons)}
_BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "是": True, "t": True, "y": True,
                  "false": False, "0": False, "no": False, "否": False, "f": False, "n": False}
_INTEGER_TEXT = r"\s*[+-]?[0-9]{1,18}\s*"
MISSING_GEOMETRY = "缺少几何对象 / geometry missing"


@dataclass(slots=True)
class CheckedColumn:
    """Coerced values (None for null and for rejected rows) and the reason per rejected row offset."""

    values: ObjectArray
    errors: dict[int, str]


def check_geometries(layer: LayerDefinition, geometries: ObjectArray) -> tuple[ObjectArray, dict[int, str]]:
    """Geometries in EPSG:4490 → (checked and promoted geometries, reason per rejected offset)."""
    geoms = np.array(geometries, dtype=object, copy=True)
    missing = pd.isna(geoms)
    type_ids = shapely.get_type_id(geoms)
    flagged = ~missing & ~np.isin(type_ids, [_TYPE_IDS[t] for t in layer.geometry_type.accepts])
    flagged |= ~missing & shapely.is_empty(geoms)
    if shapely.has_z(geoms).any():
        geoms = np.asarray(shapely.force_2d(geoms), dtype=object)
    coords, owners = shapely.get_coordinates(geoms, return_index=True)
    flagged[np.unique(owners[~np.isfinite(coords).all(axis=1)])] = True
    areal = ~missing & ~flagged & ~np.isin(type_ids, [0, 4])
    if areal.any():
        flagged[areal] = ~shapely.is_valid(geoms[areal])
    bounds = shapely.bounds(geoms)
    minx, miny, maxx, maxy = layer.valid_extent
    with np.errstate(invalid="ignore"):
        flagged |= ((bounds[:, 0] < minx) | (bounds[:, 1] < miny) | (bounds[:, 2] > maxx) | (bounds[:, 3] > maxy))
    errors: dict[int, str] = {int(i): MISSING_GEOMETRY for i in np.flatnonzero(missing)}
    for i in np.flatnonzero(flagged & ~missing).tolist():
        try:
            geoms[i] = check_geometry(layer, geoms[i])
        except InvalidFeature as exc:
            errors[i] = exc.message
            geoms[i] = None
    promote = _PROMOTE.get(layer.geometry_type.value)
    if promote is not None:
        single_id, build = promote
        rows = np.flatnonzero((type_ids == single_id) & ~missing & ~flagged)
        if rows.size:
            geoms[rows] = np.asarray(build(geoms[rows], indices=np.arange(rows.size)), dtype=object)
    return geoms, errors


def check_column(spec: FieldSpec, raw: np.ndarray) -> CheckedColumn:
    """One source column coerced to a field: vectorized where the data allow, per row otherwise."""
    kind, dense, nulls = _canonical(raw)
    values, ok = _FAST[spec.type](kind, dense, nulls)
    ok = ok & ~nulls
    ok = ok & ~_constraint_violations(spec, values, ok)
    values[~ok] = None
    errors: dict[int, str] = {}
    for i in np.flatnonzero(~ok & ~nulls).tolist():
        try:
            values[i] = coerce_value(spec, raw[i])
        except InvalidFeature as exc:
            errors[i] = exc.message
    return CheckedColumn(values, errors)


def required_missing(spec: FieldSpec) -> str:
    return f"缺少必填字段 {spec.name}（{spec.title_zh}）/ missing required field {spec.name!r}"


def _canonical(raw: np.ndarray) -> tuple[str, np.ndarray, BoolArray]:
    """(kind, values, null mask): kind is int/float/bool/str/other; nulls include blank text."""
    size = len(raw)
    if raw.dtype.kind in "iu":
        return "int", raw, np.zeros(size, dtype=bool)
    if raw.dtype.kind == "f":
        return "float", raw, np.isnan(raw)
    if raw.dtype.kind == "b":
        return "bool", raw, np.zeros(size, dtype=bool)
    if raw.dtype.kind != "O":
        return "other", np.array(raw.tolist(), dtype=object), np.asarray(pd.isna(raw))
    nulls = np.asarray(pd.isna(raw)) | np.fromiter(
        (isinstance(v, str) and not v.strip() for v in raw.tolist()), dtype=bool, count=size)
    inferred = pd.api.types.infer_dtype(raw[~nulls], skipna=True)
    if inferred in ("string", "empty"):
        return "str", raw, nulls
    typed = {"integer": np.int64, "boolean": bool, "floating": np.float64, "mixed-integer-float": np.float64}
    if inferred in typed:
        filled = raw.copy()
        filled[nulls] = 0
        try:
            return _kind_of(typed[inferred]), filled.astype(typed[inferred]), nulls
        except (OverflowError, TypeError, ValueError):
            pass
    return "other", raw, nulls


def _kind_of(dtype: type) -> str:
    return {np.int64: "int", bool: "bool", np.float64: "float"}[dtype]


def _objects(values: list[Any]) -> ObjectArray:
    result = np.empty(len(values), dtype=object)
    result[:] = values
    return result


def _none(size: int) -> tuple[ObjectArray, BoolArray]:
    return np.full(size, None, dtype=object), np.zeros(size, dtype=bool)


def _fast_string(kind: str, dense: np.ndarray, nulls: BoolArray) -> tuple[ObjectArray, BoolArray]:
    if kind == "str":
        ok = ~pd.Series(dense, dtype=object).str.contains("\x00", regex=False).fillna(False).to_numpy(dtype=bool)
        return np.array(dense, dtype=object, copy=True), ok
    if kind in ("int", "float"):
        return _objects([str(v) for v in dense.tolist()]), np.ones(len(dense), dtype=bool)
    return _none(len(dense))


def _fast_integer(kind: str, dense: np.ndarray, nulls: BoolArray) -> tuple[ObjectArray, BoolArray]:
    if kind == "int":
        return _objects(dense.tolist()), np.ones(len(dense), dtype=bool)
    if kind == "float":
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(dense) & (dense == np.floor(dense)) & (np.abs(dense) < 2.0**62)
        return _objects(np.where(ok, dense, 0).astype(np.int64).tolist()), ok
    if kind == "str":
        text = pd.Series(dense, dtype=object)
        ok = text.str.fullmatch(_INTEGER_TEXT).fillna(False).to_numpy(dtype=bool)
        parsed = pd.to_numeric(text.where(ok, "0").str.strip(), errors="coerce").fillna(0).astype(np.int64)
        return _objects(parsed.tolist()), ok
    return _none(len(dense))


def _fast_number(kind: str, dense: np.ndarray, nulls: BoolArray) -> tuple[ObjectArray, BoolArray]:
    if kind in ("int", "float"):
        numbers = dense.astype(np.float64)
    elif kind == "str":
        numbers = pd.to_numeric(pd.Series(dense, dtype=object).where(~nulls, None), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan)
    else:
        return _none(len(dense))
    ok = np.isfinite(numbers)
    return _objects(np.where(ok, numbers, 0.0).tolist()), ok


def _fast_boolean(kind: str, dense: np.ndarray, nulls: BoolArray) -> tuple[ObjectArray, BoolArray]:
    if kind == "bool":
        return _objects(dense.tolist()), np.ones(len(dense), dtype=bool)
    if kind == "int":
        ok = (dense == 0) | (dense == 1)
        return _objects((dense == 1).tolist()), ok
    if kind == "str":
        mapped = pd.Series(dense, dtype=object).where(~nulls, "").str.strip().str.lower().map(_BOOLEAN_WORDS)
        ok = mapped.notna().to_numpy(dtype=bool)
        return _objects(mapped.where(ok, False).astype(bool).tolist()), ok
    return _none(len(dense))


def _slow(kind: str, dense: np.ndarray, nulls: BoolArray) -> tuple[ObjectArray, BoolArray]:
    return _none(len(dense))


_FAST = {
    FieldType.STRING: _fast_string,
    FieldType.INTEGER: _fast_integer,
    FieldType.NUMBER: _fast_number,
    FieldType.BOOLEAN: _fast_boolean,
    FieldType.DATE: _slow,
    FieldType.DATETIME: _slow,
}


def _constraint_violations(spec: FieldSpec, values: ObjectArray, ok: BoolArray) -> BoolArray:
    """Rows whose coerced value breaks max_length, the code list, minimum or maximum."""
    flagged = np.zeros(len(values), dtype=bool)
    if not ok.any():
        return flagged
    rows = np.flatnonzero(ok)
    present = pd.Series(values[rows], dtype=object)
    if spec.max_length is not None and spec.type is FieldType.STRING:
        flagged[rows] |= (present.str.len() > spec.max_length).to_numpy(dtype=bool)
    codes = spec.enum_codes()
    if codes is not None:
        flagged[rows] |= ~present.astype(str).isin(codes).to_numpy(dtype=bool)
    if spec.type in (FieldType.INTEGER, FieldType.NUMBER) and (spec.minimum is not None or spec.maximum is not None):
        numbers = present.astype(np.float64).to_numpy()
        if spec.minimum is not None:
            flagged[rows] |= numbers < spec.minimum
        if spec.maximum is not None:
            flagged[rows] |= numbers > spec.maximum
    return flagged
