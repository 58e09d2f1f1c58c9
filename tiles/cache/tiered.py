"""`TileCache`: memory, then disk, then Redis, each entry checked against the current data versions.

Lookup walks the tiers in order. An entry rendered at the current data versions of all its layers
is served as is. An entry rendered at older versions is still served — after *restamping* it with
the current versions in the tiers that hold it — when no edit since then touches the tile's box
(`VersionBoard.untouched`); otherwise the next tier is tried (another process may have rendered a
newer one), and if none has a valid entry the caller renders. What is found in a lower tier is
copied into the tiers above it.

Entries of different databases never mix: disk and Redis keys start with a namespace built from
the store (its kind, its address and `instance_id()`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from typing import Protocol

from layers.stores.base import FeatureStore
from tiles.cache.bounds import influence_box
from tiles.cache.disk import DiskTier
from tiles.cache.entry import CacheEntry
from tiles.cache.keys import TileKey
from tiles.cache.memory import MemoryTier
from tiles.cache.response import TileResponse
from tiles.cache.settings import CacheSettings
from tiles.cache.versions import VersionBoard
from tiles.model import TileAddress


class Tier(Protocol):
    name: str

    def get(self, key: TileKey) -> CacheEntry | None: ...

    def put(self, key: TileKey, entry: CacheEntry) -> None: ...


def namespace(store: FeatureStore) -> str:
    """`<kind>-<hash of the store's address and instance id>`: one per database."""
    digest = hashlib.blake2b(f"{store!r}|{store.instance_id()}".encode(), digest_size=6).hexdigest()
    return f"{store.kind}-{digest}"


class TileCache:
    def __init__(self, store: FeatureStore, settings: CacheSettings) -> None:
        self.store = store
        self.settings = settings
        self.board = VersionBoard(store)
        self.namespace = namespace(store)
        self.memory = MemoryTier(settings.memory_bytes) if settings.memory_bytes > 0 else None
        self.disk = DiskTier(settings.disk_dir, self.namespace) if settings.disk_dir is not None else None
        self.redis = None
        if settings.redis_url:
            from tiles.cache.redis_tier import RedisTier

            self.redis = RedisTier(settings.redis_url, self.namespace, settings.redis_ttl)
        self.tiers: list[Tier] = [tier for tier in (self.memory, self.disk, self.redis) if tier is not None]

    def versions(self, layer_ids: tuple[str, ...]) -> tuple[int, ...] | None:
        """The current data version of each layer, or None if one is not registered."""
        current = self.board.current()
        try:
            return tuple([current[layer_id] for layer_id in layer_ids])
        except KeyError:
            return None

    def get_memory(self, key: Hashable, versions: tuple[int, ...]) -> TileResponse | None:
        """The fast path: a memory entry at exactly the current versions (no I/O at all)."""
        if self.memory is None:
            return None
        entry = self.memory.get(key)
        if entry is not None and entry.versions == versions:
            return entry.response
        return None

    def get_local(self, key: TileKey, versions: tuple[int, ...]) -> TileResponse | bool:
        """Memory, then disk, without a query or a network round trip: the response at exactly these
        versions (copied up to memory from disk), True when a tier holds an older entry (only `get`,
        which may query the edit log, can tell whether it is still valid), False when none holds one."""
        older = False
        for depth, tier in enumerate(tier for tier in (self.memory, self.disk) if tier is not None):
            entry = tier.get(key)
            if entry is None:
                continue
            if entry.versions != versions:
                older = True
                continue
            if depth and self.memory is not None:
                self.memory.put(key, entry)
            return entry.response
        return older

    def get(self, key: TileKey, layer_ids: tuple[str, ...], versions: tuple[int, ...],
            address: TileAddress) -> TileResponse | None:
        """A valid cached response for the tile at these versions, or None (render it)."""
        box = None
        for depth, tier in enumerate(self.tiers):
            entry = tier.get(key)
            if entry is None or len(entry.versions) != len(versions):
                continue
            if entry.versions != versions:
                if box is None:
                    box = influence_box(address)
                if not all(self.board.untouched(layer_id, old, now, box)
                           for layer_id, old, now in zip(layer_ids, entry.versions, versions, strict=True)):
                    continue  # stale here: a newer one may wait in a lower tier
                entry = entry.restamped(versions)
                tier.put(key, entry)
            for upper in self.tiers[:depth]:
                upper.put(key, entry)
            return entry.response
        return None

    def put(self, key: TileKey, versions: tuple[int, ...], response: TileResponse) -> None:
        entry = CacheEntry(response, versions)
        for tier in self.tiers:
            tier.put(key, entry)

    def close(self) -> None:
        self.board.close()
        if self.redis is not None:
            self.redis.close()
