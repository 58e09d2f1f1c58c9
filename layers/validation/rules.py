"""Checks a feature against its layer: geometry rules and the field schema.

Used by the Features API (create, replace, patch) and by imports (row by row, collecting
rejects). Produces `FeatureRecord`s ready for a store, or raises `InvalidFeature` naming the
field (`geometry` or a property name) and saying, in Chinese and English, what is wrong.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import shapely
from shapely.geometry import MultiLineString, MultiPoint, MultiPolygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from layers.errors import InvalidFeature
from layers.model import FieldSpec, FieldType, LayerDefinition
from layers.stores.base import FeatureRecord

#: Naive date-times (no offset) are read as China Standard Time, the time every user here means.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

def china_day(moment: datetime | date) -> date:
    """The calendar day a moment falls on in China Standard Time (naive moments are UTC)."""
    if not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA_TZ).date()


_PROMOTE = {
    ("MultiPoint", "Point"): MultiPoint,
    ("MultiLineString", "LineString"): MultiLineString,
    ("MultiPolygon", "Polygon"): MultiPolygon,
}


def parse_geojson_geometry(value: Any) -> BaseGeometry:
    """A GeoJSON geometry object → shapely geometry; malformed → InvalidFeature(field='geometry')."""
    if not isinstance(value, dict) or "type" not in value:
        raise InvalidFeature("几何对象缺失或格式错误 / geometry missing or not a GeoJSON geometry object",
                             field="geometry")
    try:
        geometry = shape(value)
    except Exception as exc:
        raise InvalidFeature(f"几何对象无法解析 / malformed GeoJSON geometry: {exc}", field="geometry") from exc
    return geometry


def check_geometry(layer: LayerDefinition, geometry: BaseGeometry) -> BaseGeometry:
    """Type, validity, finiteness and extent checks; single parts promoted to the layer's multi type."""
    kind = geometry.geom_type
    if kind not in layer.geometry_type.accepts:
        raise InvalidFeature(
            f"几何类型错误 / wrong geometry type: layer {layer.id} takes {layer.geometry_type.value}, got {kind}",
            field="geometry",
        )
    if geometry.is_empty:
        raise InvalidFeature("几何对象为空 / empty geometry", field="geometry")
    if shapely.has_z(geometry):
        geometry = shapely.force_2d(geometry)
    coords = shapely.get_coordinates(geometry)
    if not all(math.isfinite(v) for v in coords.ravel()):
        raise InvalidFeature("坐标不是有限数值 / coordinates must be finite numbers", field="geometry")
    if not geometry.is_valid:
        raise InvalidFeature(f"几何对象无效 / invalid geometry: {explain_validity(geometry)}", field="geometry")
    minx, miny, maxx, maxy = layer.valid_extent
    gx0, gy0, gx1, gy1 = geometry.bounds
    if gx0 < minx or gy0 < miny or gx1 > maxx or gy1 > maxy:
        raise InvalidFeature(
            f"坐标超出图层有效范围 / coordinates outside the layer's valid extent {layer.valid_extent} "
            f"(lon/lat, EPSG:4490): geometry bounds {tuple(round(v, 6) for v in geometry.bounds)}",
            field="geometry",
        )
    promote = _PROMOTE.get((layer.geometry_type.value, kind))
    if promote is not None:
        geometry = promote([geometry])
    return geometry


