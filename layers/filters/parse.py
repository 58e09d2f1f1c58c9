"""OGC API – Features Part 3 filters: CQL2 text or CQL2 JSON → validated, normalised CQL2 JSON.

`parse_filter` is the only entry point. Syntax is read by the `cql2` package; this module then
checks the expression against a layer and returns CQL2 JSON that `layers.filters.to_sql`
translates. Every problem raises `InvalidQuery` (parameter ``filter``, ``filter-lang`` or
``filter-crs``); no other exception escapes.

The returned dict is plain JSON (valid CQL2 JSON), normalised so that:

- operator names are lower case (``isNull`` keeps its spelling; ``DWITHIN`` → ``s_dwithin``);
- the property comes first (``5 < lanes`` → ``lanes > 5``; ``S_WITHIN(lit, geom)`` →
  ``s_contains``; ``T_AFTER(lit, d)`` → ``t_before``);
- property names are field names, ``fid`` for the feature id (``id``/``fid``) and ``geometry``
  for the geometry (``geometry``/``geom``);
- scalar literals have the field's type (int, float, str, bool) — see `to_sql.coerce_literal`;
- time literals are normalised by `layers.filters.temporal` (UTC timestamps, dates, intervals);
- geometry literals are GeoJSON in the storage CRS, EPSG:4490 longitude/latitude; a BBOX
  becomes a Polygon (`layers.filters.geometry_literals`);
- S_DWITHIN is ``[geometry, literal, distance_in_metres, "meters"]``;
- a bare boolean property ``flag`` becomes ``flag = true``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cql2

from layers.crs import ServedCrs, served_crs
from layers.errors import InvalidQuery
from layers.filters import geometry_literals as geo
from layers.filters import temporal
from layers.filters.dialect import SPATIAL_OPERATORS
from layers.filters.to_sql import FID, FID_SPEC, GEOMETRY, coerce_literal
from layers.model import FieldSpec, FieldType, LayerDefinition

#: Longest filter accepted, in characters. The `cql2` text parser recurses once per nesting level.
MAX_TEXT_LENGTH = 16 * 1024
MAX_JSON_LENGTH = 256 * 1024
#: Deepest nesting of conditions (AND/OR/NOT) accepted.
MAX_DEPTH = 64
#: Stack for the parser thread: enough for any nesting `MAX_TEXT_LENGTH` characters can spell
#: (an overflow inside the Rust parser kills the process rather than raising). Where no such
#: thread can be made, filters up to `_INLINE_TEXT_LENGTH` characters are parsed on the caller's stack.
_PARSER_STACK_BYTES = 128 * 1024 * 1024
_INLINE_TEXT_LENGTH = 2048

_GEOMETRY_NAMES = frozenset({"geometry", "geom"})
_ID_NAMES = frozenset({"id", "fid"})

COMPARISONS = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}  # op → swapped op
SPATIAL = {op: op for op in SPATIAL_OPERATORS} | {"s_within": "s_contains", "s_contains": "s_within"}
TEMPORAL = {"t_intersects": "t_intersects", "t_equals": "t_equals", "t_disjoint": "t_disjoint",
            "t_before": "t_after", "t_after": "t_before", "t_during": None}
_NUMERIC = frozenset({FieldType.INTEGER, FieldType.NUMBER})
_TIME = frozenset({FieldType.DATE, FieldType.DATETIME})
_ALIASES = {"isnull": "isNull", "dwithin": "s_dwithin", "!=": "<>"}
SUPPORTED = ("and", "or", "not", *COMPARISONS, "like", "in", "between", "isNull", *SPATIAL,
             "s_dwithin", *TEMPORAL, "casei")


def _error(message: str) -> InvalidQuery:
    return InvalidQuery(message, parameter="filter")


def parse_filter(text: str, lang: str | None, layer: LayerDefinition, filter_crs: str | None = None
                 ) -> dict[str, Any]:
    """Parse and validate a `filter` for `layer`; see the module docstring for what comes back.

    `lang` is the `filter-lang` parameter (None means ``cql2-text``); `filter_crs` the
    `filter-crs` parameter for geometry literals (None means CRS84).
    """
    try:
        crs = served_crs(filter_crs, "filter-crs")
        raw = _syntax(text, lang)
        result = _Validator(layer, crs).predicate(raw, 0)
    except InvalidQuery:
        raise
    except Exception as exc:  # never let a library error escape as a 500
        raise _error(f"过滤条件无法处理 / cannot process filter: {exc}") from exc
    if isinstance(result, bool):  # a filter that is just TRUE or FALSE
        return {"op": "and", "args": [result]}
    return result


# -- syntax ---------------------------------------------------------------------------------------

def _syntax(text: str, lang: str | None) -> Any:
    language = (lang or "cql2-text").strip().lower()
    if language not in ("cql2-text", "cql2-json"):
        raise InvalidQuery(f"不支持的过滤语言 {lang!r} / unsupported filter-lang {lang!r}; "
                           "use cql2-text or cql2-json", parameter="filter-lang")
    if not isinstance(text, str) or not text.strip():
        raise _error("过滤条件为空 / the filter is empty")
    if language == "cql2-text":
        if len(text) > MAX_TEXT_LENGTH:
            raise _error(f"过滤条件过长 / filter longer than {MAX_TEXT_LENGTH} characters")
        source = temporal.naive_text_times_as_china_time(text)
        try:
            return _on_big_stack(lambda: cql2.parse_text(source).to_json(), len(source))
        except cql2.ParseError as exc:
            raise _error(_text_error(text, str(exc))) from exc
    if len(text) > MAX_JSON_LENGTH:
        raise _error(f"过滤条件过长 / filter longer than {MAX_JSON_LENGTH} characters")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _error(f"CQL2 JSON 语法错误（第 {exc.lineno} 行第 {exc.colno} 列）/ CQL2 JSON syntax error "
                     f"at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    except RecursionError as exc:
        raise _error("过滤条件嵌套过深 / filter nested too deeply") from exc
    try:
        _on_big_stack(lambda: cql2.parse_json(text), len(text))
    except cql2.ParseError as exc:
        raise _error(f"不是有效的 CQL2 JSON / not a valid CQL2 JSON expression: {exc}") from exc
    # cql2 has checked the structure; its re-serialisation would read naive timestamps as UTC
    return document


_POSITION = re.compile(r"-->\s*(\d+):(\d+)")
_EXPECTED = re.compile(r"^\s*=\s*(.+)$", re.MULTILINE)


def _text_error(text: str, message: str) -> str:
    """cql2's multi-line pest message → one line with line, column and what was expected."""
    position = _POSITION.search(message)
    expected = _EXPECTED.search(message)
    detail = expected.group(1).strip() if expected else message.strip().splitlines()[-1].strip()
    if position is None:
        return f"CQL2 文本语法错误 / CQL2 text syntax error: {detail}"
    line, column = int(position.group(1)), int(position.group(2))
    source = text.splitlines()[line - 1] if line - 1 < len(text.splitlines()) else ""
    near = source[max(0, column - 16): column - 1] + "⟨here⟩" + source[column - 1: column + 15]
    return (f"CQL2 文本语法错误（第 {line} 行第 {column} 列）/ CQL2 text syntax error at line {line}, "
            f"column {column} ({line}:{column}): {detail}; near: {near}")


