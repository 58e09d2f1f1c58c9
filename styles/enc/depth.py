"""The mariner-dependent part of the chart: depth areas, the safety contour, depth contours, soundings.

Owns the S-52 recipes that change with the mariner's settings (all through
`styles.enc.mariner.mariner_expression`, so they change in the browser without new tiles):
- depth areas and dredged areas (`enc_depare`, `enc_drgare`): fill by SEABED01 (DEPIT, DEPVS,
  DEPMS, DEPMD, DEPDW; two or four shades);
- the safety contour taken from the depth areas themselves, S-52's "next deeper contour" rule:
  it is the edge between areas with DRVAL1 below the safety contour and areas with DRVAL1 at or
  beyond it. Drawn without knowing neighbours: a DEPSC line along the outline of every shallow
  area, then the shallow areas filled again on top (no anti-aliasing, so shared edges leave no
  seam), which hides the line between two shallow areas and keeps its outer half where a shallow
  area meets deeper water; land drawn later covers it along the shore;
- depth contours (`enc_depcnt`): DEPCN 1 px, the contour whose VALDCO equals the safety contour
  DEPSC 2 px (DEPCNT02);
- soundings (`enc_soundg`, field `depth`): SNDG2 at or above the safety depth, SNDG1 deeper
  (SNDFRM), metres with the decimetre smaller below 31 m, truncated as S-52 does.
"""

from __future__ import annotations

from styles.enc.mariner import (
    MarinerSettings,
    mariner_expression,
    safety_contour_expression,
    seabed_expression,
    sounding_depth,
    sounding_expression,
    unsafe_area_expression,
)
from styles.enc.parts import Expression, StyleLayer, chart_layer, text_layout, text_paint

DEPTH_AREAS = (("enc_depare", "水深区"), ("enc_drgare", "疏浚区"))
#: Width (px) of the DEPSC line drawn along shallow areas; its outer half (S-52's 2 units) stays visible.
SAFETY_EDGE_WIDTH = 4


def depth_area_layers(colours: dict[str, str], settings: MarinerSettings) -> list[StyleLayer]:
    seabed = mariner_expression(settings, seabed_expression(colours))
    layers: list[StyleLayer] = []
    for collection, title in DEPTH_AREAS:
        layers.append(chart_layer(f"{collection}-fill", "fill", collection, title,
                                  paint={"fill-color": seabed}, mariner=("paint.fill-color",)))
    for collection, title in DEPTH_AREAS:
        layers.append(chart_layer(
            f"{collection}-safety-edge", "line", collection, f"{title}（安全等深线）",
            layout={"line-join": "round"},
            paint={"line-color": colours["DEPSC"], "line-width": SAFETY_EDGE_WIDTH,
                   "line-opacity": mariner_expression(settings, unsafe_area_expression(1, 0))},
            mariner=("paint.line-opacity",)))
    for collection, title in DEPTH_AREAS:
        layers.append(chart_layer(
            f"{collection}-shallow-cover", "fill", collection, f"{title}（浅水区覆盖）",
            paint={"fill-color": seabed, "fill-antialias": False,
                   "fill-opacity": mariner_expression(settings, unsafe_area_expression(1, 0))},
            mariner=("paint.fill-color", "paint.fill-opacity")))
    layers.append(chart_layer("enc_drgare-outline", "line", "enc_drgare", "疏浚区边界",
                              paint={"line-color": colours["CHGRF"], "line-width": 1, "line-dasharray": [4, 2]}))
    return layers


def contour_layers(colours: dict[str, str], settings: MarinerSettings) -> list[StyleLayer]:
    return [chart_layer(
        "enc_depcnt-line", "line", "enc_depcnt", "等深线", layout={"line-join": "round"},
        paint={"line-color": mariner_expression(settings, safety_contour_expression(colours["DEPSC"],
                                                                                    colours["DEPCN"])),
               "line-width": mariner_expression(settings, safety_contour_expression(2, 1))},
        mariner=("paint.line-color", "paint.line-width"))]


def sounding_text() -> Expression:
    """Metres, with the truncated decimetre in a smaller size below 31 m; drying heights get a '-'."""
    tenths = ["floor", ["+", ["*", ["abs", ["var", "d"]], 10], 1e-6]]
    whole = ["floor", ["/", ["var", "t"], 10]]
    decimetre = ["-", ["var", "t"], ["*", whole, 10]]
    sign = ["case", ["<", ["var", "d"], 0], "-", ""]
    small = ["case", ["all", ["<", ["abs", ["var", "d"]], 31], [">", decimetre, 0]], ["to-string", decimetre], ""]
    return ["let", "d", sounding_depth(),
            ["let", "t", tenths,
             ["format", ["concat", sign, ["to-string", whole]], {}, small, {"font-scale": 0.75}]]]


def sounding_layers(colours: dict[str, str], settings: MarinerSettings) -> list[StyleLayer]:
    colour = mariner_expression(settings, sounding_expression(colours))
    return [chart_layer(
        "enc_soundg-label", "symbol", "enc_soundg", "水深点",
        layout=text_layout(sounding_text(), 11, **{"text-allow-overlap": False, "text-padding": 1}),
        paint={**text_paint(colours, colour)}, minzoom=11, mariner=("paint.text-color",))]
