"""The chart style document: S-52 palette + mariner settings → a MapLibre style (spec v8).

Owns the draw order, the sources and the metadata. Layers bottom to top: the NODTA background,
depth areas and the safety contour (`styles.enc.depth`), land, dams, bridges and the fairway
(`styles.enc.features`), depth contours, shoreline and other lines, soundings, symbols, labels.
Tiles come from the dataset endpoint `/tiles/WebMercatorQuad/{z}/{y}/{x}?collections=a,b,…` (OGC
path order z/row/col = MapLibre's {z}/{y}/{x}), at most `MAX_LAYERS_PER_SOURCE` chart collections
per source. `chart_style(palette, settings)` with no `layers` names every chart collection the
recipes draw, with root-relative URLs (the committed `styles/enc-*.json`); the route passes the
registered, readable chart layers and its absolute base URL, and gets a style over those only
(the dataset endpoint refuses a tile naming an unknown collection).

Metadata: `onemap:mariner` holds the settings and every (layer, property) whose value is a
mariner `let` expression (see `styles.enc.mariner` for the recipe to change them in the browser),
`onemap:palette` the palette name and its colour tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from layers.model import LayerDefinition
from styles.enc.colours import PALETTES, palette
from styles.enc.depth import contour_layers, depth_area_layers, sounding_layers
from styles.enc.features import area_layers, label_layers, line_layers, point_layers
from styles.enc.mariner import BINDINGS, MarinerSettings
from styles.enc.parts import StyleLayer
from styles.generate import ATTRIBUTION, LOCAL_IDEOGRAPH_FONT_FAMILY, TILE_MATRIX_SET, glyphs_url

MAX_LAYERS_PER_SOURCE = 10
#: Zooms of the committed styles' sources (the route uses the registered layers' own zooms).
DEFAULT_MIN_ZOOM = 0
DEFAULT_MAX_ZOOM = 16
#: Where the committed styles open: the Songhua River pilot reach, Fengman Dam to Jilin City.
DEFAULT_CENTER = [126.6, 43.8]
DEFAULT_ZOOM = 11.0
TITLES = {"day": ("电子航道图（白天）", "Electronic navigational chart — day"),
          "dusk": ("电子航道图（黄昏）", "Electronic navigational chart — dusk"),
          "night": ("电子航道图（夜间）", "Electronic navigational chart — night")}


def style_id(palette_name: str) -> str:
    return f"enc-{palette_name}"


def chart_layers(colours: dict[str, str], settings: MarinerSettings) -> list[StyleLayer]:
    """Every chart style layer, bottom to top, not yet tied to sources."""
    return [*depth_area_layers(colours, settings), *area_layers(colours), *contour_layers(colours, settings),
            *line_layers(colours), *sounding_layers(colours, settings), *point_layers(colours, settings),
            *label_layers(colours)]


def collections_drawn(layers: list[StyleLayer]) -> list[str]:
    """The chart collections the style layers read, in first-use order."""
    return list(dict.fromkeys(layer["source-layer"] for layer in layers))


def _sources(base_url: str, collections: list[str],
             zooms: Mapping[str, tuple[int, int]]) -> tuple[dict[str, Any], dict[str, str]]:
    sources: dict[str, Any] = {}
    source_of: dict[str, str] = {}
    for start in range(0, len(collections), MAX_LAYERS_PER_SOURCE):
        chunk = collections[start:start + MAX_LAYERS_PER_SOURCE]
        source_id = f"enc-{start // MAX_LAYERS_PER_SOURCE + 1}"
        url = f"{base_url}/tiles/{TILE_MATRIX_SET}/{{z}}/{{y}}/{{x}}?collections={','.join(chunk)}"
        sources[source_id] = {
            "type": "vector", "tiles": [url],
            # never beyond a member's max zoom: the endpoint leaves a layer out of deeper tiles
            "minzoom": min(zooms[c][0] for c in chunk), "maxzoom": min(zooms[c][1] for c in chunk),
            "attribution": ATTRIBUTION,
        }
        source_of.update(dict.fromkeys(chunk, source_id))
    return sources, source_of


def chart_style(palette_name: str, settings: MarinerSettings | None = None, *, base_url: str = "",
                layers: Mapping[str, LayerDefinition] | None = None) -> dict[str, Any]:
    """The chart style for a palette and mariner settings.

    `layers`: the chart layers available (id → definition); None means every collection drawn,
    with default zooms. `base_url`: prefix of tile, sprite and glyph URLs ("" → root-relative).
    """
    if palette_name not in PALETTES:
        raise KeyError(f"未知调色板 / unknown palette {palette_name!r}; use one of {', '.join(PALETTES)}")
    settings = settings or MarinerSettings()
    base_url = base_url.rstrip("/")
    colours = palette(palette_name)
    style_layers = chart_layers(colours, settings)
    wanted = collections_drawn(style_layers)
    if layers is None:
        zooms = dict.fromkeys(wanted, (DEFAULT_MIN_ZOOM, DEFAULT_MAX_ZOOM))
    else:
        zooms = {c: (layers[c].min_zoom, layers[c].max_zoom) for c in wanted if c in layers}
    present = [c for c in wanted if c in zooms]
    sources, source_of = _sources(base_url, present, zooms)
    drawn: list[StyleLayer] = [{"id": "background", "type": "background",
                                "paint": {"background-color": colours["NODTA"]}}]
    for layer in style_layers:
        if layer["source-layer"] in source_of:
            drawn.append({**layer, "source": source_of[layer["source-layer"]]})
    title_zh, title_en = TITLES[palette_name]
    return {
        "version": 8,
        "name": f"{title_zh} / {title_en}",
        "metadata": {
            "onemap:style_id": style_id(palette_name),
            "onemap:title_zh": title_zh,
            "onemap:title_en": title_en,
            "onemap:palette": {"name": palette_name, "colours": colours},
            "onemap:mariner": {
                "settings": settings.as_metadata(),
                "bindings": list(BINDINGS),
                "properties": [{"layer": layer["id"], "property": prop}
                               for layer in drawn for prop in layer.get("metadata", {}).get("onemap:mariner", [])],
            },
            "onemap:layers": present,
            "onemap:localIdeographFontFamily": LOCAL_IDEOGRAPH_FONT_FAMILY,
            "onemap:note": "水深配色、安全等深线与水深注记随船员设置变化，无需重新切片 / depth shading, the "
                           "safety contour and soundings follow the mariner settings without re-tiling.",
        },
        "center": DEFAULT_CENTER,
        "zoom": DEFAULT_ZOOM,
        "sources": sources,
        "sprite": f"{base_url}/styles/{style_id(palette_name)}/sprite",
        "glyphs": glyphs_url(base_url),
        "layers": drawn,
    }
