"""Which styles exist: the composite "one map" and one style per `style_id` of the registry's layers.

Owns style identity. A layer's style id is its `style_id` (or its layer id when it has none);
layers sharing a style id share one style. The composite is `onemap`; a layer whose style id
would be `onemap` is listed as `layer-<id>` instead. Callers pass only the layers the user may
read, so a style over unreadable layers simply does not exist for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from layers.model import LayerDefinition

COMPOSITE_ID = "onemap"
COMPOSITE_TITLE_ZH = "交通一张图"
COMPOSITE_TITLE_EN = "OneMap — all layers"


@dataclass(frozen=True)
class StyleEntry:
    id: str
    title_zh: str
    title_en: str
    layers: tuple[LayerDefinition, ...]
    composite: bool = False

    @property
    def title(self) -> str:
        return f"{self.title_zh} / {self.title_en}"


def style_id_of(layer: LayerDefinition) -> str:
    style_id = layer.style_id or layer.id
    return f"layer-{layer.id}" if style_id == COMPOSITE_ID else style_id


def style_catalog(layers: Iterable[LayerDefinition]) -> dict[str, StyleEntry]:
    """Every style over `layers`, the composite first, then per-layer styles in registry order."""
    layers = tuple(layers)
    groups: dict[str, list[LayerDefinition]] = {}
    for layer in layers:
        groups.setdefault(style_id_of(layer), []).append(layer)
    catalog = {COMPOSITE_ID: StyleEntry(COMPOSITE_ID, COMPOSITE_TITLE_ZH, COMPOSITE_TITLE_EN, layers, composite=True)}
    for style_id, members in groups.items():
        catalog[style_id] = StyleEntry(
            style_id,
            "、".join(layer.title_zh for layer in members),
            "; ".join(layer.title_en for layer in members),
            tuple(members),
        )
    return catalog
