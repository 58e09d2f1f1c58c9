"""What the application holds for its lifetime: settings, the store, the registry, templates, and
the item-page cache.

Routers reach these through `request.app.state`; `services(request)` is the one accessor.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.templating import Jinja2Templates

from gis_server.page_cache import PageCache
from gis_server.settings import Settings
from layers.access.view import AccessPolicy
from layers.registry import LayerRegistry
from layers.stores.base import FeatureStore


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: FeatureStore
    registry: LayerRegistry
    templates: Jinja2Templates
    pages: PageCache
    #: Who may see what: every endpoint reads a layer through `access.view(layer, caller)`.
    access: AccessPolicy


def services(request: Request) -> Services:
    return request.app.state.services
