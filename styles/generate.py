"""MapLibre style JSON (style spec v8) for a style of the catalogue, generated from the registry.

Owns the style document: absolute URLs for tiles, sprite and glyphs from a base URL the caller
passes in; one vector source per registry layer using the OGC API – Tiles template
`/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}` (the tile matrix row is MapLibre's y,
counted from the top, the column its x) with the layer's zooms and extent; style layers from
`styles/layer_parts.py`; metadata with Chinese titles and a legend.

Chinese text: the style names only the Latin fontstack it ships. MapLibre draws CJK ideographs
with the browser's own font when the map is created with `localIdeographFontFamily` (the default,
"sans-serif", is fine; a web map must not set it to false), so no CJK glyph files are needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from layers.model import LayerDefinition
from styles.catalog import StyleEntry
from styles.layer_parts import LayerParts, layer_parts
from styles.schema import geometry_kind

TILE_MATRIX_SET = "WebMercatorQuad"
ATTRIBUTION = "© 吉林省交通运输厅 / Jilin Provincial Department of Transport"
#: What a web map should pass as MapLibre's `localIdeographFontFamily` (see the module docstring).
LOCAL_IDEOGRAPH_FONT_FAMILY = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"


#: Polygons below lines below points; the base geography below every business domain.
GEOMETRY_RANK = {"polygon": 0, "line": 1, "point": 2}
BASE_DOMAIN = "base"


def draw_order(layers: Sequence[LayerDefinition]) -> list[LayerDefinition]:
    """Layers bottom to top: by geometry kind, the base domain first, then by domain name; within a
    domain, layers that appear only when zoomed in go lower, so the layers that matter from afar win
    label and icon collisions (MapLibre places the topmost symbol layer first); then registry order."""
    indexed = list(enumerate(layers))
    indexed.sort(key=lambda item: (GEOMETRY_RANK[geometry_kind(item[1])], item[1].domain != BASE_DOMAIN,
                                   item[1].domain, -item[1].min_zoom, item[0]))
    return [layer for _, layer in indexed]


def layer_tiles_url(base_url: str, layer_id: str) -> str:
    return f"{base_url}/collections/{layer_id}/tiles/{TILE_MATRIX_SET}/{{z}}/{{y}}/{{x}}"


def glyphs_url(base_url: str) -> str:
    return f"{base_url}/fonts/{{fontstack}}/{{range}}.pbf"


def sprite_url(base_url: str, style_id: str) -> str:
    return f"{base_url}/styles/{style_id}/sprite"


def union_extent(layers: Sequence[LayerDefinition]) -> list[float]:
    boxes = [layer.valid_extent for layer in layers]
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def initial_view(layers: Sequence[LayerDefinition]) -> tuple[list[float], float]:
    """Centre and zoom that show the layers' extent in a ~1000-pixel-wide map."""
    minx, miny, maxx, maxy = union_extent(layers)
    centre = [round((minx + maxx) / 2, 4), round((miny + maxy) / 2, 4)]
    span = max(maxx - minx, (maxy - miny) * 1.4, 1e-6)
    zoom = math.log2(720 / span)
    zoom = max(zoom, min(layer.min_zoom for layer in layers))
    return centre, round(min(max(zoom, 0.0), 18.0), 2)


def vector_source(tiles_url: str, layers: Sequence[LayerDefinition]) -> dict[str, Any]:
    return {
        "type": "vector",
        "tiles": [tiles_url],
        "minzoom": min(layer.min_zoom for layer in layers),
        "maxzoom": max(layer.max_zoom for layer in layers),
        "bounds": union_extent(layers),
        "attribution": ATTRIBUTION,
    }


def style_document(entry: StyleEntry, base_url: str, sources: dict[str, Any], parts: Sequence[LayerParts],
                   background: str | None = None) -> dict[str, Any]:
    """The style: geometry bands of every part first, then all labels (so labels stay on top)."""
    centre, zoom = initial_view(entry.layers)
    style_layers: list[dict[str, Any]] = []
    if background is not None:
        style_layers.append({"id": "background", "type": "background", "paint": {"background-color": background}})
    for part in parts:
        style_layers += part.geometry
    for part in parts:
        style_layers += part.labels
    return {
        "version": 8,
        "name": entry.title,
        "metadata": {
            "onemap:style_id": entry.id,
            "onemap:title_zh": entry.title_zh,
            "onemap:title_en": entry.title_en,
            "onemap:layers": [layer.id for layer in entry.layers],
            "onemap:legend": [part.legend for part in parts],
            "onemap:localIdeographFontFamily": LOCAL_IDEOGRAPH_FONT_FAMILY,
            "onemap:note": "中文由浏览器本地字体绘制（MapLibre localIdeographFontFamily）；"
                           "样式只引用随平台提供的拉丁字体 / CJK text is drawn with the browser's local font.",
        },
        "center": centre,
        "zoom": zoom,
        "sources": sources,
        "sprite": sprite_url(base_url, entry.id),
        "glyphs": glyphs_url(base_url),
        "layers": style_layers,
    }


def layer_style(entry: StyleEntry, base_url: str) -> dict[str, Any]:
    """The style of one catalogue entry of registry layers, each with its own tile source."""
    base_url = base_url.rstrip("/")
    sources = {layer.id: vector_source(layer_tiles_url(base_url, layer.id), [layer]) for layer in entry.layers}
    parts = [layer_parts(layer, layer.id) for layer in draw_order(entry.layers)]
    return style_document(entry, base_url, sources, parts)
