"""Which source column fills which layer field, and the short field names Shapefiles force.

Matching: `--map src=dst` first; then a source column named like a field (exactly, then
ignoring case, then by the 10-character name `shapefile_field_names` gives that field on
export, so an exported Shapefile imports back without options). Source columns that match no
field are ignored and reported; a required field no column fills is an error before any row
is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from layers.io.readers import SourceError
from layers.model import LayerDefinition

#: dBase limits field names to 10 bytes.
SHAPEFILE_NAME_LENGTH = 10


def parse_mappings(items: Iterable[str]) -> dict[str, str]:
    """`["名称=name", "lx=grade"]` → `{"名称": "name", "lx": "grade"}`."""
    mapping: dict[str, str] = {}
    for item in items:
        source, sep, target = item.partition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source or not target:
            raise SourceError(f"字段映射格式应为 源列=图层字段 / --map expects SOURCE=FIELD, got {item!r}",
                              parameter="map")
        if source in mapping:
            raise SourceError(f"源列 {source} 被映射了两次 / column {source!r} is mapped twice", parameter="map")
        mapping[source] = target
    return mapping


def shapefile_field_names(names: Sequence[str]) -> dict[str, str]:
    """Field name → a unique (ignoring case) name of at most 10 characters, deterministic in field order."""
    result: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        short = name[:SHAPEFILE_NAME_LENGTH]
        number = 0
        while short.lower() in taken:
            number += 1
            suffix = f"_{number}"
            short = name[:SHAPEFILE_NAME_LENGTH - len(suffix)] + suffix
        taken.add(short.lower())
        result[name] = short
    return result


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    """`mapping`: source column → layer field; `ignored`: source columns not used; `unfilled`: fields left null."""

    mapping: dict[str, str]
    ignored: tuple[str, ...]
    unfilled: tuple[str, ...]


def plan_columns(layer: LayerDefinition, source_columns: Sequence[str], explicit: dict[str, str]) -> ColumnPlan:
    """Match source columns to layer fields; bad `--map` entries and unfillable required fields raise."""
    fields = set(layer.field_names)
    mapping: dict[str, str] = {}
    for source, target in explicit.items():
        if source not in source_columns:
            raise SourceError(f"源文件没有列 {source} / --map: no column {source!r} in the source; columns: "
                              f"{', '.join(source_columns)}", parameter="map")
        if target not in fields:
            raise SourceError(f"图层 {layer.id} 没有字段 {target} / --map: layer {layer.id} has no field "
                              f"{target!r}; fields: {', '.join(layer.field_names)}", parameter="map")
        if target in mapping.values():
            raise SourceError(f"图层字段 {target} 被映射了两次 / --map: field {target!r} is filled twice",
                              parameter="map")
        mapping[source] = target
    short_names = {short.lower(): name for name, short in shapefile_field_names(layer.field_names).items()}
    lower_fields = {name.lower(): name for name in layer.field_names}
    for rule in ("exact", "case", "short"):
        for column in source_columns:
            if column in mapping:
                continue
            target = _match(rule, column, fields, lower_fields, short_names)
            if target is not None and target not in mapping.values():
                mapping[column] = target
    filled = set(mapping.values())
    missing = [spec for spec in layer.fields if spec.required and spec.name not in filled]
    if missing:
        names = ", ".join(f"{spec.name}（{spec.title_zh}）" for spec in missing)
        raise SourceError(f"必填字段 {names} 在源文件中没有对应列，请用 --map 源列=字段 指定 / required field(s) "
                          f"{', '.join(s.name for s in missing)} have no source column; add --map SOURCE=FIELD "
                          f"(columns: {', '.join(source_columns)})", parameter="map")
    ordered = {column: mapping[column] for column in source_columns if column in mapping}
    return ColumnPlan(mapping=ordered,
                      ignored=tuple(c for c in source_columns if c not in mapping),
                      unfilled=tuple(f for f in layer.field_names if f not in filled))


def _match(rule: str, column: str, fields: set[str], lower_fields: dict[str, str],
           short_names: dict[str, str]) -> str | None:
    if rule == "exact":
        return column if column in fields else None
    if rule == "case":
        return lower_fields.get(column.strip().lower())
    return short_names.get(column.strip().lower())
