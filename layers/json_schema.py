"""JSON Schema of a layer's fields: what queryables, feature schemas, OpenAPI and tileset metadata
publish about each property (Chinese title, type, length, code list, range, unit)."""

from __future__ import annotations

from typing import Any

from layers.model import FieldSpec, FieldType

_JSON_TYPES = {
    FieldType.STRING: {"type": "string"},
    FieldType.INTEGER: {"type": "integer"},
    FieldType.NUMBER: {"type": "number"},
    FieldType.BOOLEAN: {"type": "boolean"},
    FieldType.DATE: {"type": "string", "format": "date"},
    FieldType.DATETIME: {"type": "string", "format": "date-time"},
}


def field_schema(spec: FieldSpec) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": spec.title_zh, **_JSON_TYPES[spec.type]}
    if spec.title_en:
        schema["description"] = spec.title_en if not spec.description else f"{spec.title_en}: {spec.description}"
    if spec.max_length:
        schema["maxLength"] = spec.max_length
    if spec.enum:
        values = [int(e.code) if spec.type is FieldType.INTEGER else e.code for e in spec.enum]
        schema["enum"] = values
        schema["x-onemap-labels"] = {e.code: e.label_zh for e in spec.enum}
    if spec.minimum is not None:
        schema["minimum"] = spec.minimum
    if spec.maximum is not None:
        schema["maximum"] = spec.maximum
    if spec.unit:
        schema["x-ogc-unit"] = spec.unit
    return schema
