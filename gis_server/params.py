"""Query parameters of the Features endpoints, each parsed once into a typed value.

Every bad value raises `InvalidQuery` naming the parameter (→ 400 problem+json); a parameter
the endpoint does not know is an error too, as OGC API – Features asks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from starlette.datastructures import QueryParams

from layers.crs import CRS84, ServedCrs, bbox_to_storage, served_crs
from layers.errors import InvalidQuery
from layers.filters.parse import parse_filter
from layers.model import LayerDefinition
from layers.query import FeatureQuery, SortKey, TimeInterval
from layers.validation import CHINA_TZ, coerce_value

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
MAX_OFFSET = 2**53

#: Parameters every items request may carry; layer field names are added per collection.
ITEMS_PARAMETERS = frozenset({
    "f", "bbox", "bbox-crs", "crs", "limit", "offset", "sortby", "filter", "filter-lang", "filter-crs",
    "properties", "skipGeometry",
})
ITEM_PARAMETERS = frozenset({"f", "crs"})
FORMATS = {"json", "geojson", "html"}


def reject_unknown(params: QueryParams, allowed: Iterable[str]) -> None:
    allowed_set = set(allowed)
    unknown = sorted(set(params.keys()) - allowed_set)
    if unknown:
        raise InvalidQuery(
            f"未知的查询参数 / unknown query parameter(s): {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed_set))}",
            parameter=unknown[0],
        )
    for key in allowed_set:
        if len(params.getlist(key)) > 1:
            raise InvalidQuery(f"参数重复 / parameter {key!r} given more than once", parameter=key)


def output_format(params: QueryParams, accept: str | None) -> str:
    """'json' or 'html': `f` wins; otherwise a browser's Accept header asks for HTML."""
    value = params.get("f")
    if value is not None:
        if value not in FORMATS:
            raise InvalidQuery(f"不支持的格式 / unsupported format f={value!r}; use json or html", parameter="f")
        return "html" if value == "html" else "json"
    if accept and "text/html" in accept and "json" not in accept:
        return "html"
    return "json"


def _ascii_integer(value: str, parameter: str) -> int:
    digits = value.strip()
    if not (digits.isascii() and digits.lstrip("+-").isdigit() and len(digits) <= 20):
        raise InvalidQuery(f"{parameter} 必须是整数 / {parameter} must be an integer, got {value!r}",
                           parameter=parameter)
    return int(digits)


def parse_limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    limit = _ascii_integer(value, "limit")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery(f"limit 必须在 1 到 {MAX_LIMIT} 之间 / limit must be between 1 and {MAX_LIMIT}",
                           parameter="limit")
    return limit


def parse_offset(value: str | None) -> int:
    if value is None:
        return 0
    offset = _ascii_integer(value, "offset")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidQuery(f"offset 须在 0 到 {MAX_OFFSET} 之间 / offset must be between 0 and {MAX_OFFSET}",
                           parameter="offset")
    return offset


def parse_bbox(value: str | None, crs: ServedCrs) -> tuple[float, float, float, float] | None:
    """`minx,miny,maxx,maxy` (or 6 numbers with heights) in `crs` → lon/lat EPSG:4490."""
    if value is None:
        return None
    parts = value.split(",")
    try:
        numbers = tuple(float(p) for p in parts)
    except ValueError:
        numbers = ()
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise InvalidQuery(f"bbox 须为 4 或 6 个数字 / bbox must be 4 or 6 comma-separated numbers, got {value!r}",
                           parameter="bbox")
    minx, miny, maxx, maxy = (numbers[0], numbers[1], numbers[3], numbers[4]) if len(numbers) == 6 else numbers
    if crs.lat_first:
        minx, miny, maxx, maxy = miny, minx, maxy, maxx
    if miny > maxy:
        raise InvalidQuery("bbox 的下边界大于上边界 / bbox lower corner above upper corner", parameter="bbox")
    if minx > maxx:
        raise InvalidQuery("bbox 的最小经度大于最大经度；不支持跨越 180° 经线 / bbox minimum x above maximum x "
                           "(antimeridian-crossing boxes are not supported)", parameter="bbox")
    if crs.srid != 3857 and not (-90 <= miny <= 90 and -90 <= maxy <= 90 and -180 <= minx and maxx <= 180):
        raise InvalidQuery("bbox 超出经纬度范围 / bbox outside ±180° longitude or ±90° latitude", parameter="bbox")
    return bbox_to_storage(numbers, crs)


_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$")


