"""S-52 portrayal of the electronic navigational chart: MapLibre styles for the DAY, DUSK and
NIGHT palettes over the chart collections (`enc_*`) and the mariner's settings.

`colours.py` holds the S-52 colour tables (CIE xyL → sRGB), `mariner.py` the settings and the
mariner-dependent rules (SEABED01, safety contour, SNDFRM) both in Python and as expressions,
`depth.py` and `features.py` the style layers, `parts.py` their builders, `sprites.py` the chart
icons, `document.py` the style document, `build.py` the committed files (`python -m styles.enc.build`).

May import: `styles` (fontstack, sprite machinery, URL helpers), `layers` (layer definitions,
`InvalidQuery`); never `gis_server` or `enc_chart` (styles read only tile attributes).
"""

from styles.enc.document import chart_style
from styles.enc.mariner import MarinerSettings, settings_from_query

__all__ = ["MarinerSettings", "chart_style", "settings_from_query"]
