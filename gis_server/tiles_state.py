"""The one `TileService` of an application: created on first use, kept on `app.state`, closed at shutdown.

The service holds the renderer and the tile cache, so it must live as long as the app and be
shared by every request; `tile_service(request)` is the one accessor and `close_tile_service(app)`
releases it (call it when the app's lifespan ends).
"""

from __future__ import annotations

import threading

from fastapi import FastAPI, Request

from gis_server.state import services
from tiles.service import TileService

_LOCK = threading.Lock()


def tile_service(request: Request) -> TileService:
    """The app's tile service over the app's store, created once (thread-safe; sync routes run in threads)."""
    state = request.app.state
    store = services(request).store
    service: TileService | None = getattr(state, "tile_service", None)
    if service is not None and service.store is store:
        return service
    with _LOCK:
        service = getattr(state, "tile_service", None)
        if service is not None and service.store is store:
            return service
        if service is not None:  # the app was started again over another store
            service.close()
        service = TileService(store)
        state.tile_service = service
        return service


def cached_tile_service(app: FastAPI, store: object) -> TileService | None:
    """The app's tile service if one exists over `store` (never creates one: for the fast path)."""
    service: TileService | None = getattr(app.state, "tile_service", None)
    return service if service is not None and service.store is store else None


async def close_async_tiles(app: FastAPI) -> None:
    """Release what the tile service holds on the event loop (before `close_tile_service`)."""
    service: TileService | None = getattr(app.state, "tile_service", None)
    if service is not None:
        await service.aclose()


def close_tile_service(app: FastAPI) -> None:
    """Close the app's tile service, if one was created (cache files, watch connections)."""
    with _LOCK:
        service: TileService | None = getattr(app.state, "tile_service", None)
        app.state.tile_service = None
    if service is not None:
        service.close()
