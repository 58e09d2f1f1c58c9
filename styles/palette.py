"""Colours, widths and icons the styles use, and the hints that tie them to layer fields and keywords.

Owns every cartographic constant, so the look of the one map is changed here and nowhere else.
Conventions of Chinese road maps: expressways green (the colour of expressway signs), national
roads red, provincial roads orange-yellow; water blue; a bridge's technical condition grade
(JTG/T H21, classes 1–5) from green to red; supervision states from blue (new) through orange
(in hand) to green (done) and grey (closed), with overdue items ringed in red.
"""

from __future__ import annotations

#: Tableau 10, for categories without a colour of their own.
CATEGORICAL = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
               "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
#: ColorBrewer Pastel1 plus two, for polygon fills under everything else.
PASTEL = ("#fbb4ae", "#b3cde3", "#ccebc5", "#decbe4", "#fed9a6",
          "#ffffcc", "#e5d8bd", "#fddaec", "#d9d9d9", "#c7e9c0", "#fdd0a2")

DEFAULT_COLOUR = {"polygon": "#9fb3c8", "line": "#5b7083", "point": "#1f6fb2"}
BACKGROUND = "#f4f2ee"
TEXT = "#2b2b2b"
HALO = "#ffffff"
OVERDUE = "#e60012"
WATER_FILL = "#a8d0f0"
WATER_LINE = "#3f8fd8"
BOUNDARY_LINE = "#8a7a9a"

#: Fixed colours for the codes of well-known fields (first match in this order is the category).
FIELD_COLOURS: dict[str, dict[str, str]] = {
    "road_class": {"expressway": "#13a049", "national": "#e23b34", "provincial": "#f2a91d",
                   "county": "#b58900", "rural": "#9e9e9e"},
    "tech_grade": {"1": "#1a9850", "2": "#91cf60", "3": "#f6c700", "4": "#fc8d59", "5": "#d73027"},
}

#: Relative line widths for the codes of well-known fields (1.0 = the widest class).
FIELD_WIDTHS: dict[str, dict[str, float]] = {
    "road_class": {"expressway": 1.0, "national": 0.75, "provincial": 0.6, "county": 0.5, "rural": 0.4},
}

#: Workflow state codes by kind, and the colour of each kind. States of a layer's code list that
#: match none of these take categorical colours.
STATE_KINDS: dict[str, tuple[str, ...]] = {
    "#1c7ed6": ("new", "draft", "reported", "submitted", "received", "registered", "clue", "filed", "pending",
                "open"),
    "#f08c00": ("confirmed", "assessed", "dispatched", "assigned", "accepted", "handling", "in_progress",
                "processing", "investigating", "rectifying", "reviewing", "review", "executing", "deciding"),
    "#2f9e44": ("cleared", "verified", "resolved", "completed", "approved", "done", "rectified"),
    "#868e96": ("closed", "archived", "cancelled", "rejected", "withdrawn"),
}
STATE_COLOURS: dict[str, str] = {code: colour for colour, codes in STATE_KINDS.items() for code in codes}

#: Point icons (names in `styles/sprites.py`) by a word in the layer's keywords, titles or id.
KEYWORD_ICONS: tuple[tuple[str, str], ...] = (
    ("收费站", "toll-station"), ("toll", "toll-station"),
    ("服务区", "service-area"), ("service", "service-area"),
    ("桥梁", "bridge"), ("bridge", "bridge"),
    ("里程桩", "stake"), ("桩号", "stake"), ("stake", "stake"),
    ("驻地", "city"), ("城市", "city"), ("cities", "city"),
    ("隐患", "warning"), ("风险", "warning"), ("事件", "warning"), ("hazard", "warning"), ("incident", "warning"),
)
#: Icon colour where a layer has no category to colour by.
ICON_COLOURS = {"toll-station": "#13a049", "service-area": "#1c7ed6", "bridge": "#495057", "city": "#c92a2a",
                "stake": "#5c5f66", "warning": "#e8590c", "point": DEFAULT_COLOUR["point"]}

WATER_WORDS = ("水系", "水域", "河流", "航道", "water", "river")
BOUNDARY_WORDS = ("行政区划", "边界", "boundar")
ROAD_WORDS = ("路网", "公路", "road")


def darker(colour: str, factor: float = 0.7) -> str:
    """`#rrggbb` scaled towards black (factor 1 keeps it)."""
    value = colour.lstrip("#")
    channels = [int(value[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(c * factor):02x}" for c in channels)


def categorical(index: int, pastel: bool = False) -> str:
    colours = PASTEL if pastel else CATEGORICAL
    return colours[index % len(colours)]
