"""Driving a bare MapLibre page over the chart styles in the browser tests (`test_enc_render.py`):
the page itself (the platform's MapLibre from /static/vendor, served by a routed request on the
server's origin), opening and moving the map, what it rendered (`queryRenderedFeatures`), the
pixels on screen and where an area shows its own fill alone; and what the Features API says of a cell.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from tests.browser.conftest import ARTIFACTS

#: Pixels of margin round the bounds a chart opens on, left to the background.
PADDING = 40
#: Largest difference per sRGB channel between a sampled pixel and its colour token.
TOLERANCE = 3

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>chart</title>
<link rel="stylesheet" href="/static/vendor/maplibre-gl.css">
<style>html, body, #map { margin: 0; width: 100%; height: 100%; }</style>
<script src="/static/vendor/maplibre-gl.js"></script></head><body><div id="map"></div></body></html>"""
PAGE_PATH = "/__enc_render_test"

OPEN = """async ([url, bounds, padding]) => {
  const style = await (await fetch(url)).json();
  if (window.chartMap) window.chartMap.remove();
  const map = new maplibregl.Map({container: 'map', style, bounds: [[bounds[0], bounds[1]], [bounds[2], bounds[3]]],
    fitBoundsOptions: {padding}, fadeDuration: 0, attributionControl: false,
    localIdeographFontFamily: style.metadata['onemap:localIdeographFontFamily'] || 'sans-serif'});
  window.chartMap = map;
  await new Promise((done, fail) => {
    map.once('idle', () => done());
    map.once('error', (e) => fail(new Error(String(e.error && e.error.message))));
  });
  return map.getZoom();
}"""
RESTYLE = """async (url) => {
  const style = await (await fetch(url)).json();
  const map = window.chartMap;
  await new Promise((done) => {
    map.once('idle', () => done()); map.setStyle(style, {diff: true}); map.triggerRepaint();
  });
  return map.getStyle().metadata['onemap:mariner'].settings;
}"""
FIT = """(b) => new Promise((done) => { chartMap.once('idle', () => done(chartMap.getZoom()));
  chartMap.fitBounds([[b[0], b[1]], [b[2], b[3]]], {padding: 40, duration: 0}); })"""
DRAWN_AT = """(items) => {
  const map = chartMap;
  const width = map.getCanvas().clientWidth, height = map.getCanvas().clientHeight;
  return items.map((item) => {
    let box;
    if (item.kind === 'outline') {
      const a = map.project([item.bbox[0], item.bbox[3]]), b = map.project([item.bbox[2], item.bbox[1]]);
      box = [[a.x - 2, a.y - 2], [b.x + 2, b.y + 2]];
    } else {
      const p = map.project(item.point), r = item.kind === 'area' ? 1 : 3;
      box = [[p.x - r, p.y - r], [p.x + r, p.y + r]];
    }
    if (box[0][0] < 5 || box[0][1] < 5 || box[1][0] > width - 5 || box[1][1] > height - 5) return null;
    return map.queryRenderedFeatures(box, {layers: [item.layer]}).some((f) => f.properties.foid === item.foid);
  });
}"""
JUMP = """([lon, lat, zoom]) => new Promise((done) => {
  chartMap.once('idle', () => done()); chartMap.jumpTo({center: [lon, lat], zoom}); })"""
#: For each lon/lat: its pixel and the rendered features within `r` pixels (style layer, draw index, foid).
HITS = """([points, r]) => {
  const map = chartMap;
  const order = Object.fromEntries(map.getStyle().layers.map((l, i) => [l.id, i]));
  const {width, height} = map.getCanvas().getBoundingClientRect();
  return points.map(([lon, lat]) => {
    const p = map.project([lon, lat]);
    const inside = p.x > r && p.y > r && p.x < width - r && p.y < height - r;
    const hits = inside ? map.queryRenderedFeatures([[p.x - r, p.y - r], [p.x + r, p.y + r]]) : [];
    return {x: p.x, y: p.y, inside, hits: hits.map((f) => ({layer: f.layer.id, index: order[f.layer.id],
      type: f.layer.type, source_layer: f.sourceLayer, foid: f.properties.foid}))};
  });
}"""
#: Rendered features of some style layers in a pixel box: foid, evaluated icon and colours, text.
RENDERED = """([layers, box]) => chartMap.queryRenderedFeatures(box || undefined, layers ? {layers} : {}).map((f) => ({
  layer: f.layer.id, foid: f.properties.foid, properties: f.properties,
  icon: f.layer.layout['icon-image'] ? f.layer.layout['icon-image'].name : null,
  icon_color: f.layer.paint['icon-color'] || null, text_color: f.layer.paint['text-color'] || null,
  text: f.layer.layout['text-field'] ? f.layer.layout['text-field'].sections.map((s) => s.text).join('') : null}))"""


@dataclass
class ChartSite:
    url: str


