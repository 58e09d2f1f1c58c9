"""Chart point symbols (a small subset of the S-52 symbol library) as SDF sprite icons.

Owns the chart icons and their sprite sheets in `styles/enc/data/sprites/`. Each icon is one flat
shape drawn with the helpers and SDF machinery of `styles/sprites.py`, so a style colours it per
feature and per palette with `icon-color` (for instance a lateral buoy red or green from its
COLOUR / CATLAM). The shapes follow the simplified S-52 forms: a can for a port-hand buoy, a cone
for a starboard-hand one (IALA region A shapes), a pillar for any other buoy, a stake for beacons,
a ring for distance marks, a staff with marks for water gauges, a ringed cross for a danger.

May import: `styles.sprites` (icon geometry and the sprite builder), `styles.assets` (file types).
"""

from __future__ import annotations

import math
from pathlib import Path

from styles.assets import AssetNotFound, SpriteFile
from styles.sprites import Icon, SpriteSheet, build_sprite, circle, polygon, rect

SPRITE_DIR = Path(__file__).parent / "data" / "sprites"


def _cross(cx: float, cy: float, arm: float, half_width: float) -> list[tuple[float, float]]:
    """A diagonal cross (×) as one outline, so its arms do not overlap."""
    a, w = arm, half_width
    plus = [(-w, -a), (w, -a), (w, -w), (a, -w), (a, w), (w, w), (w, a), (-w, a), (-w, w), (-a, w), (-a, -w),
            (-w, -w)]
    c = s = math.sqrt(0.5)
    return [(cx + x * c - y * s, cy + x * s + y * c) for x, y in plus]

ICONS: tuple[Icon, ...] = (
    Icon("enc-buoy-can", "罐形浮标（左侧标）", 10, 14, lambda: [rect(0.5, 0, 9.5, 11), circle(5, 12.5, 1.5)]),
    Icon("enc-buoy-cone", "锥形浮标（右侧标）", 12, 14, lambda: [polygon([(6, 0), (12, 11), (0, 11)]),
                                                               circle(6, 12.5, 1.5)]),
    Icon("enc-buoy", "浮标", 10, 14, lambda: [polygon([(3, 0), (7, 0), (10, 11), (0, 11)]), circle(5, 12.5, 1.5)]),
    Icon("enc-beacon", "立标", 8, 16, lambda: [polygon([(4, 0), (8, 5), (0, 5)]), rect(3, 5, 5, 16)]),
    Icon("enc-distance-mark", "里程标", 8, 8, lambda: [circle(4, 4, 4), circle(4, 4, 2.4, hole=True)]),
    Icon("enc-gauge", "水尺", 8, 16, lambda: [rect(0, 0, 3, 16), rect(3, 1, 8, 3), rect(3, 6, 8, 8),
                                              rect(3, 11, 8, 13)]),
    Icon("enc-danger", "孤立危险物", 14, 14, lambda: [circle(7, 7, 7), circle(7, 7, 5.4, hole=True),
                                                       polygon(_cross(7, 7, arm=4.0, half_width=0.8))]),
)
ICON_NAMES = frozenset(icon.name for icon in ICONS)


def build_sheets() -> list[SpriteSheet]:
    return [build_sprite(ratio, ICONS) for ratio in (1, 2)]


_MEDIA_TYPES = {"sprite.json": "application/json", "sprite.png": "image/png",
                "sprite@2x.json": "application/json", "sprite@2x.png": "image/png"}


def sprite_file(name: str) -> SpriteFile:
    """A committed chart sprite file: `sprite.json`, `sprite.png`, `sprite@2x.json`, `sprite@2x.png`."""
    media_type = _MEDIA_TYPES.get(name)
    if media_type is None:
        raise AssetNotFound(f"没有该样式图标文件 / no sprite file {name!r}")
    return SpriteFile((SPRITE_DIR / name).read_bytes(), media_type)
