"""The composite "one map" style (一张图): every readable layer on one background, in draw order.

Owns the composite's sources and order. Layers are drawn polygons below lines below points, the
base geography below the business domains (`styles.generate.draw_order`), and every label above
every feature. Tiles come from the dataset-level OGC API – Tiles endpoint
`/tiles/WebMercatorQuad/{z}/{y}/{x}?collections=a,b,…`, one multi-layer tile per request; layers
are grouped into sources by their `max_zoom` (so each keeps its own overzoom beyond it) and at most
`MAX_LAYERS_PER_SOURCE` collections per source (the dataset endpoint must accept that many).
A layer's MVT layer inside the multi-layer tile is named by its id, as in its own tiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from layers.model import LayerDefinition
from styles import palette
from styles.catalog import StyleEntry
from styles.generate import TILE_MATRIX_SET, draw_order, style_document, vector_source
from styles.layer_parts import layer_parts

#: Most collections one composite source asks the dataset tile endpoint for.
MAX_LAYERS_PER_SOURCE = 10


def dataset_tiles_url(base_url: str, layer_ids: Sequence[str]) -> str:
    return f"{base_url}/tiles/{TILE_MATRIX_SET}/{{z}}/{{y}}/{{x}}?collections={','.join(layer_ids)}"


def composite_sources(layers: Sequence[LayerDefinition]) -> list[tuple[str, list[LayerDefinition]]]:
    """(source id, layers) groups: same max zoom, registry order, at most MAX_LAYERS_PER_SOURCE each."""
    by_zoom: dict[int, list[LayerDefinition]] = {}
    for layer in layers:
        by_zoom.setdefault(layer.max_zoom, []).append(layer)
    groups = []
    for max_zoom in sorted(by_zoom):
        members = by_zoom[max_zoom]
        for start in range(0, len(members), MAX_LAYERS_PER_SOURCE):
            chunk = members[start:start + MAX_LAYERS_PER_SOURCE]
            suffix = f"-{start // MAX_LAYERS_PER_SOURCE + 1}" if len(members) > MAX_LAYERS_PER_SOURCE else ""
            groups.append((f"onemap-z{max_zoom}{suffix}", chunk))
    return groups


def composite_style(entry: StyleEntry, base_url: str) -> dict[str, Any]:
    """The one-map style over `entry.layers` (already filtered to what the caller may read)."""
    base_url = base_url.rstrip("/")
    groups = composite_sources(entry.layers)
    source_of = {layer.id: source_id for source_id, members in groups for layer in members}
    sources = {source_id: vector_source(dataset_tiles_url(base_url, [layer.id for layer in members]), members)
               for source_id, members in groups}
    parts = [layer_parts(layer, source_of[layer.id]) for layer in draw_order(entry.layers)]
    return style_document(entry, base_url, sources, parts, background=palette.BACKGROUND)
