"""Map styles: MapLibre style JSON per `style_id` and the composite "one map", with sprites and glyphs.

Styles are generated from the layer registry (`generate.py` per style, `composite.py` for the one
map, `catalog.py` for which styles exist); `schema.py`, `palette.py`, `paint.py` and
`layer_parts.py` turn a layer's declaration into style layers. Sprites and Latin glyph ranges are
built offline (`python -m styles.build`: `sprites.py`, `glyph_build.py`, `sdf.py`, `glyph_pbf.py`)
into `data/`, committed, and read by `assets.py`. Chinese text is drawn by the web map's local
font (MapLibre `localIdeographFontFamily`).

May import: `layers` (to read layer declarations); never `gis_server`.
"""
