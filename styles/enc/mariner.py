"""Mariner settings (safety depth, shallow/safety/deep contours, two or four depth shades) and the
MapLibre expressions that apply them to the attributes the chart tiles carry.

Owns the S-52 decisions that depend on the mariner, written twice on purpose: once in plain
Python (`seabed_token`, `sounding_token`, `is_safety_contour`, the reference semantics of S-52
Annex A conditional procedures SEABED01 / DEPCNT02 / SNDFRM) and once as style expressions
(`mariner_expression`), so the tests can check that both agree.

Every mariner-dependent style property is one `let` expression whose bindings are the settings,
always in the order of `BINDINGS`:

    ["let", "safety_depth", 8, "shallow_contour", 5, "safety_contour", 10, "deep_contour", 30,
            "two_shades", false, <body using ["var", "safety_contour"] …>]

so a web map changes a setting without re-tiling (tiles carry `drval1`, `drval2`, `valdco`,
`depth`): take the property's current value (`map.getPaintProperty(layer, property)`), replace the
number after the setting's name (the element at index 2·k+2 for the k-th binding), and set it back
with `setPaintProperty`. The style's `metadata["onemap:mariner"]` lists the settings and every
(layer, property) that holds such an expression. Fetching the style again with other query
parameters and calling `map.setStyle(style, {diff: true})` does the same: only those paint
properties differ, the sources are identical, so no tile is fetched again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from layers.errors import InvalidQuery

Expression = Any

#: Binding names, in the order every `let` expression declares them.
BINDINGS = ("safety_depth", "shallow_contour", "safety_contour", "deep_contour", "two_shades")
#: Deepest value accepted for any setting, metres.
MAX_DEPTH = 1000.0
QUERY_PARAMETERS = ("safety_depth", "shallow_contour", "safety_contour", "deep_contour", "shades")


@dataclass(frozen=True)
class MarinerSettings:
    """What the mariner chose. Defaults: the settings the IHO ECDIS Chart 1 plots assume
    (its README.TXT: safety contour 10 m, shallow 5 m, deep 30 m, safety depth 8 m, four shades)."""

    safety_depth: float = 8.0
    shallow_contour: float = 5.0
    safety_contour: float = 10.0
    deep_contour: float = 30.0
    shades: int = 4

    def __post_init__(self) -> None:
        for name in ("safety_depth", "shallow_contour", "safety_contour", "deep_contour"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) \
                    or not 0 <= value <= MAX_DEPTH:
                raise InvalidQuery(f"{name} 须为 0 到 {MAX_DEPTH:g} 米之间的数值 / {name} must be a number of "
                                   f"metres from 0 to {MAX_DEPTH:g}, got {value!r}", parameter=name)
        if not self.shallow_contour <= self.safety_contour <= self.deep_contour:
            raise InvalidQuery(
                "等深线须满足 浅水 ≤ 安全 ≤ 深水 / contours must satisfy shallow ≤ safety ≤ deep, got "
                f"shallow_contour={self.shallow_contour:g}, safety_contour={self.safety_contour:g}, "
                f"deep_contour={self.deep_contour:g}", parameter="safety_contour")
        if self.shades not in (2, 4):
            raise InvalidQuery(f"shades 须为 2 或 4 / shades must be 2 or 4, got {self.shades!r}",
                               parameter="shades")

    @property
    def two_shades(self) -> bool:
        return self.shades == 2

    def bindings(self) -> list[Any]:
        """The `let` arguments: name, value, name, value, … in `BINDINGS` order."""
        values = {**asdict(self), "two_shades": self.two_shades}
        out: list[Any] = []
        for name in BINDINGS:
            value = values[name]
            out += [name, value if isinstance(value, bool) else float(value)]
        return out

    def as_metadata(self) -> dict[str, Any]:
        return {**asdict(self), "two_shades": self.two_shades}


def settings_from_query(params: Mapping[str, str]) -> MarinerSettings:
    """Settings from query parameters (absent ones keep their defaults); bad values → InvalidQuery."""
    values: dict[str, Any] = {}
    for name in QUERY_PARAMETERS:
        raw = params.get(name)
        if raw is None:
            continue
        try:
            values[name] = int(raw) if name == "shades" else float(raw)
        except ValueError:
            kind = "整数 / an integer" if name == "shades" else "数值 / a number"
            raise InvalidQuery(f"{name} 须为{kind}, got {raw!r}", parameter=name) from None
    return MarinerSettings(**values)


# -- reference semantics (plain Python) -------------------------------------------------------------
def seabed_token(drval1: float | None, drval2: float | None, settings: MarinerSettings) -> str:
    """S-52 DEPARE/SEABED01: the colour token of a depth area.

    Missing DRVAL1 counts as −1 (drying); missing DRVAL2 as DRVAL1 + 0.01. DEPIT for drying areas,
    then DEPVS < shallow ≤ DEPMS < safety ≤ DEPMD < deep ≤ DEPDW (an area is in a band when
    DRVAL1 ≥ the contour and DRVAL2 > it); two shades collapse to DEPVS / DEPDW at the safety contour.
    """
    d1 = -1.0 if drval1 is None else drval1
    d2 = d1 + 0.01 if drval2 is None else drval2

    def beyond(contour: float) -> bool:
        return d1 >= contour and d2 > contour

    token = "DEPVS" if beyond(0.0) else "DEPIT"
    if settings.two_shades:
        return "DEPDW" if beyond(settings.safety_contour) else token
    if beyond(settings.shallow_contour):
        token = "DEPMS"
    if beyond(settings.safety_contour):
        token = "DEPMD"
    if beyond(settings.deep_contour):
        token = "DEPDW"
    return token


def is_unsafe_area(drval1: float | None, settings: MarinerSettings) -> bool:
    """A depth area on the shallow side of the safety contour (its edge towards deeper water is
    the safety contour, S-52 DEPCNT02 "next deeper contour" rule)."""
    return (-1.0 if drval1 is None else drval1) < settings.safety_contour


def is_safety_contour(valdco: float | None, settings: MarinerSettings) -> bool:
    """A depth contour drawn as the safety contour (DEPSC): its value equals the setting."""
    return (0.0 if valdco is None else valdco) == settings.safety_contour


def sounding_token(depth: float, settings: MarinerSettings) -> str:
    """S-52 SNDFRM: soundings at or shallower than the safety depth are SNDG2, deeper ones SNDG1."""
    return "SNDG2" if depth <= settings.safety_depth else "SNDG1"


# -- the same rules as MapLibre expressions ---------------------------------------------------------
def mariner_expression(settings: MarinerSettings, body: Expression) -> Expression:
    """`body` wrapped in the `let` that binds every setting (see the module docstring)."""
    return ["let", *settings.bindings(), body]


def var(name: str) -> Expression:
    return ["var", name]


def drval1() -> Expression:
    return ["to-number", ["coalesce", ["get", "drval1"], -1], -1]


def _beyond(contour: Expression) -> Expression:
    return ["all", [">=", var("d1"), contour], [">", var("d2"), contour]]


def seabed_expression(colours: Mapping[str, str]) -> Expression:
    """SEABED01 as a body for `mariner_expression`: drval1/drval2 → the token's colour."""
    four = ["case",
            _beyond(var("deep_contour")), colours["DEPDW"],
            _beyond(var("safety_contour")), colours["DEPMD"],
            _beyond(var("shallow_contour")), colours["DEPMS"],
            _beyond(0), colours["DEPVS"],
            colours["DEPIT"]]
    two = ["case",
           _beyond(var("safety_contour")), colours["DEPDW"],
           _beyond(0), colours["DEPVS"],
           colours["DEPIT"]]
    return ["let", "d1", drval1(),
            ["let", "d2", ["to-number", ["coalesce", ["get", "drval2"], ["+", var("d1"), 0.01]]],
             ["case", var("two_shades"), two, four]]]


def unsafe_area_expression(if_unsafe: Any, otherwise: Any) -> Expression:
    """Body: `if_unsafe` for areas with DRVAL1 below the safety contour, else `otherwise`."""
    return ["case", ["<", drval1(), var("safety_contour")], if_unsafe, otherwise]


def safety_contour_expression(if_safety: Any, otherwise: Any) -> Expression:
    """Body: `if_safety` for a DEPCNT whose VALDCO equals the safety contour."""
    valdco = ["to-number", ["coalesce", ["get", "valdco"], 0], 0]
    return ["case", ["==", valdco, var("safety_contour")], if_safety, otherwise]


def sounding_depth() -> Expression:
    return ["to-number", ["coalesce", ["get", "depth"], ["get", "valsou"], 0], 0]


def sounding_expression(colours: Mapping[str, str]) -> Expression:
    """Body: SNDG2 at or above the safety depth (shallower), SNDG1 below it."""
    return ["case", ["<=", sounding_depth(), var("safety_depth")], colours["SNDG2"], colours["SNDG1"]]
