"""Small builders shared by the chart's style layers: one style layer, Chinese-first names, numbers.

Owns the shape of a chart style layer before it is tied to a source: `chart_layer` fills in
`source-layer` (the chart collection id, e.g. `enc_depare`) and leaves `source` empty for
`styles.enc.document` to assign, so the same recipes serve the committed styles (every chart
collection) and the route (only the collections registered and readable).
"""

from __future__ import annotations

from typing import Any

from styles.assets import DEFAULT_FONTSTACK

StyleLayer = dict[str, Any]
Expression = Any


def chart_layer(layer_id: str, type_: str, collection: str, title_zh: str, *, paint: dict[str, Any] | None = None,
                layout: dict[str, Any] | None = None, minzoom: int | None = None,
                mariner: tuple[str, ...] = ()) -> StyleLayer:
    """A style layer reading MVT layer `collection`; `mariner` names the paint/layout properties
    that hold mariner-dependent `let` expressions (listed in the style metadata)."""
    layer: StyleLayer = {"id": layer_id, "type": type_, "source": "", "source-layer": collection,
                         "metadata": {"onemap:layer": collection, "onemap:title_zh": title_zh}}
    if minzoom:
        layer["minzoom"] = minzoom
    if layout:
        layer["layout"] = layout
    layer["paint"] = paint or {}
    if mariner:
        layer["metadata"]["onemap:mariner"] = list(mariner)
    return layer


def name_text() -> Expression:
    """The feature's name, Chinese (NOBJNM) first, else OBJNAM, else empty."""
    return ["coalesce", ["get", "nobjnm"], ["get", "objnam"], ""]


def metres(field: str) -> Expression:
    """A field in metres with one decimal, e.g. 12.5."""
    return ["number-format", ["to-number", ["get", field], 0], {"min-fraction-digits": 1, "max-fraction-digits": 1}]


def text_layout(text: Expression, size: float, **extra: Any) -> dict[str, Any]:
    return {"text-field": text, "text-font": [DEFAULT_FONTSTACK], "text-size": size, **extra}


def text_paint(colours: dict[str, str], colour: Expression | None = None) -> dict[str, Any]:
    """Chart text: CHBLK on a thin halo of the deep-water colour (the chart's paper)."""
    return {"text-color": colour if colour is not None else colours["CHBLK"], "text-halo-color": colours["DEPDW"],
            "text-halo-width": 1}
