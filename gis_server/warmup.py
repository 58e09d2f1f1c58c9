"""Warm-up before a server takes requests: the map's first view, asked for the way a browser asks.

A planner's first visit after a start would otherwise pay for the server's first-use work — the
one-map style generated for the first time, the registry's tables and statements, the first tile
pool connections — and for rendering every tile of the overview. `warm_up(app)` runs in the app's
lifespan, before the server accepts connections, and sends in-process requests through the whole
app (middleware, fast paths, routes): the map configuration and the anonymous one-map style, then
every tile of that style's sources over the initial view at the overview zooms. Tiles land in the
tile cache (memory, and the disk tier the next start finds again).

On when `Settings.warm_up` is (`ONEMAP_WARM_UP=1`; `onemap serve` sets it unless told otherwise).
With an admin token configured, the view with every layer is warmed too (what a signed-in
administrator or a dashboard wall opens). Errors are logged and never stop the server.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import morecantile
import orjson
from starlette.types import ASGIApp, Message

from tiles.matrix_sets import WEB_MERCATOR_QUAD, get_tms

log = logging.getLogger("onemap")

#: The zooms the first view asks for: the page fits the province at up to zoom 5.9 (whole tiles of
#: zoom 5 at most; 3–4 on small screens), and a first zoom-in asks for 6.
WARM_ZOOMS = (3, 4, 5, 6)
#: Tiles rendered at once (the renderer's pool and both cores stay busy, nothing queues for long).
CONCURRENCY = 4
#: Where the map starts when the configuration names no view (the province, lon/lat).
PROVINCE = (121.6, 40.8, 131.4, 46.4)


async def asgi_get(app: ASGIApp, target: str, *, gzip: bool = False, token: str | None = None) -> tuple[int, bytes]:
    """GET `target` (path and query) from `app` in-process as a local client — anonymous, or with a
    bearer token — accepting gzip when asked (tiles are cached as browsers ask for them)."""
    path, _, query = target.partition("?")
    headers = [(b"host", b"localhost")]
    if gzip:
        headers.append((b"accept-encoding", b"gzip"))
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode("latin-1")))
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
        "root_path": "", "headers": headers,
        "client": ("127.0.0.1", 0), "server": ("localhost", 80), "app": app,
    }
    status = 0
    body: list[bytes] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(body)


def first_view_tiles(style: dict[str, Any], bounds: tuple[float, float, float, float],
                     zooms: tuple[int, ...] = WARM_ZOOMS) -> list[str]:
    """Path and query of every tile of the style's vector sources over `bounds` at `zooms`."""
    templates = []
    for source in style.get("sources", {}).values():
        if source.get("type") != "vector":
            continue
        for url in source.get("tiles", []):
            parts = urlsplit(url)
            templates.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    tms = get_tms(WEB_MERCATOR_QUAD)
    tiles = [tile for z in zooms for tile in tms.tiles(*bounds, [z])]
    return [template.replace("{z}", str(t.z)).replace("{y}", str(t.y)).replace("{x}", str(t.x))
            for template in templates for t in tiles if isinstance(t, morecantile.Tile)]


async def warm_up(app: ASGIApp, admin_token: str | None = None) -> None:
    """Warm the anonymous caller's first view and, when an admin token is configured, the view with
    every layer (what a signed-in administrator or a dashboard wall opens)."""
    started = time.perf_counter()
    try:
        urls: dict[str, str | None] = {}
        for token in (None, admin_token) if admin_token else (None,):
            for url in await _first_view(app, token):
                urls.setdefault(url, token)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def fetch(url: str, token: str | None) -> int:
            async with gate:
                return (await asgi_get(app, url, gzip=True, token=token))[0]

        statuses = await asyncio.gather(*(fetch(url, token) for url, token in urls.items()))
        failed = sum(status >= 400 for status in statuses)
        log.info("warm-up: styles and %d first-view tiles in %.1f s (%d failed)",
                 len(urls), time.perf_counter() - started, failed)
    except Exception:  # a warm-up must never keep the server from starting
        log.exception("warm-up failed; the server starts cold")


async def _first_view(app: ASGIApp, token: str | None) -> list[str]:
    status, body = await asgi_get(app, "/map/config", token=token)
    view = orjson.loads(body).get("view", {}).get("bounds") if status == 200 else None
    bounds = tuple(view) if view and len(view) == 4 else PROVINCE
    status, body = await asgi_get(app, "/styles/onemap", token=token)
    if status != 200:
        log.warning("warm-up: no one-map style for this caller (HTTP %s)", status)
        return []
    return first_view_tiles(orjson.loads(body), bounds)  # type: ignore[arg-type]


__all__ = ["asgi_get", "first_view_tiles", "warm_up"]
