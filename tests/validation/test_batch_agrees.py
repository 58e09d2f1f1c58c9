"""The vectorized import checks accept and reject exactly what the per-row rules do."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.errors import InvalidFeature
from layers.model import CodeListEntry, FieldSpec, FieldType, GeometryType, LayerDefinition
from layers.validation import check_geometry, coerce_value
from layers.validation.batch import check_column, check_geometries

SPECS = [
    FieldSpec(name="text", type=FieldType.STRING, title_zh="文本", max_length=6),
    FieldSpec(name="code", type=FieldType.STRING, title_zh="代码",
              enum=(CodeListEntry(code="a", label_zh="甲"), CodeListEntry(code="1", label_zh="一"))),
    FieldSpec(name="count", type=FieldType.INTEGER, title_zh="数量", minimum=-5, maximum=10**12),
    FieldSpec(name="ratio", type=FieldType.NUMBER, title_zh="比例", maximum=100.0),
    FieldSpec(name="flag", type=FieldType.BOOLEAN, title_zh="标志"),
    FieldSpec(name="day", type=FieldType.DATE, title_zh="日期"),
    FieldSpec(name="moment", type=FieldType.DATETIME, title_zh="时间"),
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["a", "1", " 7 ", "是", "否", "true", "2024-05-01", "0343-01-01", "2024-05-01T08:00:00",
                     "a\x00b", "1e3", "  ", "", "9223372036854775808", "-3", "1.0"]),
)


def _per_row(spec: FieldSpec, value: object) -> tuple[bool, object]:
    if value is None or (isinstance(value, float) and value != value):
        return True, None
    if isinstance(value, str) and not value.strip():
        return True, None  # imports read a blank cell as no value
    try:
        return True, coerce_value(spec, value)
    except InvalidFeature:
        return False, None


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
@settings(max_examples=150, deadline=None, derandomize=True)
@given(values=st.lists(scalars, min_size=1, max_size=12))
def test_column_checks_agree_with_the_rules(spec: FieldSpec, values: list[object]) -> None:
    column = np.empty(len(values), dtype=object)
    column[:] = values
    checked = check_column(spec, column)
    for i, value in enumerate(values):
        accepted, expected = _per_row(spec, value)
        assert (i not in checked.errors) == accepted, (value, checked.errors.get(i))
        if accepted:
            assert checked.values[i] == expected, value


def test_typed_columns_agree_with_the_rules() -> None:
    ints = np.array([0, 3, -6, 10**12 + 1, 7], dtype=np.int64)
    floats = np.array([1.5, np.nan, 2.0, np.inf, 101.0])
    for spec in SPECS:
        for column in (ints, floats):
            checked = check_column(spec, column)
            for i, value in enumerate(column.tolist()):
                accepted, expected = _per_row(spec, value)
                assert (i not in checked.errors) == accepted, (spec.name, value)
                if accepted:
                    assert checked.values[i] == expected


LAYER = LayerDefinition(id="areas", title_zh="区域", title_en="Areas", domain="base", catalogue_code="T-1",
                        geometry_type=GeometryType.MULTIPOLYGON, valid_extent=(120.0, 40.0, 132.0, 47.0))


def test_geometry_checks_agree_with_the_rules() -> None:
    geometries = np.array([
        shapely.box(125, 43, 126, 44),
        shapely.from_wkt("POLYGON((125 43, 126 44, 126 43, 125 44, 125 43))"),  # bow-tie
        shapely.box(10, 43, 11, 44),  # outside the extent
        shapely.Point(125, 43),  # wrong type
        shapely.from_wkt("POLYGON EMPTY"),
        shapely.multipolygons([shapely.box(125, 43, 126, 44), shapely.box(127, 43, 128, 44)]),
        shapely.from_wkt("POLYGON Z ((125 43 1, 126 43 1, 126 44 1, 125 43 1))"),
        None,
    ], dtype=object)
    checked, errors = check_geometries(LAYER, geometries)
    for i, geometry in enumerate(geometries):
        if geometry is None:
            assert i in errors
            continue
        try:
            expected = check_geometry(LAYER, geometry)
        except InvalidFeature:
            assert i in errors
        else:
            assert i not in errors
            assert shapely.equals(checked[i], expected) and checked[i].geom_type == expected.geom_type
