"""The Redis tier: tiles shared by every process on every host, each with a time to live.

Keys are `onemap:tile:<namespace>:<layer set>:<tms>:<z>:<row>:<col>`; values are packed entries.
Redis trouble never fails a tile request: a failed read is a miss and a failed write is skipped
(logged once a minute at most).
"""

from __future__ import annotations

import logging
import time

import redis

from tiles.cache.entry import CacheEntry, pack, unpack
from tiles.cache.keys import TileKey

log = logging.getLogger(__name__)
PREFIX = "onemap:tile"


class RedisTier:
    name = "redis"

    def __init__(self, url: str, namespace: str, ttl: int) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self.prefix = f"{PREFIX}:{namespace}:"
        self.ttl = ttl
        self._complained = 0.0

    def key(self, key: TileKey) -> str:
        return f"{self.prefix}{key.layer_set}:{key.tms}:{key.z}:{key.row}:{key.col}"

    def get(self, key: TileKey) -> CacheEntry | None:
        try:
            data = self.client.get(self.key(key))
        except redis.RedisError as exc:
            self._complain(exc)
            return None
        return None if data is None else unpack(bytes(data))  # type: ignore[arg-type]

    def put(self, key: TileKey, entry: CacheEntry) -> None:
        try:
            self.client.set(self.key(key), pack(entry), ex=self.ttl)
        except redis.RedisError as exc:
            self._complain(exc)

    def clear(self, layer_ids: frozenset[str] | None = None) -> int:
        """Delete this namespace's tiles (only layer sets holding one of `layer_ids`, if given)."""
        removed = 0
        batch: list[bytes] = []
        for raw in self.client.scan_iter(match=f"{self.prefix}*", count=1000):
            name = bytes(raw).decode()[len(self.prefix):]  # type: ignore[arg-type]
            if layer_ids is not None and not layer_ids & set(name.split("~", 1)[0].split("+")):
                continue
            batch.append(raw)  # type: ignore[arg-type]
            if len(batch) >= 1000:
                removed += int(self.client.delete(*batch))  # type: ignore[arg-type]
                batch.clear()
        if batch:
            removed += int(self.client.delete(*batch))  # type: ignore[arg-type]
        return removed

    def _complain(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._complained > 60:
            self._complained = now
            log.warning("Redis 瓦片缓存不可用 / Redis tile cache unavailable: %s", exc)

    def close(self) -> None:
        self.client.close()
