"""The style and map assets a package carries, pointing at the package itself.

The package's style is the one-map composite style over the package's layers with every URL
rewritten to the `package://` scheme: one vector source `package` (`package://tiles/{z}/{x}/{y}`,
all layers in one tile, as the package stores them), the sprite `package://sprites/sprite` and glyphs
`package://fonts/{fontstack}/{range}.pbf`. Whoever opens the package maps that scheme to where the
parts are — `onemap package serve` to its own URLs, the web map's file opener to the file read in
the browser (MapLibre `addProtocol("package", …)`).

Parts: `styles/onemap.json`, `sprites/sprite.{json,png}` and `@2x`, and the Latin glyph ranges
(0–255 and general punctuation) of every shipped fontstack — CJK text is drawn by the viewer's
local font, as on the server's map.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from layers.model import LayerDefinition
from styles.assets import fontstacks, glyph_range, sprite_file
from styles.catalog import COMPOSITE_ID, COMPOSITE_TITLE_EN, COMPOSITE_TITLE_ZH, StyleEntry
from styles.composite import composite_style

SCHEME = "package://"
SOURCE = "package"
STYLE_PART = "styles/onemap.json"
SPRITE_FILES = ("sprite.json", "sprite.png", "sprite@2x.json", "sprite@2x.png")
#: Latin glyph ranges shipped with a package: Basic Latin + Latin-1, and General Punctuation.
GLYPH_RANGES = ("0-255", "8192-8447")


def package_style(layers: Sequence[LayerDefinition], min_zoom: int, max_zoom: int,
                  bounds: tuple[float, float, float, float]) -> dict[str, Any]:
    entry = StyleEntry(COMPOSITE_ID, COMPOSITE_TITLE_ZH, COMPOSITE_TITLE_EN, tuple(layers), composite=True)
    style = composite_style(entry, "package:/")
    style["sources"] = {SOURCE: {
        "type": "vector", "tiles": [f"{SCHEME}tiles/{{z}}/{{x}}/{{y}}"], "minzoom": min_zoom, "maxzoom": max_zoom,
        "bounds": list(bounds), "attribution": next(iter(style["sources"].values()), {}).get("attribution", ""),
    }}
    for layer in style["layers"]:
        if "source" in layer:
            layer["source"] = SOURCE
    style["sprite"] = f"{SCHEME}sprites/sprite"
    style["glyphs"] = f"{SCHEME}fonts/{{fontstack}}/{{range}}.pbf"
    style["metadata"]["onemap:package"] = True
    return style


def style_parts(layers: Sequence[LayerDefinition], min_zoom: int, max_zoom: int,
                bounds: tuple[float, float, float, float]) -> dict[str, bytes]:
    """Every non-tile part of a package's map: style, sprites, glyphs (name → bytes)."""
    parts = {STYLE_PART: orjson.dumps(package_style(layers, min_zoom, max_zoom, bounds), option=orjson.OPT_INDENT_2)}
    for name in SPRITE_FILES:
        parts[f"sprites/{name}"] = sprite_file(name).body
    for fontstack in fontstacks():
        for glyphs in GLYPH_RANGES:
            parts[f"fonts/{fontstack}/{glyphs}.pbf"] = glyph_range(fontstack, glyphs)
    return parts


__all__ = ["GLYPH_RANGES", "SCHEME", "SOURCE", "STYLE_PART", "package_style", "style_parts"]
