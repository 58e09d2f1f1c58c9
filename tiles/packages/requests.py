"""Turning what a person typed (CLI options, API parameters) into a checked `BuildRequest`.

Every problem is a `InvalidQuery`/`LayerNotFound` naming its parameter (`area`, `zooms`, `layers`,
`format`), so the CLI prints it and the API answers 400/404 with problem+json.
"""

from __future__ import annotations

from pathlib import Path

from layers.errors import InvalidQuery, LayerNotFound
from layers.model import LayerDefinition
from layers.stores.base import FeatureStore
from tiles.cache.seed import parse_zooms
from tiles.packages.area import parse_area
from tiles.packages.build import FORMATS, BuildRequest
from tiles.packages.plan import check_request

#: Most layers one package may hold.
MAX_LAYERS = 64


def layer_ids(text: str | None) -> list[str]:
    ids = list(dict.fromkeys(part.strip() for part in (text or "").split(",") if part.strip()))
    if not ids:
        raise InvalidQuery("须至少选择一个图层 / choose at least one layer", parameter="layers")
    if len(ids) > MAX_LAYERS:
        raise InvalidQuery(f"图层过多 / at most {MAX_LAYERS} layers per package", parameter="layers")
    return ids


def build_request(*, area: str, zooms: str, layers: str | None, fmt: str, out: Path, builder: str,
                  store: FeatureStore, registered: list[LayerDefinition]) -> BuildRequest:
    if fmt not in FORMATS:
        raise InvalidQuery(f"不支持的格式 / unsupported format {fmt!r}; use mbtiles or pmtiles", parameter="format")
    known = {layer.id: layer for layer in registered}
    chosen = []
    for layer_id in layer_ids(layers):
        if layer_id not in known:
            raise LayerNotFound(f"图层不存在 / no layer with id {layer_id!r}", parameter="layers")
        chosen.append(known[layer_id])
    levels = parse_zooms(zooms)
    check_request(levels, chosen)
    return BuildRequest(parse_area(area, store, known), levels, tuple(chosen), fmt, out, builder)


__all__ = ["MAX_LAYERS", "build_request", "layer_ids"]
