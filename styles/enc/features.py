"""The chart's other features: land and shoreline, fairway and waterway axis, bridges, dams,
overhead cables, lateral buoys and beacons, distance marks, water gauges, underwater hazards.

Owns their recipes, after the S-52 / Inland ENC 2.5 look-up tables (catalogue zips of the IEHG):
LNDARE AC(LANDA); UNSARE AC(NODTA); LAKARE, RIVERS, CANALS AC(DEPVS) LS(SOLD,1,CHBLK); COALNE and
shoreline constructions CSTLN; FAIRWY LS(DASH,1,CHGRD); waterway axis LS(DOTT,1,CHGRD); BRIDGE
LS(SOLD,4,CHGRD) (lines 5) with the name and 'clr' (vertical clearance), here "净空 12.5 m", and
"净宽 40.0 m" for the horizontal clearance; DAMCON AC(CHBRN) LS(SOLD,1,LANDF) (lines 4 LANDF);
CBLOHD dashed CHGRD with "净空" (inland cables: "安全净空" from VERCSA, Inland ENC 'sf clr').
Lateral buoys and beacons are IALA region A: the first COLOUR code (3 red → CHRED, 4 green →
CHGRN, 6 yellow, 1 white, 2 black), else CATLAM (1 port-hand → CHRED, 2 starboard-hand → CHGRN, and
the Inland ENC codes of the same sides); shape from BOYSHP (1 cone, 2 can, 3–8 the pillar), else
CATLAM (port can, starboard cone). Multi-coloured marks take their first colour. An obstruction, wreck
or rock whose VALSOU is unknown or not deeper than the safety contour is an isolated danger
(ISDNG, after UDWHAZ) — a mariner-dependent colour. Names are Chinese first (`nobjnm`, else `objnam`).
"""

from __future__ import annotations

from styles.enc.mariner import MarinerSettings, mariner_expression, var
from styles.enc.parts import Expression, StyleLayer, chart_layer, metres, name_text, text_layout, text_paint

BRIDGE_AREAS = (("enc_bridge", "桥梁"), ("enc_i_bridge", "桥梁（内河）"))
BRIDGE_LINES = (("enc_bridge_l", "桥梁"), ("enc_i_bridge_l", "桥梁（内河）"))
LATERAL = (("enc_boylat", "侧面浮标", "buoy"), ("enc_i_boylat", "侧面浮标（内河）", "buoy"),
           ("enc_bcnlat", "侧面立标", "beacon"), ("enc_i_bcnlat", "侧面立标（内河）", "beacon"))
DISTANCE_MARKS = (("enc_dismar", "里程标"), ("enc_i_dismar", "里程标（内河）"))
HAZARDS = (("enc_obstrn_p", "碍航物"), ("enc_wrecks_p", "沉船"), ("enc_uwtroc", "礁石"),
           ("enc_i_uwtroc_p", "礁石（内河）"))
CABLES = (("enc_cblohd", "架空电缆"), ("enc_i_cblohd", "架空电缆（内河）"))
WATER_AREAS = (("enc_lakare", "湖泊"), ("enc_rivers", "河流"), ("enc_canals", "运河"))


def area_layers(colours: dict[str, str]) -> list[StyleLayer]:
    """Areas above the depth areas: land, built-up areas, dams, bridges, fairway, lock basins."""
    return [
        chart_layer("enc_unsare-fill", "fill", "enc_unsare", "未测区",
                    paint={"fill-color": colours["NODTA"], "fill-outline-color": colours["CHGRD"]}),
        chart_layer("enc_lndare-fill", "fill", "enc_lndare", "陆地", paint={"fill-color": colours["LANDA"]}),
        *[chart_layer(f"{collection}-fill", "fill", collection, title,
                      paint={"fill-color": colours["DEPVS"], "fill-outline-color": colours["CHBLK"]})
          for collection, title in WATER_AREAS],
        chart_layer("enc_buaare-fill", "fill", "enc_buaare", "建成区", paint={"fill-color": colours["CHBRN"]}),
        chart_layer("enc_damcon-fill", "fill", "enc_damcon", "水坝",
                    paint={"fill-color": colours["CHBRN"], "fill-outline-color": colours["LANDF"]}),
        chart_layer("enc_slcons-outline", "line", "enc_slcons", "岸线构筑物",
                    paint={"line-color": colours["CSTLN"], "line-width": 2}),
        chart_layer("enc_i_lokbsn-outline", "line", "enc_i_lokbsn", "船闸闸室",
                    paint={"line-color": colours["CHGRF"], "line-width": 2, "line-dasharray": [4, 2]}),
        chart_layer("enc_fairwy-outline", "line", "enc_fairwy", "航道",
                    paint={"line-color": colours["CHGRD"], "line-width": 1, "line-dasharray": [6, 3]}),
        *[chart_layer(f"{collection}-outline", "line", collection, title,
                      paint={"line-color": colours["CHGRD"], "line-width": 4}) for collection, title in BRIDGE_AREAS],
    ]


