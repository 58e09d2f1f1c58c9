"""What a layer's declaration says about drawing it: geometry kind, category, label, zooms, hints.

Owns the choices a style makes from the registry alone: which field colours the features (a field
with fixed colours in `styles/palette.py`, else the first field with a code list), which field
labels them (a Chinese name first), from which zoom a field is in the layer's tiles (so a label
layer never starts before its text is there), and the keyword hints (water, boundary, road, icon).
"""

from __future__ import annotations

from layers.model import ALWAYS_IN_TILES, FieldSpec, FieldType, GeometryType, LayerDefinition
from styles.palette import BOUNDARY_WORDS, FIELD_COLOURS, KEYWORD_ICONS, ROAD_WORDS, WATER_WORDS

WORKFLOW_FIELD = "workflow_state"
OVERDUE_FIELD = "overdue"
#: Label fields in order of preference; then any field named *name_zh, then the first string field.
LABEL_FIELDS = ("name_zh", "name", "label", "title_zh", "title")

_KINDS = {
    GeometryType.POINT: "point", GeometryType.MULTIPOINT: "point",
    GeometryType.LINESTRING: "line", GeometryType.MULTILINESTRING: "line",
    GeometryType.POLYGON: "polygon", GeometryType.MULTIPOLYGON: "polygon",
}


def geometry_kind(layer: LayerDefinition) -> str:
    """'polygon', 'line' or 'point'."""
    return _KINDS[layer.geometry_type]


def field_min_zoom(layer: LayerDefinition, name: str) -> int | None:
    """The first zoom whose tiles carry `name` (None: never in tiles, or no such field)."""
    if layer.field(name) is None:
        return None
    if name in ALWAYS_IN_TILES or not layer.tiles.properties:
        return layer.min_zoom
    zooms = [rule.from_zoom for rule in layer.tiles.properties if name in rule.fields]
    if not zooms:
        return None
    return max(layer.min_zoom, min(zooms))


def _in_tiles(layer: LayerDefinition, spec: FieldSpec) -> bool:
    return field_min_zoom(layer, spec.name) is not None


def category_field(layer: LayerDefinition) -> FieldSpec | None:
    """The field whose codes colour the features, if any."""
    for name in FIELD_COLOURS:
        spec = layer.field(name)
        if spec is not None and _in_tiles(layer, spec):
            return spec
    for spec in layer.fields:
        if spec.enum and spec.name != WORKFLOW_FIELD and _in_tiles(layer, spec):
            return spec
    return None


def label_field(layer: LayerDefinition) -> FieldSpec | None:
    """The field whose text labels the features, if any."""
    candidates = [layer.field(name) for name in LABEL_FIELDS]
    candidates += [spec for spec in layer.fields if spec.name.endswith("name_zh")]
    candidates += [spec for spec in layer.fields if spec.type is FieldType.STRING and not spec.enum]
    for spec in candidates:
        if spec is not None and spec.type is FieldType.STRING and _in_tiles(layer, spec):
            return spec
    return None


def workflow_field(layer: LayerDefinition) -> FieldSpec | None:
    spec = layer.field(WORKFLOW_FIELD)
    return spec if spec is not None and spec.type is FieldType.STRING else None


def overdue_field(layer: LayerDefinition) -> FieldSpec | None:
    spec = layer.field(OVERDUE_FIELD)
    return spec if spec is not None and spec.type is FieldType.BOOLEAN else None


def code_value(spec: FieldSpec, code: str) -> str | int:
    """A code-list code as the value a tile carries (integers stay integers)."""
    return int(code) if spec.type is FieldType.INTEGER else code


def _words(layer: LayerDefinition) -> str:
    return " ".join([layer.id, layer.title_zh, layer.title_en, *layer.keywords]).lower()


def has_word(layer: LayerDefinition, words: tuple[str, ...]) -> bool:
    text = _words(layer)
    return any(word.lower() in text for word in words)


def is_water(layer: LayerDefinition) -> bool:
    return has_word(layer, WATER_WORDS)


def is_boundary(layer: LayerDefinition) -> bool:
    return geometry_kind(layer) == "polygon" and has_word(layer, BOUNDARY_WORDS)


def is_road(layer: LayerDefinition) -> bool:
    return geometry_kind(layer) == "line" and (layer.field("road_class") is not None or has_word(layer, ROAD_WORDS))


def icon_for(layer: LayerDefinition) -> str | None:
    """The sprite icon a point layer draws with, or None for plain circles."""
    if geometry_kind(layer) != "point":
        return None
    keywords = " ".join(layer.keywords).lower()
    for word, icon in KEYWORD_ICONS:
        if word.lower() in keywords:
            return icon
    text = _words(layer)
    for word, icon in KEYWORD_ICONS:
        if word.lower() in text:
            return icon
    return None
