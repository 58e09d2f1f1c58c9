"""Validated CQL2 JSON (from `layers.filters.parse.parse_filter`) → a SQLAlchemy Core boolean expression.

One translator serves every store: what differs between databases goes through the store's
`SqlDialect` (spatial predicates, distance, time values). Every literal reaches the database as a
bound parameter, typed like the column it is compared with. Semantics:

- comparisons follow SQL three-valued logic (``a <> 'x'`` does not match rows where ``a`` is NULL);
- LIKE uses the CQL2 wildcards ``%`` and ``_`` with ``\\`` as escape and is case-sensitive on every
  database (SQLite's own LIKE ignores ASCII case, so there the pattern is run as GLOB);
- CASEI lower-cases both sides with the database's ``lower()``;
- time values follow `layers.filters.temporal` (a date on a datetime column is its whole day in
  China time), bound through `SqlDialect.time_value`;
- spatial predicates, S_DWITHIN distances (metres) and their index prefilters are the dialect's;
- the feature id is ``columns["fid"]`` or, failing that, the ``fid`` column of the geometry's table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from layers.errors import InvalidFeature, InvalidQuery
from layers.filters import temporal
from layers.filters.dialect import SPATIAL_OPERATORS, SqlDialect
from layers.filters.geometry_literals import storage_geometry
from layers.model import FieldSpec, FieldType, LayerDefinition
from layers.validation import INT64_MAX, INT64_MIN, coerce_value

_SPATIAL = frozenset(SPATIAL_OPERATORS)
_TIME = frozenset({FieldType.DATE, FieldType.DATETIME})
#: Property names in normalised CQL2 JSON for the feature id and the geometry.
FID = "fid"
GEOMETRY = "geometry"
FID_SPEC = FieldSpec.model_construct(name=FID, type=FieldType.INTEGER, title_zh="要素标识")


def _error(message: str) -> InvalidQuery:
    return InvalidQuery(message, parameter="filter")


def cql_to_sql(expr: dict[str, Any], layer: LayerDefinition, columns: Mapping[str, ColumnElement[Any]],
               geometry: ColumnElement[Any], dialect: SqlDialect) -> ColumnElement[bool]:
    """Translate a `parse_filter` result. `columns` maps field names and ``fid`` to columns.

    An expression that is not `parse_filter` output raises InvalidQuery, never a bare library error.
    """
    try:
        return _Translator(layer, columns, geometry, dialect).predicate(expr)
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
        raise _error(f"过滤条件无法翻译为 SQL / cannot translate filter to SQL: {exc!r}") from exc


# -- literal values -------------------------------------------------------------------------------------

def _plain(spec: FieldSpec) -> FieldSpec:
    """The field's type without its value rules: a filter may compare with any value of the type."""
    return spec.model_copy(update={"enum": None, "minimum": None, "maximum": None, "max_length": None})


def coerce_literal(spec: FieldSpec, value: Any) -> Any:
    """A scalar literal → the field's Python type (via `coerce_value`); wrong type → InvalidQuery.

    Integer fields also take non-whole numbers (``lanes > 1.5``); string fields take numbers
    (``code = 102`` is ``code = '102'``).
    """
    if value is None or isinstance(value, dict | list):
        raise _error(f"字段 {spec.name} 需要 {spec.type.value} 类型的值 / field {spec.name!r} needs a "
                     f"{spec.type.value} value, got {json.dumps(value, ensure_ascii=False)}")
    if spec.type is FieldType.STRING and isinstance(value, float) and value.is_integer():
        value = int(value)
    if spec.type is FieldType.INTEGER and not isinstance(value, bool):
        number = _as_number(spec, value)
        # Whole numbers within 64 bits compare as integers; anything else (1.5, 1e23) as a float.
        return int(number) if number.is_integer() and INT64_MIN <= number <= INT64_MAX else number
    if spec.type is FieldType.NUMBER and not isinstance(value, bool):
        return _as_number(spec, value)
    try:
        return coerce_value(_plain(spec), value)
    except InvalidFeature as exc:
        raise _error(f"过滤条件中{exc.message}") from exc


def _as_number(spec: FieldSpec, value: Any) -> float:
    try:
        return float(coerce_value(_plain(spec.model_copy(update={"type": FieldType.NUMBER})), value))
    except InvalidFeature as exc:
        shown = json.dumps(value, ensure_ascii=False)
        raise _error(f"字段 {spec.name}（{spec.title_zh}）是数值型，{shown} 不是数值"
                     f" / field {spec.name!r} is numeric; {value!r} is not a number") from exc


