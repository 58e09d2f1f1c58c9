"""Edits invalidate exactly the tiles they touch, at every zoom, end to end on both stores.

Real renderers (PostGIS `ST_AsMVT`, the Python encoder on GeoPackage) behind the real cache;
a thin wrapper counts what gets rendered. A set of tiles at several zooms and in two tile matrix
sets — some holding the feature that is edited, some not — is rendered and cached; then the
feature is moved (and, in other tests, re-stated, deleted, or joined by a new one). Exactly the
tiles touching its old or new place are rendered again and show the change; every other tile is
served from the cache, byte for byte as before — in this process and in another one sharing the
disk cache.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence

import mapbox_vector_tile
import pytest
from shapely.geometry import Point

from layers.model import LayerDefinition
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from tiles.cache import CacheSettings
from tiles.matrix_sets import get_tms, lonlat_bounds
from tiles.model import RenderedTile, TileAddress
from tiles.renderers import renderer_for
from tiles.service import TileResponse, TileService

WEB, CGCS = "WebMercatorQuad", "CGCS2000Quad"
CHANGCHUN = (125.3245, 43.8868)  # where the edited feature starts
JILIN = (126.5496, 43.8378)      # where it moves to, ~100 km east
MIDWAY = (125.95, 43.86)         # between them: a tile here must not re-render at high zooms
YANJI = (129.5089, 42.8912)      # another feature, far away, never edited
ZOOMS = {WEB: (5, 7, 9, 11, 13, 15), CGCS: (6, 10, 14)}


def definition() -> LayerDefinition:
    return LayerDefinition.model_validate({
        "id": "stations", "title_zh": "测试站点", "title_en": "Test stations", "domain": "test",
        "catalogue_code": "JL-TEST-010", "geometry_type": "Point", "min_zoom": 0, "max_zoom": 18,
        "fields": [{"name": "name", "type": "string", "title_zh": "名称"},
                   {"name": "workflow_state", "type": "string", "title_zh": "流程状态"}],
    })


class Counting:
    """The store's real renderer, counting the tiles it renders."""

    def __init__(self, renderer: object) -> None:
        self.renderer = renderer
        self.rendered: list[TileAddress] = []

    def render(self, layers: Sequence[LayerDefinition], address: TileAddress) -> RenderedTile:
        self.rendered.append(address)
        return self.renderer.render(layers, address)  # type: ignore[attr-defined]


def address_at(point: tuple[float, float], tms_id: str, z: int) -> TileAddress:
    tile = get_tms(tms_id).tile(point[0], point[1], z)
    return TileAddress(tms_id, z, tile.y, tile.x)


def holds(address: TileAddress, point: tuple[float, float]) -> bool:
    west, south, east, north = lonlat_bounds(address)
    return west <= point[0] <= east and south <= point[1] <= north


def addresses() -> list[TileAddress]:
    wanted = {address_at(point, tms_id, z) for tms_id, zooms in ZOOMS.items() for z in zooms
              for point in (CHANGCHUN, JILIN, MIDWAY, YANJI)}
    return sorted(wanted, key=lambda a: (a.tms, a.z, a.row, a.col))


def features(response: TileResponse) -> dict[int, dict]:
    """fid → properties of the `stations` layer in a tile."""
    decoded = mapbox_vector_tile.decode(gzip.decompress(response.gzip_body))
    return {feature["id"]: feature["properties"] for feature in decoded.get("stations", {}).get("features", [])}


@pytest.fixture
def world(store_url, tmp_path):
    """A store with two stations, a counting real renderer and a cache (memory + disk)."""
    store = open_store(store_url)
    layer = definition()
    store.register_layer(layer)
    moving, fixed = store.insert(layer, [
        FeatureRecord(Point(*CHANGCHUN), {"name": "长春站", "workflow_state": "open"}),
        FeatureRecord(Point(*YANJI), {"name": "延吉站", "workflow_state": "open"}),
    ])
    settings = CacheSettings(memory_bytes=1 << 24, disk_dir=tmp_path / "tiles")
    renderer = Counting(renderer_for(store))
    service = TileService(store, settings, renderer=renderer)
    yield store, layer, service, renderer, (moving, fixed), settings
    service.close()
    store.close()


