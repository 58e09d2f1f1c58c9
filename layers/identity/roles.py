"""The roles the platform knows: those the layers name (read, write, unmask, secret, all-regions) and
those accounts hold, with how many accounts hold each (for `onemap roles list` and the admin API)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from layers.model import LayerDefinition


def layer_roles(layer: LayerDefinition) -> dict[str, list[str]]:
    """Role → what it gives on this layer (read, write, unmask, secret, all_regions)."""
    grants: dict[str, list[str]] = {}
    for what, roles in (("read", layer.read_roles), ("write", layer.write_roles),
                        ("unmask", layer.access.unmask_roles), ("secret", layer.access.secret_roles),
                        ("all_regions", layer.access.all_regions_roles)):
        for role in roles:
            grants.setdefault(role, []).append(what)
    return grants


def known_roles(layers: Iterable[LayerDefinition], account_counts: Mapping[str, int]) -> list[dict[str, Any]]:
    """Every role named by a layer or held by an account, sorted: its account count and its layer grants."""
    table: dict[str, dict[str, Any]] = {}
    for layer in layers:
        for role, grants in layer_roles(layer).items():
            entry = table.setdefault(role, {"role": role, "accounts": 0, "layers": {}})
            entry["layers"][layer.id] = grants
    for role, count in account_counts.items():
        table.setdefault(role, {"role": role, "accounts": 0, "layers": {}})["accounts"] = count
    return [table[role] for role in sorted(table)]