def _parse_instant(text: str, *, end: bool) -> datetime:
    if not _INSTANT.match(text):
        raise ValueError(text)
    if len(text) == 10:
        day = date.fromisoformat(text)
        moment = datetime.combine(day, time.max if end else time.min)
        return moment.replace(tzinfo=CHINA_TZ).astimezone(UTC)
    normalized = text[:-1] + "+00:00" if text[-1] in "Zz" else text
    parsed = datetime.fromisoformat(normalized)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA_TZ)
    return parsed.astimezone(UTC)


def parse_datetime(value: str | None) -> TimeInterval | None:
    """RFC 3339 instant, or an interval `start/end` with `..` (or empty) for an open side."""
    if value is None:
        return None
    try:
        if "/" in value:
            start_text, end_text = value.split("/", 1)
            start = None if start_text in ("", "..") else _parse_instant(start_text, end=False)
            end = None if end_text in ("", "..") else _parse_instant(end_text, end=True)
            if start is None and end is None:
                raise ValueError("both ends open")
            if start and end and start > end:
                raise ValueError("start after end")
            return TimeInterval(start, end)
        if len(value) == 10:
            return TimeInterval(_parse_instant(value, end=False), _parse_instant(value, end=True))
        moment = _parse_instant(value, end=False)
        return TimeInterval(moment, moment)
    except (ValueError, OverflowError):
        raise InvalidQuery(
            f"datetime 须为 RFC 3339 时刻或区间 / datetime must be an RFC 3339 instant or interval "
            f"(e.g. 2024-05-01T00:00:00Z/..), got {value!r}",
            parameter="datetime",
        ) from None


def parse_sortby(value: str | None, layer: LayerDefinition) -> tuple[SortKey, ...]:
    if value is None or value.strip() == "":
        return ()
    keys = []
    sortable = {*(f.name for f in layer.fields if not (f.masked or f.secret)), "id"}
    for raw in value.split(","):
        token = raw.strip()
        ascending = not token.startswith("-")
        name = token.lstrip("+- ")
        if name not in sortable:
            raise InvalidQuery(
                f"不能按 {name!r} 排序 / cannot sort by {name!r}; sortable: {', '.join(sorted(sortable))}",
                parameter="sortby",
            )
        keys.append(SortKey("fid" if name == "id" else name, ascending))
    return tuple(keys)


def parse_properties(value: str | None, layer: LayerDefinition) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    unknown = [n for n in names if n not in layer.field_names]
    if unknown:
        raise InvalidQuery(f"未知属性 / unknown properties: {', '.join(unknown)}", parameter="properties")
    return names


def parse_bool(value: str | None, parameter: str) -> bool:
    if value is None:
        return False
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise InvalidQuery(f"{parameter} 须为 true 或 false / must be true or false", parameter=parameter)


def items_query(params: QueryParams, layer: LayerDefinition) -> tuple[FeatureQuery, ServedCrs]:
    """All parameters of `/collections/{id}/items` → a FeatureQuery and the response CRS."""
    allowed = set(ITEMS_PARAMETERS) | set(layer.field_names)
    if layer.temporal_field:
        allowed.add("datetime")
    reject_unknown(params, allowed)
    output_format(params, None)
    crs = served_crs(params.get("crs"), "crs") if "crs" in params else CRS84
    bbox_crs = served_crs(params.get("bbox-crs"), "bbox-crs") if "bbox-crs" in params else CRS84
    equals = []
    for spec in layer.fields:
        if spec.name in params:
            if spec.masked or spec.secret:
                raise InvalidQuery(f"字段 {spec.name} 已脱敏或加密，不能用于过滤 / field {spec.name!r} is masked or "
                                   "encrypted and cannot be used in a filter", parameter=spec.name)
            try:
                equals.append((spec.name, coerce_value(spec, params[spec.name])))
            except Exception as exc:
                raise InvalidQuery(str(getattr(exc, "message", exc)), parameter=spec.name) from None
    cql = None
    if params.get("filter") is not None:
        cql = parse_filter(params["filter"], params.get("filter-lang"), layer, params.get("filter-crs"))
    elif "filter-lang" in params or "filter-crs" in params:
        served_crs(params.get("filter-crs"), "filter-crs")
        if params.get("filter-lang") not in (None, "cql2-text", "cql2-json"):
            raise InvalidQuery("filter-lang 须为 cql2-text 或 cql2-json", parameter="filter-lang")
    query = FeatureQuery(
        bbox=parse_bbox(params.get("bbox"), bbox_crs),
        interval=parse_datetime(params.get("datetime")),
        equals=tuple(equals),
        cql=cql,
        sortby=parse_sortby(params.get("sortby"), layer),
        limit=parse_limit(params.get("limit")),
        offset=parse_offset(params.get("offset")),
        crs=crs.output,
        properties=parse_properties(params.get("properties"), layer),
        skip_geometry=parse_bool(params.get("skipGeometry"), "skipGeometry"),
    )
    return query, crs
