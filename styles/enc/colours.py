"""S-52 colour tables for the DAY, DUSK and NIGHT palettes, converted from CIE xyL to sRGB.

Source: the IHO S-52 Presentation Library 4.0 colour tables ("Official IHO Presentation Library
for ECDIS Ed 4 revision 0", colour table records DAY, DUSK and NIGHT), which give every colour
token as CIE 1931 chromaticity x, y and luminance L. The numbers below are transcribed from the
PresLib's colour records as published in `bkeepers/enc-tiles`, `packages/s52/data.json` (a JSON
dump of the PresLib 4.0 DAI file; the data are the IHO's). Nothing here is invented or tuned by eye.

Conversion (`xyl_to_srgb`), the usual CIE → sRGB route (IEC 61966-2-1, D65):
1. Y = L / 100 (PresLib luminance taken relative to a 100 cd/m² white), X = x·Y/y, Z = (1−x−y)·Y/y;
2. linear RGB = M · (X, Y, Z) with the sRGB matrix M below;
3. clamp to [0, 1], apply the sRGB transfer function (12.92·c below 0.0031308, else
   1.055·c^(1/2.4) − 0.055) and scale to 0–255.
The result equals OpenCPN's sRGB `chartsymbols.xml` colour tables (checked in the tests on
several tokens of every palette), so charts drawn with these styles match that ECDIS's colours.

May import: nothing of ours.
"""

from __future__ import annotations

from functools import cache

PALETTES = ("day", "dusk", "night")

