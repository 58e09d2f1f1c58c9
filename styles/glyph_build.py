"""Build MapLibre glyph range files (SDF glyphs in protobuf) from a TrueType font, in Python.

Owns the offline step behind `styles/data/fonts/`: `python -m styles.build` calls `build_range`
for every shipped range and commits the result, so the server only reads files. The metrics
follow node-fontnik / sdf-glyph-foundry, which MapLibre's text layout was tuned on: glyphs
rendered at 24 px without hinting; `left`/`top` from the outline's rounded bounding box;
`advance` the unhinted advance truncated to whole pixels; a 3-pixel SDF buffer with radius 8 and
cutoff 0.25 (`styles/sdf.py`). One deliberate difference: fontnik makes `top` relative to the
font's own ascender (22 px for DejaVu Sans), we make it relative to `BASELINE` = 26 px, what
fontnik writes for Noto Sans and Open Sans. MapLibre's layout constants were tuned on those, and
the Chinese it draws with the browser's font sits on a baseline 27 px down, so Latin and Chinese
in one label ("G12 珲乌高速") share a baseline instead of the Latin riding 5 px high.

Needs fontTools (build time only; not a runtime dependency of the server).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from styles.glyph_pbf import GLYPH_BUFFER, Glyph, GlyphRange
from styles.sdf import signed_distance_field

#: Glyph size in pixels (fontnik's char_size); MapLibre scales from it (`text-size` / 24).
GLYPH_SIZE = 24
#: Distance (px) from the top of the line box to the baseline that `top` is measured against.
BASELINE = 26
#: Fullwidth ASCII variants (U+FF01–U+FF5E) are made from the font's ASCII glyphs, centred in an
#: ideographic advance, because MapLibre draws only CJK ideographs, kana and hangul with the
#: browser's local font — fullwidth punctuation such as （） would otherwise have no glyph.
FULLWIDTH_FIRST, FULLWIDTH_LAST, FULLWIDTH_OFFSET = 0xFF01, 0xFF5E, 0xFEE0
IDEOGRAPHIC_SPACE = 0x3000


def _round_half_away(value: float) -> int:
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


class _FlatteningPen:
    """A fontTools pen that collects contours as polylines in pixels (y up), curves flattened."""

    def __init__(self, glyph_set: Any, scale: float) -> None:
        from fontTools.pens.basePen import BasePen

        outer = self

        class Pen(BasePen):
            def _moveTo(self, pt: tuple[float, float]) -> None:
                outer._start(pt)

            def _lineTo(self, pt: tuple[float, float]) -> None:
                outer._add(pt)

            def _qCurveToOne(self, pt1: tuple[float, float], pt2: tuple[float, float]) -> None:
                outer._curve((self._getCurrentPoint(), pt1, pt2))

            def _curveToOne(self, pt1: tuple[float, float], pt2: tuple[float, float],
                            pt3: tuple[float, float]) -> None:
                outer._curve((self._getCurrentPoint(), pt1, pt2, pt3))

            def _closePath(self) -> None:
                outer._finish()

            def _endPath(self) -> None:
                outer._finish()

        self.pen = Pen(glyph_set)
        self.scale = scale
        self.rings: list[np.ndarray] = []
        self._ring: list[tuple[float, float]] = []

    def _start(self, pt: tuple[float, float]) -> None:
        self._finish()
        self._ring = [pt]

    def _add(self, pt: tuple[float, float]) -> None:
        self._ring.append(pt)

    def _curve(self, control: tuple[tuple[float, float], ...]) -> None:
        points = np.asarray(control, dtype=np.float64)
        length_px = float(np.hypot(*np.diff(points, axis=0).T).sum()) * self.scale
        steps = max(2, min(24, math.ceil(length_px / 1.5)))
        t = np.linspace(0.0, 1.0, steps + 1)[1:, None]
        if len(points) == 3:
            curve = (1 - t) ** 2 * points[0] + 2 * (1 - t) * t * points[1] + t**2 * points[2]
        else:
            curve = ((1 - t) ** 3 * points[0] + 3 * (1 - t) ** 2 * t * points[1]
                     + 3 * (1 - t) * t**2 * points[2] + t**3 * points[3])
        self._ring.extend(map(tuple, curve))

    def _finish(self) -> None:
        if len(self._ring) > 1:
            self.rings.append(np.asarray(self._ring, dtype=np.float64) * self.scale)
        self._ring = []


class FontRasterizer:
    """One TrueType font, ready to render glyphs of any code point it maps."""

    def __init__(self, font_path: Path) -> None:
        from fontTools.ttLib import TTFont

        self.font = TTFont(str(font_path))
        self.cmap: dict[int, str] = self.font.getBestCmap()
        self.glyph_set = self.font.getGlyphSet()
        units_per_em = self.font["head"].unitsPerEm
        self.scale = GLYPH_SIZE / units_per_em
        self.ascender = BASELINE
        names = self.font["name"]
        self.fontstack = f"{names.getDebugName(1)} {names.getDebugName(2)}"

    def _advance(self, glyph_name: str) -> int:
        width_units = self.font["hmtx"][glyph_name][0]
        return math.floor(round(width_units * self.scale * 64) / 64)

    def render(self, code_point: int) -> Glyph | None:
        """The SDF glyph of `code_point`, or None when the font does not map it."""
        glyph_name = self.cmap.get(code_point)
        if glyph_name is None:
            return None
        advance = self._advance(glyph_name)
        pen = _FlatteningPen(self.glyph_set, self.scale)
        self.glyph_set[glyph_name].draw(pen.pen)
        pen._finish()
        empty = Glyph(code_point, 0, 0, 0, -self.ascender, advance)
        if not pen.rings:
            return empty
        points = np.vstack(pen.rings)
        xmin, ymin = (_round_half_away(v) for v in points.min(axis=0))
        xmax, ymax = (_round_half_away(v) for v in points.max(axis=0))
        width, height = xmax - xmin, ymax - ymin
        if width == 0 or height == 0:
            return empty
        buffered_w, buffered_h = width + 2 * GLYPH_BUFFER, height + 2 * GLYPH_BUFFER
        # Font units are y-up; the bitmap is y-down with the outline's box `GLYPH_BUFFER` px in.
        rings = [np.column_stack([ring[:, 0] - xmin + GLYPH_BUFFER,
                                  buffered_h - (ring[:, 1] - ymin + GLYPH_BUFFER)]) for ring in pen.rings]
        bitmap = signed_distance_field(rings, buffered_w, buffered_h)
        return Glyph(code_point, width, height, xmin, ymax - self.ascender, advance, bitmap.tobytes())


def build_range(rasterizer: FontRasterizer, start: int) -> GlyphRange:
    """Glyphs for code points `start`–`start + 255` that the font has (plus the synthesised ones)."""
    if start % 256 or not 0 <= start <= 65280:
        raise ValueError(f"glyph ranges start at a multiple of 256 below 65536, not {start}")
    glyphs: list[Glyph] = []
    for code_point in range(start, start + 256):
        glyph = rasterizer.render(code_point) or _synthesised(rasterizer, code_point)
        if glyph is not None:
            glyphs.append(glyph)
    return GlyphRange(rasterizer.fontstack, start, start + 255, tuple(glyphs))


def _synthesised(rasterizer: FontRasterizer, code_point: int) -> Glyph | None:
    if code_point == IDEOGRAPHIC_SPACE:
        return Glyph(code_point, 0, 0, 0, -rasterizer.ascender, GLYPH_SIZE)
    if FULLWIDTH_FIRST <= code_point <= FULLWIDTH_LAST:
        ascii_glyph = rasterizer.render(code_point - FULLWIDTH_OFFSET)
        if ascii_glyph is None:
            return None
        shift = (GLYPH_SIZE - ascii_glyph.advance) // 2
        return replace(ascii_glyph, id=code_point, left=ascii_glyph.left + shift, advance=GLYPH_SIZE)
    return None
