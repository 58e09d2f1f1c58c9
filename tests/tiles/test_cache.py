"""The tile cache on its own: tiers (memory, disk, Redis), entry format, and the service in front
of a renderer that counts its calls (the real renderers are exercised in test_invalidation.py)."""

from __future__ import annotations

import gzip
import os
import threading
import uuid
from collections.abc import Sequence

import pytest
from shapely.geometry import Point

from layers.model import LayerDefinition
from layers.stores import open_store
from layers.stores.base import FeatureRecord
from tests.conftest import missing
from tiles.cache import CacheSettings, TileKey
from tiles.cache.disk import DiskTier
from tiles.cache.entry import CacheEntry, pack, unpack
from tiles.cache.keys import LayerSets, layer_set_name
from tiles.cache.memory import MemoryTier
from tiles.cache.response import TileResponse
from tiles.matrix_sets import get_tms
from tiles.model import RenderedTile, TileAddress
from tiles.service import TileService

WEB = "WebMercatorQuad"
REDIS_URL = os.environ.get("ONEMAP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def layer(layer_id: str = "stations", **extra: object) -> LayerDefinition:
    values: dict[str, object] = {
        "id": layer_id, "title_zh": "测试站点", "title_en": "Test stations", "domain": "test",
        "catalogue_code": "JL-TEST-009", "geometry_type": "Point",
        "fields": [{"name": "name", "type": "string", "title_zh": "名称"}],
    }
    values.update(extra)
    return LayerDefinition.model_validate(values)


class CountingRenderer:
    """Renders a tile whose bytes name the layers, the address and a counter; records each call."""

    def __init__(self) -> None:
        self.calls: list[TileAddress] = []
        self.fail_next = False

    def render(self, layers: Sequence[LayerDefinition], address: TileAddress) -> RenderedTile:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("renderer failed")
        self.calls.append(address)
        ids = ",".join(item.id for item in layers)
        return RenderedTile(f"{ids}@{address.z}/{address.row}/{address.col}#{len(self.calls)}".encode())


def at(lon: float, lat: float, z: int) -> TileAddress:
    tile = get_tms(WEB).tile(lon, lat, z)
    return TileAddress(WEB, z, tile.y, tile.x)


def entry(body: bytes = b"tile", versions: tuple[int, ...] = (1,)) -> CacheEntry:
    return CacheEntry(TileResponse(gzip.compress(body), '"e-' + body.decode() + '"', empty=False), versions)


def key(col: int, layer_set: str = "stations~abc") -> TileKey:
    return TileKey(layer_set, WEB, 10, 380, col)


# -- pieces --------------------------------------------------------------------------------------

def test_pack_roundtrip_and_garbage_is_no_entry():
    original = CacheEntry(TileResponse(b"\x1f\x8b body", '"abc"', empty=True), (3, 0, 12_000_000_000))
    assert unpack(pack(original)) == original
    assert unpack(b"") is None
    assert unpack(b"GIF89a not a tile") is None
    assert unpack(pack(original)[:12]) is None


def test_memory_tier_is_bounded_by_bytes_and_evicts_least_recently_used():
    one = entry(b"x" * 1000)
    tier = MemoryTier(max_bytes=3 * one.nbytes)
    for col in range(3):
        tier.put(key(col), entry(b"x" * 1000))
    assert tier.get(key(0)) is not None  # 0 is now the most recently used
    tier.put(key(3), entry(b"x" * 1000))
    assert tier.get(key(1)) is None and tier.get(key(0)) is not None and tier.get(key(3)) is not None
    assert tier.bytes <= tier.max_bytes and len(tier) == 3
    tier.put(key(9), entry(b"y" * 10_000))  # larger than the whole budget: not kept
    assert tier.get(key(9)) is None and len(tier) == 3


def test_disk_tier_writes_whole_files_and_clears_by_layer(tmp_path):
    tier = DiskTier(tmp_path, "geopackage-test")
    tier.put(key(1), entry(b"one"))
    tier.put(key(2, "roads+stations~def"), entry(b"two"))
    tier.put(key(3, "bridges~123"), entry(b"three"))
    path = tier.path(key(1))
    assert path.relative_to(tmp_path).parts == ("geopackage-test", "stations~abc", WEB, "10", "380", "1.tile")
    assert tier.get(key(1)) == entry(b"one")
    assert not [p for p in tmp_path.rglob("*.tmp")]  # temporary files were renamed into place
    path.write_bytes(b"half a tile")
    assert tier.get(key(1)) is None  # a damaged file is a miss, not an error
    assert tier.clear(frozenset({"stations"})) == 2
    assert tier.get(key(2, "roads+stations~def")) is None and tier.get(key(3, "bridges~123")) is not None


def test_layer_set_names_follow_definitions():
    a, b = layer("stations"), layer("roads", geometry_type="LineString")
    assert layer_set_name([a, b]).startswith("stations+roads~")
    assert layer_set_name([a, b]) != layer_set_name([b, a])
    assert layer_set_name([a]) != layer_set_name([layer("stations", title_zh="改名")])
    sets = LayerSets()
    assert sets.of([a, b]) == (layer_set_name([a, b]), ("stations", "roads"))
    assert sets.of([a, b]) == sets.of([layer("stations"), layer("roads", geometry_type="LineString")])


# -- the service ----------------------------------------------------------------------------------

@pytest.fixture
def stations(store_url):
    store = open_store(store_url)
    definition = layer()
    store.register_layer(definition)
    store.insert(definition, [FeatureRecord(Point(125.3, 43.9), {"name": "长春"})])
    yield store, definition
    store.close()


def settings(tmp_path, **changes: object) -> CacheSettings:
    values: dict[str, object] = {"memory_bytes": 1 << 20, "disk_dir": tmp_path / "tiles", "redis_url": None}
    values.update(changes)
    return CacheSettings(**values)  # type: ignore[arg-type]


def test_second_request_is_served_from_memory(stations, tmp_path):
    store, definition = stations
    renderer = CountingRenderer()
    service = TileService(store, settings(tmp_path), renderer=renderer)
    address = TileAddress(WEB, 10, 380, 868)
    first = service.tile([definition], address)
    second = service.tile([definition], address)
    assert second is first and len(renderer.calls) == 1
    assert gzip.decompress(first.gzip_body) == b"stations@10/380/868#1"
    assert service.cached([definition], address) is first
    assert service.cached([definition], TileAddress(WEB, 10, 380, 869)) is None
    service.close()


def test_another_process_finds_the_tile_on_disk(stations, tmp_path):
    store, definition = stations
    address = TileAddress(WEB, 10, 380, 868)
    first = TileService(store, settings(tmp_path), renderer=CountingRenderer())
    rendered = first.tile([definition], address)
    other_renderer = CountingRenderer()
    other = TileService(store, settings(tmp_path), renderer=other_renderer)  # a worker with an empty memory
    assert other.tile([definition], address) == rendered and other_renderer.calls == []
    no_disk_renderer = CountingRenderer()
    no_disk = TileService(store, settings(tmp_path, disk_dir=None), renderer=no_disk_renderer)
    no_disk.tile([definition], address)
    assert no_disk_renderer.calls == [address]  # nothing shared without the disk tier
    for service in (first, other, no_disk):
        service.close()


def test_errors_are_never_cached(stations, tmp_path):
    store, definition = stations
    renderer = CountingRenderer()
    service = TileService(store, settings(tmp_path), renderer=renderer)
    address = TileAddress(WEB, 10, 380, 868)
    renderer.fail_next = True
    with pytest.raises(RuntimeError):
        service.tile([definition], address)
    assert service.cached([definition], address) is None
    assert not list((tmp_path / "tiles").rglob("*.tile"))
    service.tile([definition], address)
    assert len(renderer.calls) == 1
    service.close()


def test_a_write_anywhere_is_seen_by_the_next_request(stations, store_url, tmp_path):
    store, definition = stations
    renderer = CountingRenderer()
    service = TileService(store, settings(tmp_path), renderer=renderer)
    here = at(125.3, 43.9, 10)
    service.tile([definition], here)
    reads = service.cache.board.reads
    for _ in range(5):
        service.tile([definition], here)
    assert service.cache.board.reads == reads  # hits do not re-read versions while nothing is written
    writer = open_store(store_url)  # another store instance, as in another worker process
    try:
        writer.insert(definition, [FeatureRecord(Point(125.31, 43.91), {"name": "新站"})])
        calls = len(renderer.calls)
        # The other instance's commit reaches this process as a notification (PostGIS) or a new
        # SQLite data_version (GeoPackage); wait for it without asserting on time.
        import time

        for _ in range(200):
            service.tile([definition], here)
            if len(renderer.calls) > calls:
                break
            time.sleep(0.025)
        assert len(renderer.calls) == calls + 1
    finally:
        writer.close()
    # and a write through this process's own store is seen by the very next request
    store.insert(definition, [FeatureRecord(Point(125.32, 43.92), {"name": "又一站"})])
    calls = len(renderer.calls)
    service.tile([definition], here)
    assert len(renderer.calls) == calls + 1
    service.close()


def test_concurrent_requests_all_get_the_tile(stations, tmp_path):
    store, definition = stations
    service = TileService(store, settings(tmp_path), renderer=CountingRenderer())
    address = TileAddress(WEB, 10, 380, 868)
    expected = service.tile([definition], address)
    results: list[TileResponse] = []

    def fetch() -> None:
        for _ in range(50):
            results.append(service.tile([definition], address))

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 200 and all(result == expected for result in results)
    service.close()


# -- Redis ------------------------------------------------------------------------------------------

@pytest.fixture
def redis_url() -> str:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        missing(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def test_redis_tier_is_shared_across_processes(stations, tmp_path, redis_url):
    store, definition = stations
    address = TileAddress(WEB, 10, 380, 868)
    only_redis = settings(tmp_path, memory_bytes=0, disk_dir=None, redis_url=redis_url)
    first = TileService(store, only_redis, renderer=CountingRenderer())
    try:
        rendered = first.tile([definition], address)
        renderer = CountingRenderer()
        second = TileService(store, only_redis, renderer=renderer)
        assert second.tile([definition], address) == rendered and renderer.calls == []
        redis_tier = second.cache.redis
        assert redis_tier is not None and redis_tier.ttl == only_redis.redis_ttl
        assert 0 < redis_tier.client.ttl(redis_tier.key(TileKey.of(second.layer_sets.of([definition])[0], address)))
        assert redis_tier.clear(frozenset({"stations"})) == 1
        second.tile([definition], address)
        assert len(renderer.calls) == 1
        second.close()
    finally:
        if first.cache.redis is not None:
            first.cache.redis.clear()
        first.close()


def test_redis_down_is_a_miss_not_an_error(stations, tmp_path):
    store, definition = stations
    unreachable = f"redis://127.0.0.1:1/{uuid.uuid4().int % 16}"
    renderer = CountingRenderer()
    service = TileService(store, settings(tmp_path, memory_bytes=0, disk_dir=None, redis_url=unreachable),
                          renderer=renderer)
    address = TileAddress(WEB, 10, 380, 868)
    first, second = service.tile([definition], address), service.tile([definition], address)
    assert gzip.decompress(first.gzip_body).endswith(b"#1") and gzip.decompress(second.gzip_body).endswith(b"#2")
    assert len(renderer.calls) == 2  # rendered each time, served each time
    service.close()


def _until(check) -> bool:
    """Whether `check()` turns true within ~5 s (notifications and socket errors travel)."""
    import time

    for _ in range(200):
        if check():
            return True
        time.sleep(0.025)
    return False


def test_a_lost_listening_connection_means_changed_until_it_is_back(postgis_url, monkeypatch):
    import sqlalchemy as sa

    from layers.stores.postgis import watch as watch_module

    monkeypatch.setattr(watch_module, "RETRY_SECONDS", 0.0)
    store = open_store(postgis_url)
    definition = layer()
    store.register_layer(definition)
    watch = store.change_watch()
    try:
        assert watch.changed()  # a new watch knows nothing yet
        assert _until(lambda: not watch.changed())
        engine = sa.create_engine(postgis_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:  # the server drops the listener (restart, failover, idle kill)
            killed = conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                          "WHERE application_name = 'onemap-watch' AND datname = current_database()"))
            assert killed.scalars().all() == [True]
        engine.dispose()
        assert _until(watch.changed)  # the loss counts as "changed": writes may be missed meanwhile
        assert _until(lambda: not watch.changed())  # listening again
        other = open_store(postgis_url)
        other.insert(definition, [FeatureRecord(Point(125.0, 43.0), {"name": "x"})])
        other.close()
        assert _until(watch.changed)  # and hearing writes again
    finally:
        watch.close()
        store.close()