#: token → ((x, y, L) DAY, (x, y, L) DUSK, (x, y, L) NIGHT), PresLib 4.0 order.
XYL: dict[str, tuple[tuple[float, float, float], ...]] = {
    "NODTA": ((0.28, 0.31, 40), (0.28, 0.31, 7), (0.28, 0.31, 1.2)),
    "CURSR": ((0.50, 0.40, 32), (0.50, 0.40, 10), (0.50, 0.40, 1.25)),
    "CHBLK": ((0.28, 0.31, 0), (0.28, 0.31, 20), (0.28, 0.31, 2.5)),
    "CHGRD": ((0.28, 0.31, 10), (0.28, 0.31, 20), (0.28, 0.31, 2.5)),
    "CHGRF": ((0.28, 0.31, 25), (0.28, 0.31, 10), (0.28, 0.31, 1.25)),
    "CHRED": ((0.48, 0.30, 25), (0.48, 0.30, 10), (0.48, 0.30, 1.25)),
    "CHGRN": ((0.31, 0.56, 60), (0.31, 0.56, 20), (0.31, 0.56, 2.5)),
    "CHYLW": ((0.41, 0.49, 70), (0.41, 0.49, 24), (0.41, 0.49, 3)),
    "CHMGD": ((0.30, 0.17, 20), (0.28, 0.24, 18), (0.30, 0.17, 2)),
    "CHMGF": ((0.28, 0.24, 48), (0.30, 0.17, 7), (0.30, 0.17, 2)),
    "CHBRN": ((0.39, 0.43, 30), (0.39, 0.43, 8), (0.39, 0.43, 1.3)),
    "CHWHT": ((0.28, 0.31, 80), (0.28, 0.31, 36), (0.28, 0.31, 5)),
    "SCLBR": ((0.50, 0.40, 32), (0.50, 0.40, 10), (0.50, 0.40, 1.25)),
    "CHCOR": ((0.50, 0.40, 32), (0.50, 0.40, 10), (0.50, 0.40, 1.25)),
    "LITRD": ((0.48, 0.30, 25), (0.48, 0.30, 10), (0.48, 0.30, 1.25)),
    "LITGN": ((0.31, 0.56, 60), (0.31, 0.56, 20), (0.31, 0.56, 2.5)),
    "LITYW": ((0.41, 0.49, 70), (0.41, 0.49, 24), (0.41, 0.49, 3)),
    "ISDNG": ((0.30, 0.17, 20), (0.28, 0.24, 18), (0.30, 0.17, 2)),
    "DNGHL": ((0.48, 0.30, 25), (0.48, 0.30, 10), (0.48, 0.30, 1.25)),
    "TRFCD": ((0.30, 0.17, 20), (0.28, 0.24, 18), (0.30, 0.17, 2)),
    "TRFCF": ((0.28, 0.24, 48), (0.30, 0.17, 7), (0.30, 0.17, 2)),
    "LANDA": ((0.35, 0.39, 50), (0.35, 0.39, 5), (0.35, 0.39, 0.8)),
    "LANDF": ((0.45, 0.42, 15), (0.45, 0.42, 12), (0.45, 0.42, 1.6)),
    "CSTLN": ((0.28, 0.31, 10), (0.28, 0.31, 20), (0.28, 0.31, 2.5)),
    "SNDG1": ((0.28, 0.31, 25), (0.28, 0.31, 10), (0.28, 0.31, 1.25)),
    "SNDG2": ((0.28, 0.31, 0), (0.28, 0.31, 36), (0.28, 0.31, 5)),
    "DEPSC": ((0.28, 0.31, 10), (0.28, 0.31, 20), (0.28, 0.31, 2.5)),
    "DEPCN": ((0.28, 0.31, 25), (0.28, 0.31, 10), (0.28, 0.31, 1.25)),
    "DEPDW": ((0.28, 0.31, 80), (0.28, 0.31, 0), (0.28, 0.31, 0)),
    "DEPMD": ((0.26, 0.29, 65), (0.25, 0.29, 1), (0.25, 0.29, 0.2)),
    "DEPMS": ((0.23, 0.25, 55), (0.23, 0.25, 3), (0.23, 0.25, 0.4)),
    "DEPVS": ((0.21, 0.22, 45), (0.21, 0.22, 5), (0.21, 0.22, 0.8)),
    "DEPIT": ((0.26, 0.36, 35), (0.26, 0.36, 6), (0.26, 0.36, 1.2)),
    "RADHI": ((0.31, 0.56, 60), (0.31, 0.56, 20), (0.31, 0.56, 2.5)),
    "RADLO": ((0.31, 0.56, 20), (0.31, 0.56, 7), (0.31, 0.56, 0.8)),
    "ARPAT": ((0.26, 0.42, 30), (0.26, 0.42, 17), (0.26, 0.42, 1.75)),
    "NINFO": ((0.50, 0.40, 32), (0.50, 0.40, 10), (0.50, 0.40, 1.25)),
    "RESBL": ((0.18, 0.15, 22), (0.18, 0.15, 10), (0.18, 0.15, 1.25)),
    "ADINF": ((0.41, 0.49, 35), (0.41, 0.49, 12), (0.41, 0.49, 1.5)),
    "RESGR": ((0.28, 0.31, 25), (0.28, 0.31, 20), (0.28, 0.31, 1.25)),
    "SHIPS": ((0.28, 0.31, 0), (0.28, 0.31, 36), (0.28, 0.31, 5)),
    "PSTRK": ((0.28, 0.31, 0), (0.28, 0.31, 36), (0.28, 0.31, 5)),
    "SYTRK": ((0.28, 0.31, 25), (0.28, 0.31, 10), (0.28, 0.31, 1.25)),
    "PLRTE": ((0.58, 0.35, 18), (0.58, 0.35, 8), (0.58, 0.35, 0.9)),
    "APLRT": ((0.50, 0.40, 32), (0.50, 0.40, 10), (0.50, 0.40, 1.25)),
    "UINFD": ((0.28, 0.31, 0), (0.28, 0.31, 36), (0.28, 0.31, 5)),
    "UINFF": ((0.28, 0.31, 10), (0.28, 0.31, 20), (0.28, 0.31, 2.5)),
    "UIBCK": ((0.28, 0.31, 80), (0.28, 0.31, 0), (0.28, 0.31, 0)),
    "UIAFD": ((0.21, 0.22, 45), (0.21, 0.22, 5), (0.21, 0.22, 0.8)),
    "UINFR": ((0.48, 0.30, 25), (0.48, 0.30, 10), (0.48, 0.30, 1.25)),
    "UINFG": ((0.31, 0.56, 60), (0.31, 0.56, 20), (0.31, 0.56, 2.5)),
    "UINFO": ((0.50, 0.40, 32), (0.50, 0.40, 10), (0.50, 0.40, 1.25)),
    "UINFB": ((0.18, 0.15, 22), (0.18, 0.15, 10), (0.18, 0.15, 1.25)),
    "UINFM": ((0.30, 0.17, 20), (0.28, 0.24, 18), (0.30, 0.17, 2)),
    "UIBDR": ((0.28, 0.31, 10), (0.28, 0.31, 20), (0.28, 0.31, 2.5)),
    "UIAFF": ((0.35, 0.39, 50), (0.45, 0.42, 12), (0.45, 0.42, 3.2)),
    "OUTLW": ((0.28, 0.31, 0), (0.28, 0.31, 0), (0.28, 0.31, 0)),
    "OUTLL": ((0.45, 0.42, 15), (0.35, 0.39, 5), (0.35, 0.39, 0.8)),
    "RES01": ((0.28, 0.31, 25), (0.28, 0.31, 10), (0.28, 0.31, 1.25)),
    "RES02": ((0.28, 0.31, 25), (0.28, 0.31, 10), (0.28, 0.31, 1.25)),
    "RES03": ((0.28, 0.31, 25), (0.28, 0.31, 10), (0.28, 0.31, 1.25)),
    "BKAJ1": ((0.28, 0.31, 0.6), (0.28, 0.31, 0), (0.28, 0.31, 0)),
    "BKAJ2": ((0.28, 0.31, 1.6), (0.28, 0.31, 0.72), (0.28, 0.31, 0.1)),
    "MARBL": ((0.145, 0.14, 20), (0.145, 0.14, 17), (0.145, 0.14, 1.75)),
    "MARCY": ((0.20, 0.355, 20), (0.20, 0.355, 17), (0.20, 0.355, 1.75)),
    "MARMG": ((0.36, 0.22, 20), (0.36, 0.22, 17), (0.36, 0.22, 1.75)),
    "MARWH": ((0.305, 0.344, 20), (0.305, 0.344, 17), (0.305, 0.344, 1.75)),
}