def coerce_value(spec: FieldSpec, value: Any) -> Any:
    """One property value → the Python type the field stores; wrong → InvalidFeature(field=name)."""
    if value is None:
        return None
    try:
        result = _COERCE[spec.type](value)
    except (TypeError, ValueError) as exc:
        raise InvalidFeature(
            f"字段 {spec.name}（{spec.title_zh}）取值类型错误 / field {spec.name!r} expects {spec.type.value}: {exc}",
            field=spec.name,
        ) from exc
    if spec.max_length is not None and isinstance(result, str) and len(result) > spec.max_length:
        raise InvalidFeature(
            f"字段 {spec.name}（{spec.title_zh}）超过最大长度 {spec.max_length} / longer than {spec.max_length}",
            field=spec.name,
        )
    codes = spec.enum_codes()
    if codes is not None and str(result) not in codes:
        allowed = "、".join(f"{e.code}={e.label_zh}" for e in spec.enum or ())
        raise InvalidFeature(
            f"字段 {spec.name}（{spec.title_zh}）的值 {result!r} 不在代码表中 / value not in code list: {allowed}",
            field=spec.name,
        )
    if isinstance(result, int | float) and not isinstance(result, bool):
        if spec.minimum is not None and result < spec.minimum:
            raise InvalidFeature(f"字段 {spec.name} 小于最小值 {spec.minimum} / below minimum", field=spec.name)
        if spec.maximum is not None and result > spec.maximum:
            raise InvalidFeature(f"字段 {spec.name} 大于最大值 {spec.maximum} / above maximum", field=spec.name)
    return result


def check_properties(layer: LayerDefinition, properties: Any, *, partial: bool = False) -> dict[str, Any]:
    """All properties coerced; unknown names and missing required fields are errors.

    With `partial`, missing fields are allowed (a merge-patch body checks only what it sets).
    """
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise InvalidFeature("properties 必须是 JSON 对象 / properties must be a JSON object", field="properties")
    unknown = sorted(set(properties) - set(layer.field_names))
    if unknown:
        raise InvalidFeature(
            f"图层 {layer.id} 没有字段 {', '.join(unknown)} / unknown properties: {', '.join(unknown)}",
            field=unknown[0],
        )
    result: dict[str, Any] = {}
    for spec in layer.fields:
        if spec.name in properties:
            result[spec.name] = coerce_value(spec, properties[spec.name])
        if spec.required and not partial and result.get(spec.name) is None:
            raise InvalidFeature(
                f"缺少必填字段 {spec.name}（{spec.title_zh}）/ missing required field {spec.name!r}",
                field=spec.name,
            )
    return result


def validate_feature(layer: LayerDefinition, feature: Any) -> FeatureRecord:
    """A GeoJSON Feature (geometry already in EPSG:4490 lon/lat) → a FeatureRecord."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InvalidFeature("请求体必须是 GeoJSON Feature / body must be a GeoJSON Feature", field="type")
    geometry = check_geometry(layer, parse_geojson_geometry(feature.get("geometry")))
    return FeatureRecord(geometry=geometry, properties=check_properties(layer, feature.get("properties")))


#: Integers a 64-bit column holds; beyond them no store can keep the value.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: Years a date or date-time may carry: four digits, and room to convert between offsets.
YEAR_MIN, YEAR_MAX = 1000, 9998


def _string(value: Any) -> str:
    if isinstance(value, bool | dict | list):
        raise ValueError(f"not a string: {value!r}")
    text = str(value)
    if "\x00" in text:
        raise ValueError("text must not contain NUL characters")
    return text


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("booleans are not integers")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"{value} is not a whole number")
        result = int(value)
    elif isinstance(value, int):
        result = value
    else:
        text = str(value).strip()
        if not text.isascii() or len(text) > 21:
            raise ValueError(f"not an integer: {value!r}")
        result = int(text)
    if not INT64_MIN <= result <= INT64_MAX:
        raise ValueError(f"{result} is outside the 64-bit integer range")
    return result


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("booleans are not numbers")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError("not a finite number")
    return result


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "是", "t", "y"):
        return True
    if text in ("false", "0", "no", "否", "f", "n"):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    else:
        result = date.fromisoformat(str(value).strip())
    _check_year(result.year)
    return result


def _check_year(year: int) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValueError(f"year {year} is outside {YEAR_MIN}–{YEAR_MAX}")


def _datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CHINA_TZ)
    return parsed.astimezone(UTC)


_COERCE = {
    FieldType.STRING: _string,
    FieldType.INTEGER: _integer,
    FieldType.NUMBER: _number,
    FieldType.BOOLEAN: _boolean,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
}
