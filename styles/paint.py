"""MapLibre expressions for one layer's colours and widths, with the legend entries they imply.

Owns the step from "this field colours the layer" to style-spec expressions: a `match` on the
field's codes (fixed colours for known fields, categorical ones otherwise, pastel for polygon
fills), the workflow-state colours, the zoom-and-class line widths, and a legend a web map can
show in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from layers.model import FieldSpec, LayerDefinition
from styles import palette
from styles.schema import (
    category_field,
    code_value,
    geometry_kind,
    icon_for,
    is_boundary,
    is_water,
    overdue_field,
    workflow_field,
)

Expression = Any


@dataclass(frozen=True)
class LegendItem:
    value: str | int | bool
    label_zh: str
    label_en: str | None
    colour: str

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "label_zh": self.label_zh, "label_en": self.label_en, "color": self.colour}


@dataclass(frozen=True)
class Colouring:
    """The colour of a layer's features: an expression (or a plain colour) and what it means."""

    expression: Expression
    field: str | None = None
    title_zh: str | None = None
    items: tuple[LegendItem, ...] = ()

    def legend(self) -> dict[str, Any] | None:
        if self.field is None:
            return None
        return {"field": self.field, "title_zh": self.title_zh, "items": [item.as_json() for item in self.items]}

    def mapped(self, transform: Any) -> Expression:
        """The same colouring with every output colour passed through `transform` (e.g. darker)."""
        if isinstance(self.expression, str):
            return transform(self.expression)
        expr = list(self.expression)
        # ["match", input, label1, out1, label2, out2, ..., fallback]
        for i in range(3, len(expr) - 1, 2):
            expr[i] = transform(expr[i])
        expr[-1] = transform(expr[-1])
        return expr


def _match(spec: FieldSpec, pairs: list[tuple[str | int | bool, str]], fallback: str) -> Expression:
    if not pairs:
        return fallback
    expr: list[Any] = ["match", ["get", spec.name]]
    for value, colour in pairs:
        expr += [value, colour]
    expr.append(fallback)
    return expr


def _code_colouring(spec: FieldSpec, fixed: dict[str, str], pastel: bool, fallback: str) -> Colouring:
    items: list[LegendItem] = []
    extra = 0
    for entry in spec.enum or ():
        colour = fixed.get(entry.code)
        if colour is None:
            colour = palette.categorical(extra, pastel)
            extra += 1
        items.append(LegendItem(code_value(spec, entry.code), entry.label_zh, entry.label_en, colour))
    if not items:  # a known field without a code list: colour the codes we know
        items = [LegendItem(code_value(spec, code), code, None, colour) for code, colour in fixed.items()]
    pairs = [(item.value, item.colour) for item in items]
    return Colouring(_match(spec, pairs, fallback), spec.name, spec.title_zh, tuple(items))


def _state_colouring(spec: FieldSpec, fallback: str) -> Colouring:
    if spec.enum:
        return _code_colouring(spec, palette.STATE_COLOURS, pastel=False, fallback=fallback)
    items = tuple(LegendItem(code, code, None, colour) for code, colour in palette.STATE_COLOURS.items())
    pairs: list[tuple[str | int | bool, str]] = list(palette.STATE_COLOURS.items())
    return Colouring(_match(spec, pairs, fallback), spec.name, spec.title_zh, items)


def colouring(layer: LayerDefinition) -> Colouring:
    """How the layer's features are coloured: workflow state first, then water, then category."""
    kind = geometry_kind(layer)
    fallback = palette.DEFAULT_COLOUR[kind]
    state = workflow_field(layer)
    if state is not None:
        return _state_colouring(state, fallback)
    if is_water(layer):
        return Colouring(palette.WATER_FILL if kind == "polygon" else palette.WATER_LINE)
    spec = category_field(layer)
    icon = icon_for(layer)
    if icon is not None:
        fallback = palette.ICON_COLOURS[icon]
    if spec is None:
        return Colouring(fallback)
    fixed = palette.FIELD_COLOURS.get(spec.name, {})
    return _code_colouring(spec, fixed, pastel=kind == "polygon" and not fixed, fallback=fallback)


def outline_colour(layer: LayerDefinition, colours: Colouring) -> Expression:
    if is_water(layer):
        return palette.WATER_LINE
    if is_boundary(layer):
        return palette.BOUNDARY_LINE
    return colours.mapped(lambda c: palette.darker(c, 0.6))


def overdue_legend(layer: LayerDefinition) -> dict[str, Any] | None:
    spec = overdue_field(layer)
    if spec is None:
        return None
    item = LegendItem(True, f"{spec.title_zh}（红圈）", "overdue (red ring)", palette.OVERDUE)
    return {"field": spec.name, "title_zh": spec.title_zh, "items": [item.as_json()]}


#: Line widths (px) at zoom stops for the widest class; narrower classes scale down.
LINE_STOPS = {5: 1.4, 8: 2.0, 11: 3.2, 14: 5.5, 18: 12.0}
PLAIN_LINE_STOPS = {5: 1.0, 10: 1.5, 14: 2.5, 18: 5.0}


def line_width(layer: LayerDefinition, *, extra: float = 0.0, road: bool = False) -> Expression:
    """Width by zoom (exponential), per class for fields with class widths; `extra` px added."""
    stops = LINE_STOPS if road else PLAIN_LINE_STOPS
    spec = next((layer.field(name) for name in palette.FIELD_WIDTHS if layer.field(name) is not None), None)
    expr: list[Any] = ["interpolate", ["exponential", 1.4], ["zoom"]]
    for zoom, width in stops.items():
        if spec is None:
            expr += [zoom, round(width + extra, 2)]
            continue
        widths = palette.FIELD_WIDTHS[spec.name]
        match: list[Any] = ["match", ["get", spec.name]]
        for code, factor in widths.items():
            match += [code_value(spec, code), round(width * factor + extra, 2)]
        match.append(round(width * 0.5 + extra, 2))
        expr += [zoom, match]
    return expr
