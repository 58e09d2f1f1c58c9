"""The application factory: settings → store → registry → routers, one app per process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.templating import Jinja2Templates
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

from gis_server import problems
from gis_server.access_policy import make_policy
from gis_server.cors import CorsPolicy
from gis_server.hardening import HardeningMiddleware
from gis_server.identity import bind as bind_identity
from gis_server.identity import unbind as unbind_identity
from gis_server.items_fastpath import ItemsFastPath
from gis_server.page_cache import PageCache
from gis_server.routers import (
    admin,
    auth,
    collections,
    dashboard,
    enc,
    identity_admin,
    items,
    landing,
    linear_referencing,
    network,
    packages,
    positions,
    styles,
    supervision,
    tiles,
    transactions,
    web_assets,
    webmap,
    workflow,
)
from gis_server.security import current_principal
from gis_server.settings import Settings, get_settings
from gis_server.state import Services
from gis_server.tile_fastpath import CachedTileFastPath
from gis_server.tiles_state import close_async_tiles, close_tile_service
from gis_server.warmup import warm_up
from gis_server.workflow_sweeper import start_sweeper, stop_sweeper
from layers.registry import LayerRegistry
from layers.stores import open_store
from layers.stores.base import FeatureStore

TEMPLATES = Path(__file__).parent / "templates"


def create_app(settings: Settings | None = None, store: FeatureStore | None = None) -> FastAPI:
    """Build the app. A given `store` is used as is (tests); otherwise ONEMAP_DATABASE_URL decides."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = store or open_store(settings.database_url)
        registry = LayerRegistry(opened)
        templates = Jinja2Templates(directory=str(TEMPLATES))
        app.state.settings = settings
        pages = PageCache(opened)
        app.state.services = Services(settings, opened, registry, templates, pages,
                                      make_policy(settings, opened, registry))
        app.state.identity = identity = bind_identity(settings, opened)
        sweeper = start_sweeper(settings, registry)
        try:
            if settings.warm_up:
                await warm_up(app, settings.admin_token)
            yield
        finally:
            await stop_sweeper(sweeper)
            unbind_identity(identity)
            await close_async_tiles(app)
            close_tile_service(app)
            pages.close()
            registry.close()
            if store is None:
                opened.close()

    app = FastAPI(
        title="OneMap 吉林省交通地理信息平台",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(current_principal)],
    )
    app.state.settings = settings
    problems.install(app)
    # Level 4: a 1,000-feature page compresses in a fraction of level 9's time (which ran on the event
    # loop and cost ~13 ms per 270 KB page) for ~15 % more bytes.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=4)
    app.add_middleware(CORSMiddleware, **CorsPolicy(settings.cors_origins).middleware_options())
    app.add_middleware(ItemsFastPath)  # an item page skips routing and middleware (same answers)
    app.add_middleware(CachedTileFastPath)  # a cached tile skips the rest of the stack
    # Outermost, in front of the fast paths: limits, security headers, CORS allow-list, no stack traces.
    app.add_middleware(HardeningMiddleware, settings=settings)
    for module in (landing, collections, items, tiles, styles, transactions, admin, enc, linear_referencing, network,
                   workflow, supervision, positions, web_assets, webmap, dashboard, packages, auth, identity_admin):
        app.include_router(module.router)
    return app
