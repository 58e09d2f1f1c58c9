"""Property names the engine reads from workflow items besides the supervision fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layers.model import LayerDefinition

#: The item's prefecture code (行政区划代码): what statistics group regions by.
REGION_FIELD = "adcode"
#: Fields tried, in order, for an item's title in listings and on the overdue map.
TITLE_FIELDS = ("title", "name", "subject", "case_no", "permit_no", "code")


def region_of(properties: Mapping[str, Any]) -> str | None:
    value = properties.get(REGION_FIELD)
    return None if value is None or value == "" else str(value)


def title_of(layer: LayerDefinition, fid: int, properties: Mapping[str, Any]) -> str:
    """The item's first non-empty title field, else "<layer title> <fid>"."""
    for name in TITLE_FIELDS:
        value = properties.get(name)
        if layer.field(name) is not None and value not in (None, ""):
            return str(value)
    return f"{layer.title_zh} {fid}"
