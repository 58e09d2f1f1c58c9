"""What the planners' map (`/map`) needs to know about the platform, for one caller.

Owns the layer tree: the business domains of `domains.framework.discovery.discover_domains()` in
their order (Chinese names), each with the registry layers of that domain the caller may read;
layers of a domain nobody declared (the overdue map of `supervision`) get a group of their own.
Chart layers (`enc_*`, the electronic navigational chart) are marked so the map keeps them in
their own sub-group, hidden until asked for (the chart view draws them with the S-52 styles).
Also: the initial view (the prefectures' extent), the chart's extent, the caller, and the
Tianditu key when one is configured (`ONEMAP_TIANDITU_KEY`; without it the map asks nothing of
the internet). Legends come from the styles themselves (`onemap:legend` of `/styles/onemap`).

May import: `layers`, `domains.framework`, `domains.workflow`, `gis_server.security`.
"""

from __future__ import annotations

import os
from typing import Any

from domains.framework.discovery import discover_domains
from domains.workflow.actor import Actor
from layers.access.principal import Access, Principal
from layers.access.view import AccessPolicy
from layers.errors import LayerNotFound
from layers.model import LayerDefinition
from layers.registry import LayerRegistry
from layers.stores.base import FeatureStore

CHART_PREFIX = "enc_"
#: Groups for layers whose domain no discovered domain declares (id → Chinese, English title).
EXTRA_DOMAINS: dict[str, tuple[str, str]] = {
    "supervision": ("再监管（超期事项）", "Supervision of the supervisors"),
}
#: Shown when nothing better is known: Jilin Province (lon/lat).
JILIN_BOUNDS = (121.6, 40.9, 131.3, 46.3)
VIEW_LAYER = "prefectures"
CHART_VIEW_LAYERS = ("enc_m_covr", "enc_depare")
TIANDITU_ENV = "ONEMAP_TIANDITU_KEY"
#: Layers the tree starts with switched off: the overdue map repeats what the red rings on the
#: workflow layers already show (switch it on for one layer of every overdue item).
OFF_AT_START = frozenset({"supervision_overdue"})


def tianditu_key() -> str | None:
    """The Tianditu browser key from the environment, or None (then no basemap leaves the machine)."""
    key = os.environ.get(TIANDITU_ENV, "").strip()
    return key or None


def is_chart(layer: LayerDefinition) -> bool:
    return layer.id.startswith(CHART_PREFIX)


def may_create(layer: LayerDefinition, policy: AccessPolicy, principal: Principal) -> bool:
    """Whether the caller may add items (the workflow engine's rule for workflow layers)."""
    if layer.workflow is None or not principal.key_allows(layer.id, Access.WRITE):
        return policy.may_write(layer, principal)
    return Actor(name="map", roles=principal.roles).may_create(layer)


def layer_entry(layer: LayerDefinition, policy: AccessPolicy, principal: Principal) -> dict[str, Any]:
    """One layer of the tree: names, geometry, zooms, workflow states, whether it starts visible and
    whether the caller may add items to it."""
    spec = layer.workflow
    return {
        "id": layer.id,
        "title_zh": layer.title_zh,
        "title_en": layer.title_en,
        "geometry": layer.geometry_type.value,
        "min_zoom": layer.min_zoom,
        "max_zoom": layer.max_zoom,
        "chart": is_chart(layer),
        "visible": not is_chart(layer) and layer.id not in OFF_AT_START,
        "temporal_field": layer.temporal_field,
        "may_create": may_create(layer, policy, principal),
        "workflow": None if spec is None else {
            "states": [{"id": s.id, "name_zh": s.name_zh, "name_en": s.name_en, "terminal": s.terminal}
                       for s in spec.states],
        },
    }


def layer_tree(layers: list[LayerDefinition], policy: AccessPolicy, principal: Principal) -> list[dict[str, Any]]:
    """Readable layers grouped by domain, domains in their declared order, layers in registry order."""
    groups: dict[str, dict[str, Any]] = {}
    for domain in discover_domains():
        groups[domain.id] = {"id": domain.id, "title_zh": domain.title_zh, "title_en": domain.title_en,
                             "base": domain.id == "base", "layers": []}
    for layer in layers:
        group = groups.get(layer.domain)
        if group is None:
            zh, en = EXTRA_DOMAINS.get(layer.domain, (layer.domain, layer.domain))
            group = groups[layer.domain] = {"id": layer.domain, "title_zh": zh, "title_en": en, "base": False,
                                            "layers": []}
        group["layers"].append(layer_entry(layer, policy, principal))
    return [group for group in groups.values() if group["layers"]]


def _bounds(store: FeatureStore, registry: LayerRegistry, layer_ids: tuple[str, ...]) -> list[float] | None:
    for layer_id in layer_ids:
        try:
            layer = registry.get(layer_id)
        except LayerNotFound:
            continue
        bbox = store.layer_state(layer).bbox
        if bbox is not None:
            return [round(v, 6) for v in bbox]
    return None


def caller_json(principal: Principal) -> dict[str, Any]:
    return {"name": principal.name, "display_name": principal.display_name, "roles": sorted(principal.roles),
            "organisation": principal.organisation, "region": principal.region,
            "anonymous": principal.is_anonymous}


def map_config(store: FeatureStore, registry: LayerRegistry, policy: AccessPolicy,
               principal: Principal) -> dict[str, Any]:
    """The map's configuration for this caller (only layers the caller may read are named)."""
    readable = [layer for layer in registry.all() if policy.may_read(layer, principal)]
    ids = {layer.id for layer in readable}
    key = tianditu_key()
    return {
        "title_zh": "交通一张图",
        "title_en": "OneMap for planners",
        "caller": caller_json(principal),
        "view": {"bounds": _bounds(store, registry, (VIEW_LAYER,) if VIEW_LAYER in ids else ()) or
                 list(JILIN_BOUNDS)},
        "chart": {"available": any(is_chart(layer) for layer in readable),
                  "bounds": _bounds(store, registry, tuple(i for i in CHART_VIEW_LAYERS if i in ids))},
        "tianditu": None if key is None else {"key": key},
        "domains": layer_tree(readable, policy, principal),
        "style": "/styles/onemap",
    }
