"""The permission matrix: every caller × every access-test layer × every path (listing, collection,
items, item, filters and sorting, queryables, tiles, composite tiles, styles, search, Part 4 create),
generated from the layers' declarations, against an oracle written apart from `layers.access`
(tests/access/support.py).

Each test is one (layer, path) on one store and walks every caller, collecting every cell that differs
from the oracle, so a failure prints the whole row of the matrix that is wrong. Tiles are asked by the
administrator first, so a tile cache that handed one caller's tile to another would be caught.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient

from layers.model import LayerDefinition
from tests.access.conftest import features_of
from tests.access.support import (
    ADMIN,
    CALLERS,
    LAYERS,
    PLACES,
    PLATES,
    Caller,
    caller_headers,
    denied_status,
    expected_properties,
    may_read,
    visible_regions,
)

LAYER_IDS = [layer.id for layer in LAYERS]
#: The zoom-8 tile holding both prefectures' items (125.30, 43.90) and (126.55, 43.85).
ZOOM = 7


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    col = int((lon + 180.0) / 360.0 * n)
    row = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return row, col


ROW, COL = _tile_of(125.30, 43.90, ZOOM)
assert (ROW, COL) == _tile_of(126.55, 43.85, ZOOM)


def _by_id(layer_id: str) -> LayerDefinition:
    return next(layer for layer in LAYERS if layer.id == layer_id)


def _get(client: TestClient, caller: Caller, url: str) -> Any:
    return client.get(url, headers=caller_headers(caller))


def _check(problems: list[str], caller: Caller, what: str, got: Any, wanted: Any) -> None:
    if got != wanted:
        problems.append(f"{caller.key}: {what}: got {got!r}, wanted {wanted!r}")


def _readers(layer: LayerDefinition) -> list[Caller]:
    order = [ADMIN, *(c for c in CALLERS if c is not ADMIN)]  # the widest view first (cache test)
    return order


def _stored(layer: LayerDefinition, code: str) -> dict[str, Any]:
    props: dict[str, Any] = {"title": f"{layer.title_zh}-{code}", "adcode": code}
    if layer.id == "acc_cases":
        props |= {"plate": PLATES[code], "internal_note": f"内部-{code}"}
    return props


# -- the paths -------------------------------------------------------------------------------------
def path_collections(client: TestClient, layer: LayerDefinition, caller: Caller, problems: list[str]) -> None:
    ids = [c["id"] for c in _get(client, caller, "/collections?f=json").json()["collections"]]
    _check(problems, caller, "listed in /collections", layer.id in ids, may_read(caller, layer, anonymous_all=True))
    status = _get(client, caller, f"/collections/{layer.id}?f=json").status_code
    _check(problems, caller, "/collections/{id}", status,
           200 if may_read(caller, layer, anonymous_all=True) else denied_status(caller))


def path_items(client: TestClient, layer: LayerDefinition, caller: Caller, problems: list[str]) -> None:
    response = _get(client, caller, f"/collections/{layer.id}/items?f=json&limit=100")
    if not may_read(caller, layer, anonymous_all=True):
        _check(problems, caller, "items status", response.status_code, denied_status(caller))
        return
    _check(problems, caller, "items status", response.status_code, 200)
    body = response.json()
    found = features_of(body)
    _check(problems, caller, "regions of items", set(found), visible_regions(caller, layer))
    _check(problems, caller, "numberMatched", body.get("numberMatched"), len(visible_regions(caller, layer)))
    for code, feature in found.items():
        _check(problems, caller, f"properties of the {code} item", feature["properties"],
               expected_properties(caller, layer, _stored(layer, code)))


def path_item(client: TestClient, layer: LayerDefinition, caller: Caller, problems: list[str]) -> None:
    ids = {f["properties"]["adcode"]: f["id"] for f in
           _get(client, ADMIN, f"/collections/{layer.id}/items?f=json").json()["features"]}
    for code, fid in ids.items():
        response = _get(client, caller, f"/collections/{layer.id}/items/{fid}?f=json")
        if not may_read(caller, layer, anonymous_all=True):
            _check(problems, caller, f"item {code} status", response.status_code, denied_status(caller))
        elif code not in visible_regions(caller, layer):
            _check(problems, caller, f"item {code} (outside the region) status", response.status_code, 404)
        else:
            _check(problems, caller, f"item {code} status", response.status_code, 200)
            _check(problems, caller, f"item {code} properties", response.json()["properties"],
                   expected_properties(caller, layer, _stored(layer, code)))


def path_filters(client: TestClient, layer: LayerDefinition, caller: Caller, problems: list[str]) -> None:
    """A filter or sort on a field the caller does not see in clear is a 400, never an oracle of values."""
    if not may_read(caller, layer, anonymous_all=True):
        return
    seen = expected_properties(caller, layer, _stored(layer, "220100"))
    for spec in layer.fields:
        clear = spec.name in seen and seen[spec.name] == _stored(layer, "220100").get(spec.name)
        response = _get(client, caller, f"/collections/{layer.id}/items?f=json&filter={spec.name} IS NOT NULL")
        _check(problems, caller, f"filter on {spec.name}", response.status_code, 200 if clear else 400)
        if not clear:
            _check(problems, caller, f"filter on {spec.name} is problem+json",
                   response.headers.get("content-type", "").split(";")[0], "application/problem+json")
        response = _get(client, caller, f"/collections/{layer.id}/items?f=json&sortby={spec.name}")
        _check(problems, caller, f"sortby {spec.name}", response.status_code, 200 if clear else 400)
    queryables = _get(client, caller, f"/collections/{layer.id}/queryables?f=json").json()["properties"]
    wanted = {name for name, value in seen.items() if value == _stored(layer, "220100").get(name)}
    _check(problems, caller, "queryables", set(queryables) - {"geometry"}, wanted)


def _tile_features(data: bytes, layer_id: str) -> dict[str, dict[str, Any]]:
    decoded = mapbox_vector_tile.decode(data) if data else {}
    features = decoded.get(layer_id, {}).get("features", [])
    return {f["properties"]["adcode"]: f["properties"] for f in features}


def _check_tile(problems: list[str], caller: Caller, layer: LayerDefinition, response: Any, what: str) -> None:
    if not may_read(caller, layer, anonymous_all=True):
        _check(problems, caller, f"{what} status", response.status_code, denied_status(caller))
        return
    if response.status_code not in (200, 204):
        _check(problems, caller, f"{what} status", response.status_code, 200)
        return
    found = _tile_features(response.content, layer.id)
    _check(problems, caller, f"{what}: regions", set(found), visible_regions(caller, layer))
    for code, props in found.items():
        wanted = {k: v for k, v in expected_properties(caller, layer, _stored(layer, code)).items() if v is not None}
        got = {k: v for k, v in props.items() if k != "domain"}
        _check(problems, caller, f"{what}: properties of {code}", got, wanted)
    if caller is not ADMIN and set(found) != set(visible_regions(ADMIN, layer)):
        _check(problems, caller, f"{what}: Cache-Control", response.headers.get("cache-control"), "private, no-cache")


def path_tile(client: TestClient, layer: LayerDefinition, caller: Caller, problems: list[str]) -> None:
    url = f"/collections/{layer.id}/tiles/WebMercatorQuad/{ZOOM}/{ROW}/{COL}"
    for attempt in ("rendered", "cached"):  # the second answer comes from the cache
        _check_tile(problems, caller, layer, _get(client, caller, url), f"tile ({attempt})")


def path_composite_tile(client: TestClient, layer: LayerDefinition, caller: Caller, problems: list[str]) -> None:
    url = f"/tiles/WebMercatorQuad/{ZOOM}/{ROW}/{COL}?collections={layer.id}"
    for attempt in ("rendered", "cached"):
        _check_tile(problems, caller, layer, _get(client, caller, url), f"composite tile ({attempt})")


def path_styles(client: TestClient, layer: LayerDefinition, caller: Caller, problems: list[str]) -> None:
    styles = _get(client, caller, "/styles?f=json").json()["styles"]
    named = {layer_id for style in styles for layer_id in style["layers"]}
    _check(problems, caller, "named in /styles", layer.id in named, may_read(caller, layer, anonymous_all=True))


def path_search(client: TestClient, layer: LayerDefinition, caller: Caller, problems: list[str]) -> None:
    """Search finds an item by its title only where the caller sees it; a masked plate finds nothing."""
    for code in ("220100", "220200"):
        stored = _stored(layer, code)
        hits = _get(client, caller, f"/search?q={stored['title']}").json()["results"]
        found = any(hit["collection"] == layer.id for hit in hits)
        visible = may_read(caller, layer, anonymous_all=True) and code in visible_regions(caller, layer)
        _check(problems, caller, f"search by title of {code}", found, visible)
        if "plate" in stored:
            hits = _get(client, caller, f"/search?q={stored['plate']}").json()["results"]
            found = any(hit["collection"] == layer.id for hit in hits)
            clear = visible and expected_properties(caller, layer, stored)["plate"] == stored["plate"]
            _check(problems, caller, f"search by plate of {code}", found, clear)


def path_write(client: TestClient, layer: LayerDefinition, caller: Caller, problems: list[str]) -> None:
    """Part 4 create, in the caller's own region (and the other one): the write roles and the region decide."""
    for code, (x, y) in PLACES.items():
        body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
                "properties": {"title": f"写入-{caller.key}", "adcode": code}}
        response = client.post(f"/collections/{layer.id}/items", json=body,
                               headers={**caller_headers(caller), "Content-Type": "application/geo+json"})
        if caller is CALLERS[0]:
            wanted = 401
        elif not (caller.admin or caller.roles & set(layer.write_roles)):
            wanted = 403
        else:
            wanted = 201 if code in visible_regions(caller, layer) else 403
        _check(problems, caller, f"create an item in {code}", response.status_code, wanted)
        if response.status_code == 201:
            client.delete(response.headers["location"], headers=caller_headers(ADMIN))


