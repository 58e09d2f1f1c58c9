"""Signed distance fields from outlines, in the convention MapLibre's SDF shader expects.

Owns one function shared by the glyph builder (`styles/glyph_build.py`) and the sprite builder
(`styles/sprites.py`). It follows mapbox/sdf-glyph-foundry (what node-fontnik uses to make the
glyph PBFs MapLibre was tuned for): each pixel centre's distance to the nearest outline segment,
negative inside, scaled to 256/8 per pixel (radius 8) and shifted by a 0.25 cutoff, so the
outline sits at byte value 191 and a value falls by 32 per pixel outward. Distances are measured
in CSS pixels: a bitmap drawn at pixel ratio 2 passes `pixel_ratio=2`, so a halo of one CSS pixel
means the same on either sprite.

Inside/outside uses the non-zero winding rule (the TrueType fill rule), so overlapping contours
of an icon merge instead of cancelling; for the non-overlapping contours of a font it agrees with
sdf-glyph-foundry's even-odd test.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Distance (CSS px) at which the field is cut off, as in sdf-glyph-foundry.
RADIUS = 8
#: Fraction of the byte range kept for distances inside the outline.
CUTOFF = 0.25
#: Byte value of the outline itself (MapLibre's shader draws the edge at 0.75).
EDGE_VALUE = 255 - int(CUTOFF * 256)


def _segments(rings: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    starts, ends = [], []
    for ring in rings:
        points = np.asarray(ring, dtype=np.float64)
        if len(points) < 2:
            continue
        if not np.array_equal(points[0], points[-1]):
            points = np.vstack([points, points[:1]])
        starts.append(points[:-1])
        ends.append(points[1:])
    if not starts:
        return np.empty((0, 2)), np.empty((0, 2))
    return np.vstack(starts), np.vstack(ends)


def signed_distance_field(rings: Sequence[np.ndarray], width: int, height: int, *,
                          pixel_ratio: float = 1.0) -> np.ndarray:
    """A `height` × `width` uint8 SDF of the shape bounded by `rings`.

    `rings` are closed or open sequences of (x, y) points in bitmap pixels, x to the right and y
    down, (0, 0) the top-left corner of the bitmap; pixel (col, row) is sampled at its centre.
    """
    out = np.zeros((height, width), dtype=np.uint8)
    a, b = _segments(rings)
    if width == 0 or height == 0 or len(a) == 0:
        return out
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    px = cols.reshape(-1, 1)
    py = rows.reshape(-1, 1)
    ax, ay, bx, by = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    with np.errstate(divide="ignore", invalid="ignore"):
        t = ((px - ax) * dx + (py - ay) * dy) / length2
    t = np.where(length2 == 0, 0.0, np.clip(t, 0.0, 1.0))
    nearest_x = ax + t * dx
    nearest_y = ay + t * dy
    distance = np.sqrt(((px - nearest_x) ** 2 + (py - nearest_y) ** 2).min(axis=1)) / pixel_ratio
    distance = np.where(distance < RADIUS, distance, np.inf)

    # Non-zero winding: count signed crossings of a ray from each pixel centre towards +x.
    upward = (ay <= py) & (by > py)
    downward = (ay > py) & (by <= py)
    with np.errstate(divide="ignore", invalid="ignore"):
        cross_x = ax + (py - ay) * dx / dy
    right = px < cross_x
    winding = (np.where(upward & right, 1, 0) - np.where(downward & right, 1, 0)).sum(axis=1)
    signed = np.where(winding != 0, -distance, distance)

    shifted = signed * (256 / RADIUS) + CUTOFF * 256
    level = np.clip(np.trunc(np.nan_to_num(shifted, posinf=255, neginf=0)), 0, 255)
    out[:] = (255 - level).reshape(height, width).astype(np.uint8)
    return out
