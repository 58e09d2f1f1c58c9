"""A small inline SVG picture of a page of features for the HTML views (no map library, no network)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 640, 360, 8


def _rings(geometry: dict[str, Any] | None) -> Iterable[tuple[str, list[list[float]]]]:
    """(kind, coordinate list) for every part: kind is 'point', 'line' or 'ring'."""
    if not geometry:
        return
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Point":
        yield "point", [coords]
    elif kind == "MultiPoint":
        for c in coords:
            yield "point", [c]
    elif kind == "LineString":
        yield "line", coords
    elif kind == "MultiLineString":
        for c in coords:
            yield "line", c
    elif kind == "Polygon":
        for c in coords:
            yield "ring", c
    elif kind == "MultiPolygon":
        for polygon in coords:
            for c in polygon:
                yield "ring", c


def svg_preview(features: list[dict[str, Any]], *, lat_first: bool = False, geographic: bool = True) -> Markup:
    parts = [(f.get("id"), kind, [(c[1], c[0]) if lat_first else (c[0], c[1]) for c in coords])
             for f in features for kind, coords in _rings(f.get("geometry"))]
    xs = [x for _, _, pts in parts for x, _ in pts]
    ys = [y for _, _, pts in parts for _, y in pts]
    if not xs:
        return Markup("")
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    if geographic:  # a degree of longitude is shorter than a degree of latitude away from the equator
        squeeze = max(0.1, math.cos(math.radians((y0 + y1) / 2)))
        xs = [x * squeeze for x in xs]
        parts = [(fid, kind, [(x * squeeze, y) for x, y in pts]) for fid, kind, pts in parts]
        x0, x1 = x0 * squeeze, x1 * squeeze
    span = max(x1 - x0, y1 - y0, 1e-9)
    scale = min((WIDTH - 2 * PAD) / max(x1 - x0, span * 1e-3), (HEIGHT - 2 * PAD) / max(y1 - y0, span * 1e-3))

    def xy(x: float, y: float) -> str:
        return f"{PAD + (x - x0) * scale:.1f},{HEIGHT - PAD - (y - y0) * scale:.1f}"

    shapes = []
    for raw_id, kind, pts in parts:
        fid = escape(raw_id)  # ids are data: text, never markup
        if kind == "point":
            cx, cy = xy(*pts[0]).split(",")
            shapes.append(f'<circle cx="{cx}" cy="{cy}" r="3"><title>{fid}</title></circle>')
        else:
            tag = "polygon" if kind == "ring" else "polyline"
            points = " ".join(xy(x, y) for x, y in pts if math.isfinite(x) and math.isfinite(y))
            shapes.append(f'<{tag} points="{points}"><title>{fid}</title></{tag}>')
    return Markup(
        f'<svg class="preview" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        'role="img" aria-label="要素预览 / preview">' + "".join(shapes) + "</svg>"  # styled by static/pages.css
    )