#: XYZ (D65) → linear sRGB, IEC 61966-2-1.
SRGB_MATRIX = ((3.2406, -1.5372, -0.4986),
               (-0.9689, 1.8758, 0.0415),
               (0.0557, -0.2040, 1.0570))


def _transfer(linear: float) -> float:
    c = min(max(linear, 0.0), 1.0)
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def xyl_to_srgb(x: float, y: float, luminance: float) -> tuple[int, int, int]:
    """CIE x, y and PresLib luminance L → 8-bit sRGB (see the module docstring)."""
    if y == 0 or luminance <= 0:
        return (0, 0, 0)
    big_y = luminance / 100
    xyz = (x * big_y / y, big_y, (1 - x - y) * big_y / y)
    linear = [sum(m * v for m, v in zip(row, xyz, strict=True)) for row in SRGB_MATRIX]
    r, g, b = (round(_transfer(c) * 255) for c in linear)
    return (r, g, b)


def hex_colour(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


@cache
def palette(name: str) -> dict[str, str]:
    """Every colour token of palette `name` ("day", "dusk", "night") as `#rrggbb`."""
    try:
        index = PALETTES.index(name)
    except ValueError:
        raise KeyError(f"未知调色板 / unknown palette {name!r}; use one of {', '.join(PALETTES)}") from None
    return {token: hex_colour(xyl_to_srgb(*values[index])) for token, values in XYL.items()}