def serve_all(service: TileService, layer: LayerDefinition) -> dict[TileAddress, TileResponse]:
    return {address: service.tile([layer], address) for address in addresses()}


def test_tiles_are_cached_until_something_changes(world):
    _, layer, service, renderer, (moving, _), _ = world
    first = serve_all(service, layer)
    assert sorted(renderer.rendered, key=str) == sorted(first, key=str)  # each rendered once
    expected = {moving: {"name": "长春站", "workflow_state": "open", "domain": "test"}}
    assert features(first[address_at(CHANGCHUN, WEB, 15)]) == expected
    renderer.rendered.clear()
    assert serve_all(service, layer) == first and renderer.rendered == []


def test_moving_a_feature_re_renders_exactly_the_tiles_of_its_old_and_new_place(world):
    store, layer, service, renderer, (moving, _), settings = world
    before = serve_all(service, layer)
    renderer.rendered.clear()

    store.replace(layer, moving, FeatureRecord(Point(*JILIN), {"name": "长春站", "workflow_state": "open"}))
    after = serve_all(service, layer)

    touched = {address for address in before if holds(address, CHANGCHUN) or holds(address, JILIN)}
    assert set(renderer.rendered) == touched and len(renderer.rendered) == len(touched)
    untouched = set(before) - touched
    # the far tiles (from zoom 7 on, where Yanji has a tile of its own) and, from zoom 11 on, the
    # tiles between old and new place stay cached
    assert {address_at(YANJI, WEB, z) for z in ZOOMS[WEB] if z >= 7} <= untouched
    assert {address_at(MIDWAY, WEB, z) for z in (11, 13, 15)} <= untouched
    for address in untouched:
        assert after[address] is before[address] or after[address] == before[address]
    for address in touched:
        present = features(after[address])
        assert (moving in present) == holds(address, JILIN), address
    # every zoom of both tile matrix sets had tiles re-rendered
    assert {(a.tms, a.z) for a in touched} == {(tms_id, z) for tms_id, zooms in ZOOMS.items() for z in zooms}

    # another process sharing the disk cache (empty memory, its own watch) agrees, rendering nothing
    other_renderer = Counting(renderer_for(store))
    other = TileService(store, settings, renderer=other_renderer)
    try:
        assert serve_all(other, layer) == after and other_renderer.rendered == []
    finally:
        other.close()


def test_a_workflow_transition_re_renders_the_tiles_of_that_feature_only(world):
    store, layer, service, renderer, (_, fixed), _ = world
    serve_all(service, layer)
    renderer.rendered.clear()
    store.replace(layer, fixed, FeatureRecord(Point(*YANJI), {"name": "延吉站", "workflow_state": "closed"}))
    after = serve_all(service, layer)
    touched = {address for address in after if holds(address, YANJI)}
    assert set(renderer.rendered) == touched
    for address in touched:
        assert features(after[address])[fixed]["workflow_state"] == "closed"


def test_create_and_delete_invalidate_their_tiles(world):
    store, layer, service, renderer, (_, fixed), _ = world
    serve_all(service, layer)
    renderer.rendered.clear()
    (created,) = store.insert(layer, [FeatureRecord(Point(*MIDWAY), {"name": "新站", "workflow_state": "open"})])
    after = serve_all(service, layer)
    assert set(renderer.rendered) == {address for address in after if holds(address, MIDWAY)}
    assert all(created in features(after[address]) for address in renderer.rendered)

    renderer.rendered.clear()
    store.delete(layer, fixed)
    after = serve_all(service, layer)
    assert set(renderer.rendered) == {address for address in after if holds(address, YANJI)}
    assert all(fixed not in features(after[address]) for address in renderer.rendered)


def test_bulk_delete_and_redefinition(world):
    store, layer, service, renderer, (_, fixed), _ = world
    serve_all(service, layer)
    renderer.rendered.clear()
    store.delete_where_fids(layer, [fixed])
    after = serve_all(service, layer)
    assert set(renderer.rendered) == {address for address in after if holds(address, YANJI)}

    # a changed definition is a different layer set: everything renders again
    renamed = layer.model_copy(update={"title_zh": "测试站点（改）"})
    store.register_layer(renamed, replace=True)
    renderer.rendered.clear()
    serve_all(service, renamed)
    assert set(renderer.rendered) == set(addresses())


