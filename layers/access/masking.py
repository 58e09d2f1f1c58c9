"""Masking of personal data: one rule per kind, in Python and as a SQL expression that agrees with it.

A value keeps its first `head` and last `tail` characters and every character between becomes `*`
(`220102199001011234` → `220102********1234`, `13812345678` → `138****5678`, `张三丰` → `张**`,
`吉A12345` → `吉A***45`). A value too short to keep both ends keeps only its first character; a
single character becomes `*`; empty and null stay as they are. Lengths count characters, not bytes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from layers.access.rules import SensitiveKind

if TYPE_CHECKING:
    from layers.model import LayerDefinition

#: Characters kept at the start and at the end of a value, per kind.
KEEP: dict[SensitiveKind, tuple[int, int]] = {
    SensitiveKind.ID_NUMBER: (6, 4),
    SensitiveKind.PHONE: (3, 4),
    SensitiveKind.PERSON_NAME: (1, 0),
    SensitiveKind.PLATE: (2, 2),
    SensitiveKind.OTHER: (1, 1),
}

STAR = "*"


def mask_value(value: Any, kind: SensitiveKind) -> Any:
    """`value` masked as `kind` says; anything but a non-empty string is returned unchanged."""
    if not isinstance(value, str) or not value:
        return value
    head, tail = KEEP[kind]
    length = len(value)
    if length > head + tail:
        return value[:head] + STAR * (length - head - tail) + (value[length - tail:] if tail else "")
    if length > 1:
        return value[0] + STAR * (length - 1)
    return STAR


def mask_sql_text(column: str, kind: SensitiveKind) -> str:
    """`mask_value` as PostgreSQL text over the SQL expression `column` (lengths in characters)."""
    head, tail = KEEP[kind]
    length = f"char_length({column})"
    end = f" || right({column}, {tail})" if tail else ""
    return (f"CASE WHEN {length} > {head + tail} THEN left({column}, {head}) || "
            f"repeat('{STAR}', {length} - {head + tail}){end} "
            f"WHEN {length} > 1 THEN left({column}, 1) || repeat('{STAR}', {length} - 1) "
            f"WHEN {length} = 1 THEN '{STAR}' ELSE {column} END")


def masks_of(layer: LayerDefinition, names: Collection[str] | None = None) -> tuple[tuple[str, SensitiveKind], ...]:
    """The fields (among `names`, when given) that a caller's view of `layer` masks, with how."""
    return tuple((spec.name, spec.sensitive) for spec in layer.fields
                 if spec.masked and spec.sensitive is not None and (names is None or spec.name in names))


def apply_masks(properties: dict[str, Any], masks: Iterable[tuple[str, SensitiveKind]]) -> dict[str, Any]:
    """`properties` with the masked fields' values masked (in place; returned for chaining)."""
    for name, kind in masks:
        if name in properties:
            properties[name] = mask_value(properties[name], kind)
    return properties