class CqlLike(ColumnElement[bool]):
    """``operand LIKE pattern ESCAPE '\\'``, case-sensitive on every database (GLOB on SQLite)."""

    __visit_name__ = "cql_like"
    inherit_cache = True
    type = sa.Boolean()
    _traverse_internals = [  # noqa: RUF012 — SQLAlchemy's own declaration style
        ("operand", InternalTraversal.dp_clauseelement),
        ("like_pattern", InternalTraversal.dp_clauseelement),
        ("glob_pattern", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, operand: ColumnElement[Any], like_pattern: ColumnElement[Any],
                 glob_pattern: ColumnElement[Any]) -> None:
        self.operand = operand
        self.like_pattern = like_pattern
        self.glob_pattern = glob_pattern


@compiles(CqlLike)
def _compile_like(element: CqlLike, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.operand.like(element.like_pattern, escape="\\"), **kw)


@compiles(CqlLike, "sqlite")
def _compile_like_sqlite(element: CqlLike, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.operand.op("GLOB", is_comparison=True)(element.glob_pattern), **kw)


def like_to_glob(pattern: str) -> str:
    """A CQL2 LIKE pattern (``%``, ``_``, escape ``\\``) → the equivalent SQLite GLOB pattern."""
    out: list[str] = []
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            out.append(_glob_literal(next(chars, "\\")))
        elif ch == "%":
            out.append("*")
        elif ch == "_":
            out.append("?")
        else:
            out.append(_glob_literal(ch))
    return "".join(out)


def _glob_literal(ch: str) -> str:
    return f"[{ch}]" if ch in "*?[" else ch


def _bind(value: Any, column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A bound literal, typed like `column` when the value is of the column's Python type."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        python_type = None
    if python_type is not None and isinstance(value, python_type) and (
        python_type is bool or not isinstance(value, bool)
    ):
        return sa.literal(value, type_=column.type)
    return sa.literal(value)


class _Translator:
    def __init__(self, layer: LayerDefinition, columns: Mapping[str, ColumnElement[Any]],
                 geometry: ColumnElement[Any], dialect: SqlDialect) -> None:
        self.layer = layer
        self.columns = columns
        self.geometry = geometry
        self.dialect = dialect

    def predicate(self, node: Any) -> ColumnElement[bool]:
        if isinstance(node, bool):
            return sa.true() if node else sa.false()
        if not isinstance(node, dict) or "op" not in node:
            raise _error(f"无法翻译的过滤条件 / cannot translate filter node {node!r:.80}")
        op, args = node["op"], node.get("args", [])
        if op == "and":
            return sa.and_(*(self.predicate(a) for a in args))
        if op == "or":
            return sa.or_(*(self.predicate(a) for a in args))
        if op == "not":
            return sa.not_(self.predicate(args[0]))
        if op == "isNull":
            return self._column(args[0])[0].is_(None)
        if op == "s_dwithin":
            return self.dialect.dwithin(self._geometry(args[0]), storage_geometry(args[1]), float(args[2]))
        if op in _SPATIAL:
            return self.dialect.spatial(op, self._geometry(args[0]), storage_geometry(args[1]))
        if op.startswith("t_") or op in ("=", "<>", "<", "<=", ">", ">=", "in", "between"):
            return self._compare(op, args)
        if op == "like":
            return self._like(args)
        raise _error(f"不支持的运算符 {op} / operator {op!r} is not supported")

    # operands --------------------------------------------------------------------------------
    def _column(self, node: Any) -> tuple[ColumnElement[Any], FieldSpec | None]:
        """A property (or CASEI(property)) → its column expression and field (None: the geometry)."""
        casei = _is_casei(node)
        inner = node["args"][0] if casei else node
        name = inner.get("property") if isinstance(inner, dict) else None
        if name == GEOMETRY and not casei:
            return self.geometry, None
        spec = FID_SPEC if name == FID else self.layer.field(name) if isinstance(name, str) else None
        column = self.columns.get(name) if isinstance(name, str) else None
        if column is None and name == FID:
            column = _table_column(self.geometry, FID)
        if spec is None or column is None:
            raise _error(f"图层 {self.layer.id} 没有可查询属性 {name} / unknown property {name!r}")
        return (sa.func.lower(column) if casei else column), spec

    def _field(self, node: Any) -> tuple[ColumnElement[Any], FieldSpec]:
        column, spec = self._column(node)
        if spec is None:
            raise _error("几何属性只能用于空间运算符 / the geometry property is for spatial operators only")
        return column, spec

    def _geometry(self, node: Any) -> ColumnElement[Any]:
        if node != {"property": GEOMETRY}:
            raise _error("空间运算符只能用于几何属性 / spatial operators apply to the geometry property")
        return self.geometry

    def _value(self, node: Any, spec: FieldSpec, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """A scalar literal (or CASEI(literal)) or another property, bound like `column`."""
        if _is_property(node):
            return self._field(node)[0]
        if _is_casei(node):
            return sa.func.lower(_bind(coerce_literal(spec, node["args"][0]), column))
        return _bind(coerce_literal(spec, node), column)

    def _time(self, value: date, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return _bind(self.dialect.time_value(value), column)

    # predicates ------------------------------------------------------------------------------
    def _like(self, args: list[Any]) -> ColumnElement[bool]:
        column, _ = self._field(args[0])
        pattern = args[1]
        casei = _is_casei(pattern)
        text = pattern["args"][0] if casei else pattern
        if not isinstance(text, str):
            raise _error("LIKE 的模式必须是文本 / the LIKE pattern must be a string")
        like, glob = sa.literal(text, sa.String()), sa.literal(like_to_glob(text), sa.String())
        if casei:
            like, glob = sa.func.lower(like), sa.func.lower(glob)
        return CqlLike(column, like, glob)

    def _compare(self, op: str, args: list[Any]) -> ColumnElement[bool]:
        column, spec = self._field(args[0])
        if spec.type in _TIME and not _is_property(args[1]):
            return self._time_compare(op, column, spec.type, args[1:])
        if op == "in":
            return column.in_([self._value(v, spec, column) for v in args[1]])
        if op == "between":
            return column.between(self._value(args[1], spec, column), self._value(args[2], spec, column))
        other = self._value(args[1], spec, column)
        operators = {"=": column.__eq__, "<>": column.__ne__, "<": column.__lt__, "<=": column.__le__,
                     ">": column.__gt__, ">=": column.__ge__}
        if op not in operators:
            raise _error(f"不支持的运算符 {op} / operator {op!r} is not supported here")
        return operators[op](other)

    def _time_compare(self, op: str, column: ColumnElement[Any], kind: FieldType, values: list[Any]
                      ) -> ColumnElement[bool]:
        if op == "in":
            return sa.or_(*(self._time_compare("=", column, kind, [v]) for v in values[0]))
        if op == "between":
            low = temporal.bounds(_literal(values[0]), kind)
            high = temporal.bounds(_literal(values[1]), kind)
            parts = [p for p in (self._at_least(column, low), self._at_most(column, high)) if p is not None]
            return sa.and_(*parts) if parts else column.is_not(None)
        b = temporal.bounds(_literal(values[0]), kind)
        if op in ("=", "t_intersects", "t_equals"):
            parts = [p for p in (self._at_least(column, b), self._at_most(column, b)) if p is not None]
            return sa.and_(*parts) if parts else column.is_not(None)
        if op in ("<>", "t_disjoint"):
            parts = [p for p in (self._before(column, b), self._after(column, b)) if p is not None]
            return sa.or_(*parts) if parts else sa.false()
        if op in ("<", "t_before"):
            return _or_false(self._before(column, b))
        if op in (">", "t_after"):
            return _or_false(self._after(column, b))
        if op == "<=":
            return _or_true(self._at_most(column, b), column)
        if op == ">=":
            return _or_true(self._at_least(column, b), column)
        if op == "t_during":
            parts = [column > self._time(b.start, column)] if b.start is not None else []
            if b.end is not None:
                parts.append(column < self._time(b.end, column))
            return sa.and_(*parts) if parts else column.is_not(None)
        raise _error(f"不支持的时间运算符 {op} / temporal operator {op!r} is not supported")

    def _at_least(self, column: ColumnElement[Any], b: temporal.Bounds) -> ColumnElement[bool] | None:
        return None if b.start is None else column >= self._time(b.start, column)

    def _at_most(self, column: ColumnElement[Any], b: temporal.Bounds) -> ColumnElement[bool] | None:
        if b.end is None:
            return None
        bound = self._time(b.end, column)
        return column <= bound if b.end_inclusive else column < bound

    def _before(self, column: ColumnElement[Any], b: temporal.Bounds) -> ColumnElement[bool] | None:
        return None if b.start is None else column < self._time(b.start, column)

    def _after(self, column: ColumnElement[Any], b: temporal.Bounds) -> ColumnElement[bool] | None:
        if b.end is None:
            return None
        bound = self._time(b.end, column)
        return column > bound if b.end_inclusive else column >= bound


def _table_column(column: ColumnElement[Any], name: str) -> ColumnElement[Any] | None:
    table = getattr(column, "table", None)
    found = getattr(table, "c", None)
    return None if found is None else found.get(name)


def _is_casei(node: Any) -> bool:
    return isinstance(node, dict) and node.get("op") == "casei" and len(node.get("args", ())) == 1


def _is_property(node: Any) -> bool:
    """A property or CASEI(property)."""
    if _is_casei(node):
        node = node["args"][0]
    return isinstance(node, dict) and "property" in node


def _literal(node: Any) -> dict[str, Any]:
    return temporal.normalize_literal(node, allow_interval=True)


def _or_false(expr: ColumnElement[bool] | None) -> ColumnElement[bool]:
    return sa.false() if expr is None else expr


def _or_true(expr: ColumnElement[bool] | None, column: ColumnElement[Any]) -> ColumnElement[bool]:
    return column.is_not(None) if expr is None else expr


__all__ = ["FID", "FID_SPEC", "GEOMETRY", "CqlLike", "coerce_literal", "cql_to_sql", "like_to_glob"]
