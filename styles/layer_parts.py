"""The MapLibre style layers that draw one registry layer, split into a geometry band and a label band.

Owns the per-geometry recipes: polygons as fill + outline (dashed for administrative boundaries),
lines as an optional casing + line (roads by class), points as SDF sprite icons (when a keyword
names one) or circles; overdue items get a red ring or halo under the feature; labels come from
the layer's label field in the `DejaVu Sans Book` fontstack (Latin from our glyph files, Chinese
from the browser's local font via MapLibre's `localIdeographFontFamily`). Every style layer reads
the MVT layer named by the registry id (`source-layer`) from the source it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from layers.model import FieldType, LayerDefinition
from styles import palette
from styles.assets import DEFAULT_FONTSTACK
from styles.paint import colouring, line_width, outline_colour, overdue_legend
from styles.schema import (
    OVERDUE_FIELD,
    field_min_zoom,
    geometry_kind,
    icon_for,
    is_boundary,
    is_road,
    is_water,
    label_field,
    overdue_field,
)

StyleLayer = dict[str, Any]
OVERDUE_FILTER = ["==", ["get", OVERDUE_FIELD], True]


@dataclass
class LayerParts:
    """Style layers for one registry layer: drawn features, then labels and icons (drawn on top)."""

    layer_id: str
    geometry: list[StyleLayer] = field(default_factory=list)
    labels: list[StyleLayer] = field(default_factory=list)
    legend: dict[str, Any] = field(default_factory=dict)


def _base(layer: LayerDefinition, suffix: str, type_: str, source: str, minzoom: int | None = None) -> StyleLayer:
    style_layer: StyleLayer = {
        "id": f"{layer.id}-{suffix}",
        "type": type_,
        "source": source,
        "source-layer": layer.id,
        "metadata": {"onemap:layer": layer.id, "onemap:title_zh": layer.title_zh},
    }
    zoom = layer.min_zoom if minzoom is None else minzoom
    if zoom > 0:
        style_layer["minzoom"] = zoom
    return style_layer


def _text_layout(text: Any, size: float, **extra: Any) -> dict[str, Any]:
    return {"text-field": text, "text-font": [DEFAULT_FONTSTACK], "text-size": size, **extra}


TEXT_PAINT = {"text-color": palette.TEXT, "text-halo-color": palette.HALO, "text-halo-width": 1.5}


def _label_text(layer: LayerDefinition) -> tuple[Any, int] | None:
    spec = label_field(layer)
    if spec is None:
        return None
    zoom = field_min_zoom(layer, spec.name) or layer.min_zoom
    text: Any = ["get", spec.name] if spec.type is FieldType.STRING else ["to-string", ["get", spec.name]]
    return text, zoom


def polygon_parts(layer: LayerDefinition, source: str) -> LayerParts:
    colours = colouring(layer)
    parts = LayerParts(layer.id)
    fill = _base(layer, "fill", "fill", source)
    fill["paint"] = {"fill-color": colours.expression, "fill-opacity": 0.6 if is_water(layer) else 0.35}
    outline = _base(layer, "outline", "line", source)
    outline["layout"] = {"line-join": "round"}
    outline["paint"] = {"line-color": outline_colour(layer, colours), "line-width": line_width(layer)}
    if is_boundary(layer):
        outline["paint"]["line-dasharray"] = [3, 1.5]
    parts.geometry += [fill, outline]
    if overdue_field(layer) is not None:
        ring = _base(layer, "overdue", "line", source)
        ring["filter"] = OVERDUE_FILTER
        ring["paint"] = {"line-color": palette.OVERDUE, "line-width": line_width(layer, extra=2.5)}
        parts.geometry.append(ring)
    label = _label_text(layer)
    if label is not None:
        text, zoom = label
        symbol = _base(layer, "label", "symbol", source, zoom)
        symbol["layout"] = _text_layout(text, 14 if is_boundary(layer) else 12, **{"text-max-width": 8})
        symbol["paint"] = dict(TEXT_PAINT)
        parts.labels.append(symbol)
    _legend(parts, layer, colours.legend())
    return parts


def line_parts(layer: LayerDefinition, source: str) -> LayerParts:
    colours = colouring(layer)
    road = is_road(layer)
    parts = LayerParts(layer.id)
    if overdue_field(layer) is not None:
        halo = _base(layer, "overdue", "line", source)
        halo["filter"] = OVERDUE_FILTER
        halo["layout"] = {"line-join": "round", "line-cap": "round"}
        halo["paint"] = {"line-color": palette.OVERDUE, "line-opacity": 0.6,
                         "line-width": line_width(layer, extra=6, road=road)}
        parts.geometry.append(halo)
    if road:
        casing = _base(layer, "casing", "line", source)
        casing["layout"] = {"line-join": "round", "line-cap": "round"}
        casing["paint"] = {"line-color": colours.mapped(lambda c: palette.darker(c, 0.6)),
                           "line-width": line_width(layer, extra=1.5, road=True)}
        parts.geometry.append(casing)
    line = _base(layer, "line", "line", source)
    line["layout"] = {"line-join": "round", "line-cap": "round"}
    line["paint"] = {"line-color": colours.expression, "line-width": line_width(layer, road=road)}
    parts.geometry.append(line)
    label = _label_text(layer)
    if label is not None:
        text, zoom = label
        symbol = _base(layer, "label", "symbol", source, max(zoom, 8))
        symbol["layout"] = _text_layout(text, 12, **{"symbol-placement": "line", "symbol-spacing": 400,
                                                      "text-max-angle": 30})
        symbol["paint"] = dict(TEXT_PAINT)
        parts.labels.append(symbol)
    _legend(parts, layer, colours.legend())
    return parts


def point_parts(layer: LayerDefinition, source: str) -> LayerParts:
    colours = colouring(layer)
    icon = icon_for(layer)
    parts = LayerParts(layer.id)
    if overdue_field(layer) is not None:
        ring = _base(layer, "overdue", "circle", source)
        ring["filter"] = OVERDUE_FILTER
        ring["paint"] = {"circle-radius": 14, "circle-color": palette.OVERDUE, "circle-opacity": 0.25,
                         "circle-stroke-color": palette.OVERDUE, "circle-stroke-width": 2.5}
        parts.geometry.append(ring)
    label = _label_text(layer)
    if icon is None:
        circle = _base(layer, "circle", "circle", source)
        circle["paint"] = {"circle-color": colours.expression,
                           "circle-radius": ["interpolate", ["linear"], ["zoom"], 5, 3, 10, 5, 15, 7],
                           "circle-stroke-color": palette.HALO, "circle-stroke-width": 1}
        parts.geometry.append(circle)
        if label is not None:
            text, zoom = label
            symbol = _base(layer, "label", "symbol", source, zoom)
            symbol["layout"] = _text_layout(text, 12, **{"text-anchor": "top", "text-offset": [0, 0.6],
                                                          "text-max-width": 8, "text-optional": True})
            symbol["paint"] = dict(TEXT_PAINT)
            parts.labels.append(symbol)
    else:
        symbol = _base(layer, "icon", "symbol", source)
        layout: dict[str, Any] = {"icon-image": _icon_image(layer, icon), "icon-allow-overlap": False,
                                  "icon-padding": 1}
        if label is not None:
            text, zoom = label
            text_field = text if zoom <= layer.min_zoom else ["step", ["zoom"], "", zoom, text]
            layout.update(_text_layout(text_field, 12, **{"text-anchor": "top", "text-offset": [0, 0.9],
                                                           "text-max-width": 8, "text-optional": True}))
        symbol["layout"] = layout
        symbol["paint"] = {"icon-color": colours.expression, "icon-halo-color": palette.HALO,
                           "icon-halo-width": 1.5, **(dict(TEXT_PAINT) if label is not None else {})}
        parts.labels.append(symbol)
    _legend(parts, layer, colours.legend(), icon)
    return parts


def _icon_image(layer: LayerDefinition, icon: str) -> Any:
    capital = layer.field("is_capital")
    if icon == "city" and capital is not None and capital.type is FieldType.BOOLEAN:
        return ["case", ["==", ["get", "is_capital"], True], "capital", "city"]
    return icon


def _legend(parts: LayerParts, layer: LayerDefinition, colours: dict[str, Any] | None,
            icon: str | None = None) -> None:
    parts.legend = {"layer": layer.id, "title_zh": layer.title_zh, "title_en": layer.title_en,
                    "geometry": geometry_kind(layer), "icon": icon,
                    "colours": colours, "overdue": overdue_legend(layer)}


def layer_parts(layer: LayerDefinition, source: str) -> LayerParts:
    """The style layers for `layer`, reading tiles from the style source named `source`."""
    kind = geometry_kind(layer)
    if kind == "polygon":
        return polygon_parts(layer, source)
    if kind == "line":
        return line_parts(layer, source)
    return point_parts(layer, source)
