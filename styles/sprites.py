"""Point symbols: simple vector icons drawn as signed distance fields into a MapLibre sprite sheet.

Owns the icon shapes and the sprite build. Every icon is one flat shape (outer contours
counter-clockwise in the y-down icon box, holes the other way round) turned into an SDF by
`styles/sdf.py` and marked `"sdf": true`, so a style colours it per feature with `icon-color`
(category, condition grade or workflow state) and outlines it with `icon-halo-color`. Pixel
ratios 1 and 2 are built from the same shapes (`sprite.png`/`sprite.json`,
`sprite@2x.png`/`sprite@2x.json`). `python -m styles.build` writes them to `styles/data/sprites/`,
where they are committed; the server only reads them. Pillow writes the PNGs (build time only).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from styles.sdf import signed_distance_field

#: CSS pixels of empty SDF around each icon: halos up to ~4 px stay inside the icon's cell.
PADDING = 6
#: Colour of the icon pixels (only the alpha channel carries the SDF; this is what a client that
#: ignores `sdf` shows).
INK = (51, 51, 51)
PIXEL_RATIOS = (1, 2)

Ring = list[tuple[float, float]]


def _ccw(ring: Ring, hole: bool = False) -> Ring:
    """Orient a ring: counter-clockwise on screen (y down) for solids, clockwise for holes."""
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True))
    # With y down, a positive shoelace sum is clockwise on screen.
    clockwise = area > 0
    return ring[::-1] if clockwise != hole else ring


def circle(cx: float, cy: float, r: float, hole: bool = False, n: int = 48) -> Ring:
    ring = [(cx + r * math.cos(2 * math.pi * i / n), cy + r * math.sin(2 * math.pi * i / n)) for i in range(n)]
    return _ccw(ring, hole)


def rect(x0: float, y0: float, x1: float, y1: float, hole: bool = False) -> Ring:
    return _ccw([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], hole)


def polygon(points: Ring, hole: bool = False) -> Ring:
    return _ccw(list(points), hole)


def star(cx: float, cy: float, r_outer: float, r_inner: float, points: int = 5) -> Ring:
    ring = []
    for i in range(points * 2):
        radius = r_outer if i % 2 == 0 else r_inner
        angle = -math.pi / 2 + math.pi * i / points
        ring.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return _ccw(ring)


def half_disc(cx: float, cy: float, r: float, hole: bool = False, n: int = 24) -> Ring:
    """The upper half of a disc centred on (cx, cy)."""
    return _ccw([(cx - r * math.cos(math.pi * i / n), cy - r * math.sin(math.pi * i / n)) for i in range(n + 1)], hole)


@dataclass(frozen=True)
class Icon:
    """An icon: its size in CSS pixels (without padding), its Chinese name, and its contours."""

    name: str
    title_zh: str
    width: float
    height: float
    shape: Callable[[], list[Ring]]


ICONS: tuple[Icon, ...] = (
    Icon("point", "点", 12, 12, lambda: [circle(6, 6, 5.5)]),
    Icon("city", "城市", 16, 16, lambda: [circle(8, 8, 7.5), circle(8, 8, 5, hole=True), circle(8, 8, 2.6)]),
    Icon("capital", "省会", 20, 20, lambda: [star(10, 10.6, 10, 4.2)]),
    Icon("toll-station", "收费站", 20, 16, lambda: [
        rect(0, 1, 9, 3.5),  # roof
        rect(1, 3.5, 8, 16), rect(2.8, 5.5, 6.2, 9, hole=True),  # booth with a window
        rect(8, 8.5, 20, 10.5),  # barrier arm
        rect(18.5, 10.5, 20, 16),  # arm rest
    ]),
    Icon("service-area", "服务区", 16, 16, lambda: [
        rect(1, 0, 2.4, 6), rect(3.6, 0, 5, 6), rect(6.2, 0, 7.6, 6),  # fork tines
        polygon([(1, 6), (7.6, 6), (6.4, 8.2), (2.2, 8.2)]),  # fork neck
        rect(3.4, 8.2, 5.2, 16),  # fork handle
        polygon([(11, 0), (12.2, 0), (14.6, 3), (14.6, 9), (12.8, 9), (12.8, 16), (11, 16)]),  # knife
    ]),
    Icon("bridge", "桥梁", 22, 13, lambda: [
        rect(0, 0, 22, 13),  # deck, spandrels and abutments in one block
        half_disc(11, 13, 7.6, hole=True),  # the arch opening
    ]),
    Icon("stake", "里程桩", 8, 12, lambda: [polygon([(0, 2.5), (4, 0), (8, 2.5), (8, 12), (0, 12)])]),
    Icon("warning", "警示", 20, 18, lambda: [
        polygon([(10, 0), (20, 18), (0, 18)]), polygon([(10, 4.2), (16.4, 16), (3.6, 16)], hole=True),
        rect(9.1, 7, 10.9, 11.8), rect(9.1, 13, 10.9, 14.8),
    ]),
)

ICON_NAMES = frozenset(icon.name for icon in ICONS)


@dataclass(frozen=True)
class SpriteSheet:
    """One pixel ratio's sprite: the PNG bytes and the index MapLibre reads beside it."""

    pixel_ratio: int
    png: bytes
    index: dict[str, dict[str, Any]]


def icon_bitmap(icon: Icon, pixel_ratio: int) -> np.ndarray:
    """The icon's SDF at `pixel_ratio`, padding included (height × width uint8)."""
    width = math.ceil((icon.width + 2 * PADDING) * pixel_ratio)
    height = math.ceil((icon.height + 2 * PADDING) * pixel_ratio)
    rings = [np.asarray([((x + PADDING) * pixel_ratio, (y + PADDING) * pixel_ratio) for x, y in ring])
             for ring in icon.shape()]
    return signed_distance_field(rings, width, height, pixel_ratio=pixel_ratio)


def build_sprite(pixel_ratio: int, icons: tuple[Icon, ...] = ICONS) -> SpriteSheet:
    """All icons side by side in one row, in name order, as an RGBA PNG plus its JSON index."""
    from PIL import Image

    bitmaps = [(icon, icon_bitmap(icon, pixel_ratio)) for icon in sorted(icons, key=lambda i: i.name)]
    width = sum(bitmap.shape[1] for _, bitmap in bitmaps)
    height = max(bitmap.shape[0] for _, bitmap in bitmaps)
    sheet = np.zeros((height, width, 4), dtype=np.uint8)
    sheet[..., :3] = INK
    index: dict[str, dict[str, Any]] = {}
    x = 0
    for icon, bitmap in bitmaps:
        h, w = bitmap.shape
        sheet[:h, x:x + w, 3] = bitmap
        index[icon.name] = {"x": x, "y": 0, "width": w, "height": h, "pixelRatio": pixel_ratio, "sdf": True}
        x += w
    out = io.BytesIO()
    Image.fromarray(sheet).save(out, format="PNG", optimize=True)
    return SpriteSheet(pixel_ratio, out.getvalue(), index)