PATHS: dict[str, Callable[[TestClient, LayerDefinition, Caller, list[str]], None]] = {
    "collections": path_collections, "items": path_items, "item": path_item, "filters": path_filters,
    "tile": path_tile, "composite_tile": path_composite_tile, "styles": path_styles, "search": path_search,
    "write": path_write,
}


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_every_caller_gets_what_the_declarations_allow(client: TestClient, layer_id: str, path: str) -> None:
    layer = _by_id(layer_id)
    problems: list[str] = []
    for caller in _readers(layer):
        PATHS[path](client, layer, caller, problems)
    assert not problems, f"{layer_id} × {path}:\n" + "\n".join(problems)


@pytest.mark.parametrize("layer_id", LAYER_IDS)
def test_anonymous_reads_only_declared_public_layers_when_anonymous_access_is_off(
        make_client: Callable[[str], TestClient], layer_id: str) -> None:
    """PostGIS's default (`public-layers`): the anonymous caller reads layers declared public only."""
    client = make_client("public-layers")
    layer = _by_id(layer_id)
    wanted = may_read(CALLERS[0], layer, anonymous_all=False)
    ids = [c["id"] for c in client.get("/collections?f=json").json()["collections"]]
    assert (layer_id in ids) is wanted
    for url in (f"/collections/{layer_id}/items?f=json",
                f"/collections/{layer_id}/tiles/WebMercatorQuad/{ZOOM}/{ROW}/{COL}",
                f"/tiles/WebMercatorQuad/{ZOOM}/{ROW}/{COL}?collections={layer_id}"):
        status = client.get(url).status_code
        assert (status in (200, 204)) is wanted and (wanted or status == 401), (url, status)
