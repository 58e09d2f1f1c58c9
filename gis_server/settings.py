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


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, "").strip() or default


def _token_hours() -> float:
    raw = _env("ONEMAP_TOKEN_HOURS", "8") or "8"
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"ONEMAP_TOKEN_HOURS 应为小时数 / must be a number of hours: {raw!r}") from None
    if not 0 < value <= 24 * 30:
        raise ValueError(f"ONEMAP_TOKEN_HOURS 应在 0–720 之间 / must be more than 0 and at most 720: {raw!r}")
    return value


MEGABYTE = 1024 * 1024
#: Rate-limit periods by the words `ONEMAP_RATE_LIMIT` accepts after the slash.
RATE_PERIODS = {"second": 1.0, "s": 1.0, "minute": 60.0, "min": 60.0, "m": 60.0, "hour": 3600.0, "h": 3600.0,
                "day": 86400.0, "d": 86400.0}


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most `requests` per `seconds` for one caller, as a token bucket of that size (bursts allowed)."""

    requests: int
    seconds: float


def _megabytes(name: str, default: float) -> int:
    """A size setting in MB (decimals allowed) as bytes."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} 应为兆字节数 / must be a number of megabytes: {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} 必须大于 0 / must be greater than 0: {raw!r}")
    return int(value * MEGABYTE)


def parse_rate_limit(raw: str) -> RateLimit | None:
    """`600/minute` (also `/second`, `/hour`, `/day`, `/s`, `/m`, `/h`, `/d`) → a RateLimit; `0` or `off` → None."""
    text = raw.strip().lower()
    if text in ("0", "off", "none"):
        return None
    count, slash, period = text.partition("/")
    seconds = RATE_PERIODS.get(period.strip()) if slash else None
    if not count.strip().isdigit() or seconds is None:
        raise ValueError(f"ONEMAP_RATE_LIMIT 应形如 600/minute 或 0 / must look like 600/minute, or 0 for off: {raw!r}")
    requests = int(count)
    return RateLimit(requests, seconds) if requests > 0 else None


def _rate_limit() -> RateLimit | None:
    return parse_rate_limit(os.environ.get("ONEMAP_RATE_LIMIT", "").strip() or "6000/minute")


def parse_cors_origins(raw: str) -> tuple[str, ...]:
    """`*` or a comma-separated list of origins (`https://host[:port]`), trailing slashes dropped."""
    origins = tuple(dict.fromkeys(part.strip().rstrip("/") for part in raw.split(",") if part.strip()))
    if not origins or "*" in origins:
        return ("*",)
    for origin in origins:
        scheme, sep, host = origin.partition("://")
        if scheme not in ("http", "https") or not sep or not host or "/" in host:
            raise ValueError(f"ONEMAP_CORS_ORIGINS 中的来源无效（应形如 https://host[:port]） / "
                             f"invalid origin (expected https://host[:port]): {origin!r}")
    return origins


ANONYMOUS_READ_CHOICES = ("all", "public-layers")


def _anonymous_read() -> str | None:
    raw = os.environ.get("ONEMAP_ANONYMOUS_READ", "").strip().lower()
    if not raw:
        return None
    if raw not in ANONYMOUS_READ_CHOICES:
        raise ValueError(f"ONEMAP_ANONYMOUS_READ 须为 all 或 public-layers / must be one of "
                         f"{', '.join(ANONYMOUS_READ_CHOICES)}, not {raw!r}")
    return raw


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
    #: Largest request body (bytes) anywhere but `/packages/sync` (ONEMAP_MAX_BODY_MB, default 16 MB).
    max_body_bytes: int = field(default_factory=lambda: _megabytes("ONEMAP_MAX_BODY_MB", 16))
    #: Largest body of `/packages/sync`, a returned package with photos (ONEMAP_MAX_UPLOAD_MB, default 512 MB).
    max_upload_bytes: int = field(default_factory=lambda: _megabytes("ONEMAP_MAX_UPLOAD_MB", 512))
    #: Requests per caller (token, else client address) and process (ONEMAP_RATE_LIMIT; None: no limit).
    rate_limit: RateLimit | None = field(default_factory=_rate_limit)
    #: Origins that may read cross-origin (ONEMAP_CORS_ORIGINS, comma-separated); ("*",): any origin.
    cors_origins: tuple[str, ...] = field(
        default_factory=lambda: parse_cors_origins(os.environ.get("ONEMAP_CORS_ORIGINS", "*")))
    #: Which layers anonymous callers read (ONEMAP_ANONYMOUS_READ): `all` (every layer open to the
    #: `public` role) or `public-layers` (only layers declared `access.public`); unset: `all` on the
    #: embedded store, `public-layers` on PostGIS.
    anonymous_read: str | None = field(default_factory=lambda: _anonymous_read())

    # -- identity (docs/security.md, "Identity") ------------------------------------------------
    #: Secret signing the platform's own tokens (HS256, at least 32 characters); unset: a random one kept
    #: in `token_key_file`, made on first use.
    token_secret: str | None = field(default_factory=lambda: _env("ONEMAP_TOKEN_SECRET"))
    #: Where the generated token secret is kept; unset: next to the GeoPackage, or in ONEMAP_DATA_DIR.
    token_key_file: Path | None = field(
        default_factory=lambda: Path(raw) if (raw := _env("ONEMAP_TOKEN_KEY_FILE")) else None)
    #: Lifetime of a platform token in hours (ONEMAP_TOKEN_HOURS, default 8).
    token_hours: float = field(default_factory=_token_hours)
    #: The provincial identity platform (OIDC): issuer, audience (both needed), JWKS URL (default: discovered).
    oidc_issuer: str | None = field(default_factory=lambda: _env("ONEMAP_OIDC_ISSUER"))
    oidc_audience: str | None = field(default_factory=lambda: _env("ONEMAP_OIDC_AUDIENCE"))
    oidc_jwks_url: str | None = field(default_factory=lambda: _env("ONEMAP_OIDC_JWKS_URL"))
    #: Claims of an OIDC token naming the caller's roles, organisation and region.
    oidc_roles_claim: str = field(default_factory=lambda: _env("ONEMAP_OIDC_ROLES_CLAIM", "roles") or "roles")
    oidc_org_claim: str = field(default_factory=lambda: _env("ONEMAP_OIDC_ORG_CLAIM", "org") or "org")
    oidc_region_claim: str = field(default_factory=lambda: _env("ONEMAP_OIDC_REGION_CLAIM", "region") or "region")

    @property
    def anonymous_all(self) -> bool:
        """Whether anonymous callers read every `public`-role layer (see `anonymous_read`)."""
        if self.anonymous_read is not None:
            return self.anonymous_read == "all"
        return not self.database_url.startswith("postgresql")


@cache
def get_settings() -> Settings:
    return Settings()