# -- what the data says (Features API) ----------------------------------------------------------------
def features(site: ChartSite, collection: str, cell: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{site.url}/collections/{collection}/items", timeout=30,
                         params={"f": "json", "limit": "10000", "filter": f"cell_name = '{cell}'"})
    response.raise_for_status()
    found = response.json()["features"]
    assert found, f"{collection} of {cell} is empty: the import did not store it"
    return found


def coverage(site: ChartSite, cell: str) -> tuple[float, float, float, float]:
    covers = [shape(f["geometry"]) for f in features(site, "enc_m_covr", cell)
              if str(f["properties"].get("catcov")) == "1"]
    minx, miny, maxx, maxy = zip(*(c.bounds for c in covers), strict=True)
    return min(minx), min(miny), max(maxx), max(maxy)


def project(page: Any, lon: float, lat: float) -> tuple[float, float]:
    x, y = page.evaluate("([lon, lat]) => { const q = chartMap.project([lon, lat]); return [q.x, q.y]; }", [lon, lat])
    return x, y


# -- the page -----------------------------------------------------------------------------------------
def open_chart(page: Any, site: ChartSite, url: str, bounds: tuple[float, float, float, float]) -> float:
    page.route(f"{site.url}{PAGE_PATH}",
               lambda route: route.fulfill(body=PAGE, content_type="text/html; charset=utf-8"))
    if not page.url.startswith(f"{site.url}{PAGE_PATH}"):
        page.goto(f"{site.url}{PAGE_PATH}")
    return page.evaluate(OPEN, [url, list(bounds), PADDING])


def fit(page: Any, bounds: tuple[float, float, float, float]) -> float:
    """Show these bounds (40 px padding) and wait until drawn; the zoom reached."""
    return page.evaluate(FIT, list(bounds))


def rendered(page: Any, layers: list[str] | None, box: list[list[float]] | None = None) -> list[dict[str, Any]]:
    return page.evaluate(RENDERED, [layers, box])


def pixels(page: Any) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"), dtype=int)


def rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])


def hex_of(colour: dict[str, float]) -> str:
    return "#" + "".join(f"{round(colour[c] * 255):02x}" for c in ("r", "g", "b"))


def candidates(geometry: BaseGeometry, n: int = 14) -> list[Point]:
    """Points well inside an area: its largest part's pole of inaccessibility, then grid points
    inside it, farthest from its edges first."""
    parts = sorted(getattr(geometry, "geoms", [geometry]), key=lambda g: g.area, reverse=True)
    part = parts[0]
    minx, miny, maxx, maxy = part.bounds
    grid = [Point(x, y) for x in np.linspace(minx, maxx, n) for y in np.linspace(miny, maxy, n)]
    inside = sorted((p for p in grid if part.contains(p)), key=lambda p: -part.boundary.distance(p))
    return [polylabel(part, tolerance=1e-7), *inside]


def clean_pixel(page: Any, geometry: BaseGeometry, fill_layer: str, foid: str, radius: int = 6) -> tuple[int, int]:
    """A pixel inside the area where, within `radius` pixels, nothing is drawn above the area's own
    fill (no line, label, symbol or other area): there the screen shows the fill colour alone."""
    points = candidates(geometry)
    for spot in page.evaluate(HITS, [[[p.x, p.y] for p in points], radius]):
        if not spot["inside"]:
            continue
        own = [h for h in spot["hits"] if h["layer"] == fill_layer]
        index = own[0]["index"] if own else None
        if own and all(h["foid"] == foid for h in own) and all(
                h["index"] <= index or (h["type"] == "fill" and h["source_layer"] == own[0]["source_layer"]
                                        and h["foid"] == foid) for h in spot["hits"]):
            return round(spot["x"]), round(spot["y"])
    pytest.fail(f"no pixel of {fill_layer} {foid} free of other drawing in this view")


def assert_colour(screen: np.ndarray, xy: tuple[int, int], expected: str, what: str) -> None:
    x, y = xy
    got = screen[y, x]
    assert np.abs(got - rgb(expected)).max() <= TOLERANCE, (
        f"{what} at pixel {xy}: drawn #{''.join(f'{c:02x}' for c in got)}, S-52 token {expected}")


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"enc_render-{name}.png"))


def placed(feature: dict[str, Any], layer: str, kind: str) -> dict[str, Any]:
    """What the page needs to find a feature where it is: an area by a point inside it, an outline by
    its bounding box, a mark by its position (the icon's foot)."""
    geometry = shape(feature["geometry"])
    item: dict[str, Any] = {"foid": feature["properties"]["foid"], "layer": layer, "kind": kind}
    if kind == "area":
        point = geometry.representative_point()
        item["point"] = [point.x, point.y]
    elif kind == "outline":
        item["bbox"] = list(geometry.bounds)
    else:
        item["point"] = [geometry.geoms[0].x, geometry.geoms[0].y]
    return item


def drawn_in_view(page: Any, items: list[dict[str, Any]]) -> list[bool | None]:
    """For each item of `placed`: drawn at its place in the current view; None when its place is not in view."""
    return page.evaluate(DRAWN_AT, items)