def line_layers(colours: dict[str, str]) -> list[StyleLayer]:
    return [
        chart_layer("enc_lndare_l-line", "line", "enc_lndare_l", "陆地（线）",
                    paint={"line-color": colours["CSTLN"], "line-width": 1}),
        chart_layer("enc_coalne-line", "line", "enc_coalne", "岸线", layout={"line-join": "round"},
                    paint={"line-color": colours["CSTLN"], "line-width": 1}),
        chart_layer("enc_slcons_l-line", "line", "enc_slcons_l", "岸线构筑物",
                    paint={"line-color": colours["CSTLN"], "line-width": 2}),
        chart_layer("enc_damcon_l-line", "line", "enc_damcon_l", "水坝",
                    paint={"line-color": colours["LANDF"], "line-width": 4}),
        chart_layer("enc_i_wtwaxs-line", "line", "enc_i_wtwaxs", "航道轴线",
                    layout={"line-cap": "round"},
                    paint={"line-color": colours["CHGRD"], "line-width": 1, "line-dasharray": [0.5, 3]}),
        *[chart_layer(f"{collection}-line", "line", collection, title,
                      paint={"line-color": colours["CHGRD"], "line-width": 2, "line-dasharray": [4, 3]})
          for collection, title in CABLES],
        *[chart_layer(f"{collection}-line", "line", collection, title,
                      paint={"line-color": colours["CHGRD"], "line-width": 5}) for collection, title in BRIDGE_LINES],
    ]


#: CATLAM codes by the shape and colour Inland ENC 2.5 gives them (look-up table: BOYLAT2x cans for
#: 1 port, 3 preferred channel to starboard, 7, 17; BOYLAT1x cones for 2 starboard, 4, 8, 18, 19),
#: and the IALA-A colour of a lateral mark without COLOUR.
CAN_CATLAM = ["1", "3", "7", "17"]
CONE_CATLAM = ["2", "4", "8", "18", "19"]
PORT_RED = ["1", "3", "7"]
STARBOARD_GREEN = ["2", "4", "8"]


def _catlam() -> Expression:
    """CATLAM as text ("1"): the store keeps E codes as text, and a number 1 reads as "1" too."""
    return ["to-string", ["coalesce", ["get", "catlam"], ""]]


def first_code(field: str) -> Expression:
    """The first code of a comma-joined list attribute ("3,4,3" → "3")."""
    text = ["to-string", ["coalesce", ["get", field], ""]]
    comma = ["index-of", ",", text]
    return ["slice", text, 0, ["case", [">=", comma, 0], comma, ["length", text]]]


def lateral_colour(colours: dict[str, str]) -> Expression:
    by_catlam = ["match", _catlam(), PORT_RED, colours["CHRED"], STARBOARD_GREEN, colours["CHGRN"], colours["CHBLK"]]
    return ["match", first_code("colour"), "3", colours["CHRED"], "4", colours["CHGRN"], "6", colours["CHYLW"],
            "1", colours["CHWHT"], "2", colours["CHBLK"], by_catlam]


#: BOYSHP codes of the other shapes (3 spherical, 4 pillar, 5 spar, 6 barrel, 7 super-buoy, 8 ice buoy): S-52
#: gives each its own symbol (BOYSPH, BOYPIL, BOYSPR, BOYBAR, BOYSUP); here they share the pillar.
OTHER_BOYSHP = ["3", "4", "5", "6", "7", "8"]


def buoy_icon() -> Expression:
    """BOYSHP decides the shape (1 cone, 2 can, any other the pillar); only without BOYSHP does CATLAM."""
    by_catlam = ["match", _catlam(), CAN_CATLAM, "enc-buoy-can", CONE_CATLAM, "enc-buoy-cone", "enc-buoy"]
    return ["match", first_code("boyshp"), "1", "enc-buoy-cone", "2", "enc-buoy-can", OTHER_BOYSHP, "enc-buoy",
            by_catlam]


