"""Driving the planners' map in the browser tests: opening it (signed in or not), watching it for
errors, moving it, switching layers through its tree, reading what it drew, and the plain geometry
and colour arithmetic the tests compare with."""

from __future__ import annotations

import math
from typing import Any

import httpx
from shapely.geometry import shape

from tests.browser.conftest import SampleSite

#: The shared pages' window: small enough for quick frames in software rendering, wide enough for the
#: layer panel, the map and a tool panel floating over it.
SMALL_VIEW = {"width": 960, "height": 640}
#: A predicate for `wait_for_function`: the map shows the style with this id, fully loaded.
STYLE_IS = "(id) => onemap.map.isStyleLoaded() && onemap.map.getStyle()?.metadata?.['onemap:style_id'] === id"


def get(site: SampleSite, path: str, token: str | None = None, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(f"{site.url}{path}", params=params, headers=headers, timeout=30)
    response.raise_for_status()
    return response.json()


def open_map(page: Any, site: SampleSite, token: str | None = None) -> None:
    if token:
        page.add_init_script(f"sessionStorage.setItem('onemap.token', {token!r})")
    page.goto(f"{site.url}/map")
    page.wait_for_function("() => window.onemap && window.onemap.ready === true", timeout=60_000)
    idle(page)


def idle(page: Any) -> None:
    page.evaluate("onemap.idle()")


def redraw(page: Any) -> None:
    """Repaint the map and wait until it is idle again."""
    page.evaluate("() => new Promise((done) => { onemap.map.once('idle', () => done()); "
                  "onemap.map.triggerRepaint(); })")


def jump(page: Any, lon: float, lat: float, zoom: float) -> None:
    page.evaluate("([lon, lat, zoom]) => new Promise((done) => { onemap.map.once('idle', () => done()); "
                  "onemap.map.jumpTo({center: [lon, lat], zoom}); })", [lon, lat, zoom])


def show_only(page: Any, layer_ids: list[str], settle: bool = True) -> None:
    """Switch every layer off with the tree's domain boxes, then tick the given layers' boxes (clicks
    dispatched in the page, so a long list does not wait for a frame per box); `settle`: wait for the
    map to finish drawing."""
    page.evaluate("""([ids, settle]) => new Promise((done) => {
        if (settle) onemap.map.once('idle', () => done()); else setTimeout(done, 0);
        for (const box of document.querySelectorAll('input[data-domain]')) {
            if (box.checked || box.indeterminate) { box.checked = true; box.click(); }
        }
        for (const id of ids) {
            const box = document.querySelector(`input[data-layer="${id}"]`);
            if (!box.checked) box.click();
        }
        onemap.map.triggerRepaint();
    })""", [layer_ids, settle])
    for layer in layer_ids:
        assert page.locator(f'input[data-layer="{layer}"]').is_checked()


def rendered(page: Any, layer_id: str) -> list[dict[str, Any]]:
    """The rendered features of a registry layer: id, properties and the evaluated paint."""
    return page.evaluate("""(id) => {
        const map = onemap.map;
        const layers = onemap.index.get(id).styleLayers.filter((s) => map.getLayer(s));
        return map.queryRenderedFeatures({layers}).map((f) => ({id: f.id, layer: f.layer.id,
            properties: f.properties, paint: f.layer.paint}));
    }""", layer_id)


def click_at(page: Any, lon: float, lat: float) -> None:
    x, y = page.evaluate("([lon, lat]) => { const p = onemap.map.project([lon, lat]); return [p.x, p.y]; }", [lon, lat])
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def representative(geometry: dict[str, Any]) -> tuple[float, float]:
    point = shape(geometry).point_on_surface()
    return point.x, point.y


def hex_of(colour: dict[str, float]) -> str:
    """MapLibre's evaluated colour (0–1 channels, alpha 1) as #rrggbb."""
    return "#" + "".join(f"{round(colour[c] * 255):02x}" for c in ("r", "g", "b"))


def match_colour(expression: Any, value: str) -> str:
    """The output of a style's `match` expression for `value` (its fallback when no label matches)."""
    assert expression[0] == "match"
    for i in range(2, len(expression) - 1, 2):
        labels = expression[i] if isinstance(expression[i], list) else [expression[i]]
        if value in labels:
            return expression[i + 1]
    return expression[-1]


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))
