"""Tile-cache settings, read from the environment (ONEMAP_*).

- `ONEMAP_TILE_CACHE_MB` — memory cache per process, in MiB (default 256; 0 turns it off).
- `ONEMAP_TILE_CACHE_DIR` — disk cache directory (default `$ONEMAP_DATA_DIR/tiles`, where
  `ONEMAP_DATA_DIR` defaults to `var`); `off` turns the disk cache off.
- `ONEMAP_REDIS_URL` — a Redis shared by every process and host (unset: no Redis tier).
- `ONEMAP_TILE_REDIS_TTL` — seconds a tile stays in Redis (default 7 days).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024
DEFAULT_MEMORY_MB = 256
DEFAULT_REDIS_TTL = 7 * 24 * 3600


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"环境变量 {name} 须为整数 / {name} must be an integer, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"环境变量 {name} 不能为负 / {name} must not be negative, got {value}")
    return value


def default_disk_dir() -> Path | None:
    raw = os.environ.get("ONEMAP_TILE_CACHE_DIR", "").strip()
    if raw.lower() in ("off", "none", "0"):
        return None
    if raw:
        return Path(raw)
    return Path(os.environ.get("ONEMAP_DATA_DIR", "var")) / "tiles"


@dataclass(frozen=True)
class CacheSettings:
    #: Memory tier budget in bytes (0: no memory tier).
    memory_bytes: int = DEFAULT_MEMORY_MB * MIB
    #: Disk tier directory (None: no disk tier).
    disk_dir: Path | None = None
    #: Redis tier URL (None: no Redis tier).
    redis_url: str | None = None
    #: Seconds a tile lives in Redis.
    redis_ttl: int = DEFAULT_REDIS_TTL

    @classmethod
    def from_env(cls) -> CacheSettings:
        return cls(
            memory_bytes=_int("ONEMAP_TILE_CACHE_MB", DEFAULT_MEMORY_MB) * MIB,
            disk_dir=default_disk_dir(),
            redis_url=os.environ.get("ONEMAP_REDIS_URL", "").strip() or None,
            redis_ttl=_int("ONEMAP_TILE_REDIS_TTL", DEFAULT_REDIS_TTL) or DEFAULT_REDIS_TTL,
        )