def _icon_layout(icon: Expression, text: Expression | None = None, size: float = 11) -> dict[str, object]:
    layout: dict[str, object] = {"icon-image": icon, "icon-allow-overlap": True, "icon-anchor": "bottom"}
    if text is not None:
        layout.update(text_layout(text, size, **{"text-anchor": "left", "text-offset": [0.8, -0.6],
                                                 "text-optional": True, "text-max-width": 8}))
    return layout


def point_layers(colours: dict[str, str], settings: MarinerSettings) -> list[StyleLayer]:
    layers: list[StyleLayer] = []
    halo = {"icon-halo-color": colours["CHBLK"], "icon-halo-width": 0.8}
    for collection, title, kind in LATERAL:
        icon = buoy_icon() if kind == "buoy" else "enc-beacon"
        layers.append(chart_layer(f"{collection}-icon", "symbol", collection, title, minzoom=10,
                                  layout=_icon_layout(icon, name_text()),
                                  paint={"icon-color": lateral_colour(colours), **halo, **text_paint(colours)}))
    distance = ["case", ["has", "wtwdis"], ["to-string", ["get", "wtwdis"]], name_text()]
    for collection, title in DISTANCE_MARKS:
        layers.append(chart_layer(f"{collection}-icon", "symbol", collection, title, minzoom=9,
                                  layout={**_icon_layout("enc-distance-mark", distance), "icon-anchor": "center",
                                          "text-anchor": "left", "text-offset": [0.7, 0]},
                                  paint={"icon-color": colours["CHMGD"], **text_paint(colours, colours["CHMGD"])}))
    layers.append(chart_layer("enc_i_wtwgag_p-icon", "symbol", "enc_i_wtwgag_p", "水位站", minzoom=9,
                              layout=_icon_layout("enc-gauge", name_text()),
                              paint={"icon-color": colours["CHBLK"], **text_paint(colours)}))
    danger = mariner_expression(settings, ["case", ["<=", ["to-number", ["coalesce", ["get", "valsou"], -1e9], -1e9],
                                                        var("safety_contour")], colours["ISDNG"], colours["CHGRD"]])
    for collection, title in HAZARDS:
        layers.append(chart_layer(f"{collection}-icon", "symbol", collection, title, minzoom=11,
                                  layout={"icon-image": "enc-danger", "icon-allow-overlap": True},
                                  paint={"icon-color": danger}, mariner=("paint.icon-color",)))
    return layers


def label_layers(colours: dict[str, str]) -> list[StyleLayer]:
    """Names of areas and lines, and the clearance labels of bridges and overhead cables."""
    clearance = ["concat",
                 ["case", ["has", "verclr"], ["concat", "\n净空 ", metres("verclr"), " m"],
                  ["has", "verccl"], ["concat", "\n净空（关）", metres("verccl"), " m"], ""],
                 ["case", ["has", "horclr"], ["concat", "\n净宽 ", metres("horclr"), " m"], ""]]
    bridge_text = ["concat", name_text(), clearance]
    # inland cables give the safe clearance (VERCSA, 'sf clr'); IHO ones the clearance (VERCLR, 'clr')
    cable_clearance = ["case", ["has", "vercsa"], ["concat", "安全净空 ", metres("vercsa"), " m"],
                       ["has", "verclr"], ["concat", "净空 ", metres("verclr"), " m"], ""]
    layers = [
        chart_layer("enc_lndare-label", "symbol", "enc_lndare", "陆地名称", minzoom=11,
                    layout=text_layout(name_text(), 12, **{"text-max-width": 8}), paint=text_paint(colours)),
        chart_layer("enc_fairwy-label", "symbol", "enc_fairwy", "航道名称", minzoom=11,
                    layout=text_layout(name_text(), 12, **{"symbol-placement": "line", "text-max-angle": 30}),
                    paint=text_paint(colours)),
        *[chart_layer(f"{collection}-label", "symbol", collection, f"{title}净空", minzoom=12,
                      layout=text_layout(cable_clearance, 11, **{"symbol-placement": "line-center"}),
                      paint=text_paint(colours)) for collection, title in CABLES],
    ]
    for collection, title in (*BRIDGE_AREAS, *BRIDGE_LINES):
        placement = {"symbol-placement": "line-center"} if collection.endswith("_l") else {}
        layers.append(chart_layer(f"{collection}-label", "symbol", collection, f"{title}名称与净空", minzoom=11,
                                  layout=text_layout(bridge_text, 11, **{"text-max-width": 12, **placement}),
                                  paint=text_paint(colours)))
    return layers