def test_the_invalidation_margin_matches_the_renderers_buffer():
    from tiles.cache.bounds import MARGIN, RENDER_BUFFER
    from tiles.model import EXTENT
    from tiles.renderers import postgis_sql, python

    assert postgis_sql.BUFFER == python.BUFFER == RENDER_BUFFER
    assert RENDER_BUFFER < MARGIN * EXTENT < RENDER_BUFFER + 2


def test_an_edit_in_a_tiles_buffer_re_renders_it_and_one_beyond_does_not(world):
    store, layer, service, renderer, (moving, _), _ = world
    tile = address_at(MIDWAY, WEB, 15)
    west, south, east, north = lonlat_bounds(tile)
    unit = (east - west) / 4096
    inside_buffer = (east + 30 * unit, (south + north) / 2)    # drawn in `tile` (its 64-unit buffer)
    beyond_buffer = (east + 100 * unit, (south + north) / 2)   # not drawn in `tile`
    service.tile([layer], tile)
    renderer.rendered.clear()

    store.replace(layer, moving, FeatureRecord(Point(*beyond_buffer), {"name": "远", "workflow_state": "open"}))
    service.tile([layer], tile)
    assert renderer.rendered == []

    store.replace(layer, moving, FeatureRecord(Point(*inside_buffer), {"name": "近", "workflow_state": "open"}))
    response = service.tile([layer], tile)
    assert renderer.rendered == [tile]
    assert features(response)[moving]["name"] == "近"


# -- over HTTP: an edit through the API shows on the very next tile request ---------------------------

def test_an_edit_through_the_api_shows_on_the_next_tile_request(world, store_url, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from gis_server.app import create_app
    from gis_server.settings import Settings

    store, _, _, _, (moving, fixed), _ = world
    monkeypatch.setenv("ONEMAP_TILE_CACHE_DIR", str(tmp_path / "api-tiles"))
    token = "invalidation-token"
    auth = {"Authorization": f"Bearer {token}"}
    old, new, far = (address_at(point, WEB, 14) for point in (CHANGCHUN, JILIN, YANJI))

    def url(address: TileAddress) -> str:
        return f"/collections/stations/tiles/{WEB}/{address.z}/{address.row}/{address.col}"

    with TestClient(create_app(Settings(database_url=store_url, admin_token=token), store=store)) as client:
        before = {a: client.get(url(a), headers={"Accept-Encoding": "gzip"}) for a in (old, new, far)}
        assert all(response.status_code == 200 for response in before.values())
        assert "no-cache" in before[old].headers["cache-control"]
        etag = before[far].headers["etag"]
        assert client.get(url(far), headers={"If-None-Match": etag, "Accept-Encoding": "gzip"}).status_code == 304

        feature = client.get(f"/collections/stations/items/{moving}")
        moved = {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(JILIN)},
                 "properties": {"name": "长春站", "workflow_state": "open"}}
        response = client.put(f"/collections/stations/items/{moving}", json=moved,
                              headers={**auth, "Content-Type": "application/geo+json",
                                       "If-Match": feature.headers["etag"]})
        assert response.status_code in (200, 204), response.text

        after = {a: client.get(url(a), headers={"Accept-Encoding": "gzip"}) for a in (old, new, far)}
        for address in (old, new):
            assert after[address].headers["etag"] != before[address].headers["etag"]
            assert client.get(url(address), headers={"If-None-Match": before[address].headers["etag"],
                                                      "Accept-Encoding": "gzip"}).status_code == 200
        assert after[far].headers["etag"] == etag  # untouched: the same tile, still a 304 for the client
        assert client.get(url(far), headers={"If-None-Match": etag, "Accept-Encoding": "gzip"}).status_code == 304

        def ids(response) -> set[int]:
            decoded = mapbox_vector_tile.decode(response.content)
            return {f["id"] for f in decoded.get("stations", {}).get("features", [])}

        assert moving not in ids(after[old]) and moving in ids(after[new]) and fixed in ids(after[far])
