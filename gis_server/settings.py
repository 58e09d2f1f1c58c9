"""Settings read from the environment (ONEMAP_*), one object per process."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DEFAULT_DATA_DIR = Path(os.environ.get("ONEMAP_DATA_DIR", "var"))


def _default_database_url() -> str:
    return f"geopackage://{(DEFAULT_DATA_DIR / 'onemap.gpkg').resolve()}"


def _users_file() -> Path | None:
    raw = os.environ.get("ONEMAP_USERS_FILE", "").strip()
    return Path(raw) if raw else None


def _sweep_seconds() -> float:
    raw = os.environ.get("ONEMAP_SWEEP_SECONDS", "").strip()
    try:
        value = float(raw) if raw else 60.0
    except ValueError:
        raise ValueError(f"ONEMAP_SWEEP_SECONDS 应为秒数 / must be a number of seconds: {raw!r}") from None
    return max(0.0, value)


@dataclass(frozen=True)
class Settings:
    #: Which store: `postgresql+psycopg://…` (PostGIS) or `geopackage:///path.gpkg` (embedded default).
    database_url: str = field(default_factory=lambda: os.environ.get("ONEMAP_DATABASE_URL") or _default_database_url())
    #: Bearer token that grants the admin role (writes). Unset: writes are refused.
    admin_token: str | None = field(default_factory=lambda: os.environ.get("ONEMAP_ADMIN_TOKEN") or None)
    #: Public base URL (scheme://host[:port][/prefix]) for absolute links; unset: taken from each request.
    public_url: str | None = field(default_factory=lambda: os.environ.get("ONEMAP_PUBLIC_URL") or None)
    #: YAML file of callers: bearer token → name, display name, roles, organisation, region. Unset: none.
    users_file: Path | None = field(default_factory=_users_file)
    #: Seconds between overdue sweeps of the workflow layers in the server (0: no sweeping).
    sweep_seconds: float = field(default_factory=_sweep_seconds)
    #: Render the map's first view into the tile cache before taking requests (`gis_server.warmup`);
    #: `onemap serve` turns it on, an app built in-process (tests) leaves it off unless ONEMAP_WARM_UP=1.
    warm_up: bool = field(default_factory=lambda: os.environ.get("ONEMAP_WARM_UP", "0").strip() == "1")
    host: str = field(default_factory=lambda: os.environ.get("ONEMAP_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(os.environ.get("ONEMAP_PORT", "8000")))


@cache
def get_settings() -> Settings:
    return Settings()