_stack_lock = threading.Lock()


def _on_big_stack[T](work: Callable[[], T], size: int) -> T:
    """Run `work` on a thread with a large stack (deeply nested input must not crash the process)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=run, name="cql2-parse", daemon=True)
    with _stack_lock:
        try:
            previous = threading.stack_size(_PARSER_STACK_BYTES)
            try:
                worker.start()
            finally:
                threading.stack_size(previous)
        except (ValueError, RuntimeError, MemoryError):  # no big stacks here: parse short input inline
            if size > _INLINE_TEXT_LENGTH:
                raise _error(f"过滤条件过长 / filter longer than {_INLINE_TEXT_LENGTH} characters") from None
            return work()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


# -- validation -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Operand:
    """One argument of a condition, classified."""

    kind: str  # "property", "literal", "time", "geometry", "list", "null"
    value: Any
    spec: FieldSpec | None = None  # for properties; None for the geometry
    casei: bool = False

    def json(self) -> Any:
        node = self.value
        if self.kind == "property":
            node = {"property": self.spec.name if self.spec else GEOMETRY}
        return {"op": "casei", "args": [node]} if self.casei else node


class _Validator:
    def __init__(self, layer: LayerDefinition, crs: ServedCrs) -> None:
        self.layer = layer
        self.crs = crs

    # predicates ------------------------------------------------------------------------------
    def predicate(self, node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _error(f"过滤条件嵌套超过 {MAX_DEPTH} 层 / filter nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, bool):
            return node
        if isinstance(node, dict) and set(node) == {"property"}:
            operand = self.property(node["property"])
            if operand.spec is None or operand.spec.type is not FieldType.BOOLEAN:
                raise _error(f"属性 {node['property']} 不是布尔型，不能单独作为条件 / property "
                             f"{node['property']!r} is not a boolean and cannot stand alone as a condition")
            return {"op": "=", "args": [operand.json(), True]}
        if not isinstance(node, dict) or "op" not in node:
            raise _error(f"过滤条件必须是逻辑条件 / the filter must be a condition, got "
                         f"{json.dumps(node, ensure_ascii=False)[:80]}")
        op = _op_name(node["op"])
        args = node.get("args")
        if not isinstance(args, list):
            raise _error(f"运算符 {op} 缺少参数 / operator {op} needs an args list")
        if op in ("and", "or"):
            if not args:
                raise _error(f"{op.upper()} 至少需要一个条件 / {op.upper()} needs at least one condition")
            return {"op": op, "args": [self.predicate(a, depth + 1) for a in args]}
        if op == "not":
            self._arity(op, args, 1)
            return {"op": "not", "args": [self.predicate(args[0], depth + 1)]}
        handler = {
            "like": self.like, "in": self.in_list, "between": self.between, "isNull": self.is_null,
            "s_dwithin": self.dwithin,
        }.get(op)
        if handler is not None:
            return handler(args)
        if op in COMPARISONS:
            return self.comparison(op, args)
        if op in SPATIAL:
            return self.spatial(op, args)
        if op in TEMPORAL:
            return self.temporal(op, args)
        raise _unsupported(op)

    def comparison(self, op: str, args: list[Any]) -> dict[str, Any]:
        self._arity(op, args, 2)
        left, right = self.operand(args[0]), self.operand(args[1])
        if left.kind != "property" and right.kind == "property":
            left, right, op = right, left, COMPARISONS[op]
        spec = self._field(left, f"比较 {op} / comparison {op}")
        if right.kind == "null":
            raise _error("与 NULL 比较请用 IS NULL / use IS NULL or IS NOT NULL to test for NULL")
        if spec.type is FieldType.BOOLEAN and op not in ("=", "<>"):
            raise _error(f"布尔字段 {spec.name} 只能用 = 或 <> 比较 / boolean field {spec.name!r} "
                         "takes only = and <>")
        if right.kind == "property":
            other = self._field(right, f"比较 {op} / comparison {op}")
            if _family(spec.type) != _family(other.type):
                raise _error(f"字段 {spec.name} 与 {other.name} 类型不同，不能比较 / fields "
                             f"{spec.name!r} ({spec.type.value}) and {other.name!r} ({other.type.value}) "
                             "cannot be compared")
            return {"op": op, "args": [left.json(), right.json()]}
        return {"op": op, "args": [left.json(), self.value_for(spec, right, casei=left.casei)]}

    def like(self, args: list[Any]) -> dict[str, Any]:
        self._arity("like", args, 2)
        left, right = self.operand(args[0]), self.operand(args[1])
        spec = self._field(left, "LIKE")
        if spec.type is not FieldType.STRING:
            raise _error(f"LIKE 只能用于文本字段，{spec.name} 是 {spec.type.value} / LIKE applies to string "
                         f"fields only; {spec.name!r} is {spec.type.value}")
        if right.kind != "literal" or not isinstance(right.value, str):
            raise _error("LIKE 的模式必须是文本 / the LIKE pattern must be a string literal")
        if re.search(r"(?<!\\)(\\\\)*\\$", right.value):
            raise _error("LIKE 模式不能以转义符 \\ 结尾 / a LIKE pattern must not end with the "
                         "escape character \\")
        return {"op": "like", "args": [left.json(), right.json()]}

    def in_list(self, args: list[Any]) -> dict[str, Any]:
        self._arity("in", args, 2)
        left = self.operand(args[0])
        spec = self._field(left, "IN")
        if not isinstance(args[1], list) or not args[1]:
            raise _error("IN 需要一个非空的取值列表 / IN needs a non-empty list of values")
        values = [self.value_for(spec, self.operand(v), casei=left.casei) for v in args[1]]
        return {"op": "in", "args": [left.json(), values]}

    def between(self, args: list[Any]) -> dict[str, Any]:
        self._arity("between", args, 3)
        left = self.operand(args[0])
        spec = self._field(left, "BETWEEN")
        if left.casei or spec.type is FieldType.BOOLEAN:
            raise _error(f"BETWEEN 不适用于字段 {spec.name} / BETWEEN does not apply to {spec.name!r}")
        low, high = (self.value_for(spec, self.operand(v), casei=False) for v in args[1:])
        return {"op": "between", "args": [left.json(), low, high]}

    def is_null(self, args: list[Any]) -> dict[str, Any]:
        self._arity("isNull", args, 1)
        operand = self.operand(args[0])
        if operand.kind != "property" or operand.casei:
            raise _error("IS NULL 需要一个属性 / IS NULL needs a property")
        return {"op": "isNull", "args": [operand.json()]}

    def spatial(self, op: str, args: list[Any]) -> dict[str, Any]:
        self._arity(op, args, 2)
        prop, literal = self.operand(args[0]), self.operand(args[1])
        if prop.kind == "geometry" and literal.kind == "property":
            prop, literal, op = literal, prop, SPATIAL[op]
        geometry = self._geometry_pair(op, prop, literal)
        return {"op": op, "args": [{"property": GEOMETRY}, geometry]}

    def dwithin(self, args: list[Any]) -> dict[str, Any]:
        if len(args) not in (3, 4):
            raise _error("S_DWITHIN 需要几何属性、几何值、距离和单位 / S_DWITHIN takes "
                         "(geometry, geometry literal, distance, units)")
        prop, literal = self.operand(args[0]), self.operand(args[1])
        if prop.kind == "geometry" and literal.kind == "property":
            prop, literal = literal, prop
        geometry = self._geometry_pair("s_dwithin", prop, literal)
        units = args[3] if len(args) == 4 else None
        if isinstance(units, dict) and set(units) == {"property"}:  # DWITHIN(..., 100, meters) unquoted
            units = units["property"]
        meters = geo.distance_in_meters(args[2], units)
        return {"op": "s_dwithin", "args": [{"property": GEOMETRY}, geometry, meters, "meters"]}

    def temporal(self, op: str, args: list[Any]) -> dict[str, Any]:
        self._arity(op, args, 2)
        left, right = args
        if not _is_property(left) and _is_property(right):
            swapped = TEMPORAL[op]
            if swapped is None:
                raise _error(f"{op.upper()} 的第一个参数必须是属性 / the first argument of "
                             f"{op.upper()} must be a property")
            left, right, op = right, left, swapped
        operand = self.operand(left)
        spec = self._field(operand, op.upper())
        if spec.type not in _TIME or operand.casei:
            raise _error(self._not_temporal(op, spec))
        literal = temporal.normalize_literal(right, allow_interval=True)
        if op == "t_during" and "interval" not in literal:
            raise _error("T_DURING 需要一个时间区间 / T_DURING needs an INTERVAL")
        if op == "t_equals" and "interval" in literal:
            raise _error("T_EQUALS 需要一个时间点或日期 / T_EQUALS needs a TIMESTAMP or DATE")
        return {"op": op, "args": [operand.json(), literal]}

    # operands --------------------------------------------------------------------------------
    def operand(self, node: Any) -> Operand:
        if isinstance(node, dict) and set(node) == {"property"}:
            return self.property(node["property"])
        if isinstance(node, dict) and "op" in node:
            op = _op_name(node["op"])
            args = node.get("args")
            if op != "casei":
                if op in SUPPORTED:
                    raise _error(f"条件 {op} 不能用作取值 / the condition {op} cannot be used as a value")
                raise _unsupported(op)
            if not isinstance(args, list) or len(args) != 1:
                raise _error("CASEI 需要一个参数 / CASEI takes one argument")
            inner = self.operand(args[0])
            is_text = inner.kind == "literal" and isinstance(inner.value, str)
            if not (is_text or (inner.kind == "property" and inner.spec is not None
                                and inner.spec.type is FieldType.STRING)):
                raise _error("CASEI 只能用于文本属性或文本值 / CASEI applies to string properties "
                             "and strings")
            return Operand(inner.kind, inner.value, inner.spec, casei=True)
        if temporal.is_time_literal(node):
            return Operand("time", node)
        if geo.is_geometry_literal(node):
            return Operand("geometry", node)
        if isinstance(node, list):
            return Operand("list", node)
        if node is None:
            return Operand("null", None)
        if isinstance(node, str | int | float | bool):
            return Operand("literal", node)
        raise _error(f"无法识别的取值 / unrecognised value {json.dumps(node, ensure_ascii=False)[:80]}")

    def property(self, name: Any) -> Operand:
        if isinstance(name, str):
            if name in _GEOMETRY_NAMES:
                return Operand("property", GEOMETRY)
            if name in _ID_NAMES:
                return Operand("property", FID, FID_SPEC)
            spec = self.layer.field(name)
            if spec is not None and (spec.masked or spec.secret):
                raise _error(f"字段 {name} 已脱敏或加密，不能用于过滤 / field {name!r} is masked or encrypted "
                             "and cannot be used in a filter")
            if spec is not None:
                return Operand("property", name, spec)
        queryables = ", ".join((*self.layer.field_names, "id", GEOMETRY))
        raise _error(f"图层 {self.layer.id} 没有可查询属性 {name} / unknown property {name!r}; "
                     f"queryables: {queryables}")

    def value_for(self, spec: FieldSpec, operand: Operand, *, casei: bool) -> Any:
        """A literal operand as a value of `spec`'s type (time literals normalised)."""
        if operand.kind == "null":
            raise _error("与 NULL 比较请用 IS NULL / use IS NULL or IS NOT NULL to test for NULL")
        if spec.type in _TIME:
            if operand.kind not in ("time", "literal") or not isinstance(operand.value, str | dict):
                raise _error(f"字段 {spec.name} 是 {spec.type.value} 类型，需要日期或时间值 / field {spec.name!r} "
                             f"is {spec.type.value}; compare it with a DATE, TIMESTAMP or ISO 8601 string")
            return temporal.normalize_literal(operand.value, allow_interval=False)
        if operand.kind not in ("literal",):
            raise _error(f"字段 {spec.name} 是 {spec.type.value} 类型，不能与 "
                         f"{json.dumps(operand.value, ensure_ascii=False)[:80]} 比较 / field {spec.name!r} "
                         f"({spec.type.value}) cannot be compared with that value")
        value = coerce_literal(spec, operand.value)
        return {"op": "casei", "args": [value]} if operand.casei else value

    # checks ----------------------------------------------------------------------------------
    def _field(self, operand: Operand, what: str) -> FieldSpec:
        if operand.kind != "property":
            raise _error(f"{what} 需要一个属性 / {what} needs a property on one side")
        if operand.spec is None:
            raise _error(f"几何属性只能用于空间运算符 / the geometry property can only be used in spatial "
                         f"operators, not in {what}")
        return operand.spec

    def _geometry_pair(self, op: str, prop: Operand, literal: Operand) -> dict[str, Any]:
        """Check (geometry property, geometry literal); the literal as GeoJSON in EPSG:4490."""
        if prop.kind != "property" or prop.spec is not None:
            name = prop.spec.name if prop.spec is not None else json.dumps(prop.value)[:40]
            raise _error(f"空间运算符 {op.upper()} 只能用于几何属性 geometry，不能用于 {name} / "
                         f"spatial operator {op.upper()} applies to the geometry property, not {name}")
        if literal.kind != "geometry":
            raise _error(f"{op.upper()} 需要一个几何值（WKT、GeoJSON 或 BBOX）/ {op.upper()} needs a "
                         "geometry literal (WKT, GeoJSON or BBOX)")
        return geo.to_storage_geojson(literal.value, self.crs)

    def _not_temporal(self, op: str, spec: FieldSpec) -> str:
        time_field = self.layer.temporal_field
        hint = f"; the layer's time field is {time_field!r}" if time_field else ""
        return (f"时间运算符 {op.upper()} 只能用于日期或时间字段，{spec.name} 是 {spec.type.value} / "
                f"temporal operator {op.upper()} applies to date/datetime fields; {spec.name!r} is "
                f"{spec.type.value}{hint}")

    @staticmethod
    def _arity(op: str, args: list[Any], count: int) -> None:
        if len(args) != count:
            raise _error(f"运算符 {op} 需要 {count} 个参数 / operator {op} takes {count} arguments, "
                         f"got {len(args)}")


def _op_name(value: Any) -> str:
    if not isinstance(value, str):
        raise _error(f"运算符名称必须是文本 / operator names are strings: {value!r}")
    if value == "isNull":
        return value
    lowered = value.strip().lower()
    return _ALIASES.get(lowered, lowered)


def _is_property(node: Any) -> bool:
    return isinstance(node, dict) and (set(node) == {"property"} or _op_name(node.get("op", "")) == "casei")


def _family(kind: FieldType) -> str:
    return "number" if kind in _NUMERIC else kind.value


def _unsupported(op: str) -> InvalidQuery:
    shown = ", ".join(o.upper() if o.startswith(("s_", "t_")) else o for o in SUPPORTED)
    return _error(f"不支持的运算符 {op} / operator {op!r} is not supported; supported: {shown}")


__all__ = ["MAX_DEPTH", "MAX_TEXT_LENGTH", "parse_filter"]
