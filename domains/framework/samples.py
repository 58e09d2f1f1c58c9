"""Loading domains' sample data: register every domain's layers, then run its sample loader.

Idempotent: a layer that already holds features is left alone unless `replace` is asked for;
a domain loader decides the same for the tables it owns.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from domains.framework.domain import Domain, SampleContext
from layers.io.importer import ImportOptions, import_file
from layers.model import LayerDefinition
from layers.registry import LayerRegistry


class SampleLoadError(RuntimeError):
    """Sample rows were rejected: the samples and their layer declarations disagree."""


def register_domain_layers(registry: LayerRegistry, domains: Iterable[Domain]) -> list[LayerDefinition]:
    """Register (or update in place) every layer of the given domains; returns them."""
    layers = []
    for item in domains:
        for layer in item.layers():
            registry.register(layer, replace=True)
            layers.append(layer)
    return layers


def has_features(registry: LayerRegistry, layer: LayerDefinition) -> bool:
    return registry.store.layer_state(layer).feature_count > 0


def load_samples(context: SampleContext, domains: Sequence[Domain]) -> dict[str, int]:
    """Register the domains' layers and load their samples, dependencies first."""
    register_domain_layers(context.registry, domains)
    written: dict[str, int] = {}
    for item in domains:
        if item.samples is not None:
            written.update(item.samples(context))
    return written


def import_geojson_samples(context: SampleContext, layers: Iterable[LayerDefinition], folder: Path) -> dict[str, int]:
    """Load `<folder>/<layer id>.geojson` into each layer that is empty (or all, with `replace`)."""
    written: dict[str, int] = {}
    for layer in layers:
        if has_features(context.registry, layer):
            if not context.replace:
                continue
            context.registry.drop(layer.id)
            context.registry.register(layer)
        with tempfile.TemporaryDirectory() as scratch:
            options = ImportOptions(rejects_path=Path(scratch) / "rejects.csv")
            report = import_file(context.registry.store, layer, folder / f"{layer.id}.geojson", options=options)
        if report.rows_rejected:
            raise SampleLoadError(f"{layer.id}: {report.rows_rejected} 条示例记录被拒绝 / sample rows rejected")
        written[layer.id] = report.rows_written
        context.progress(layer.id, report.rows_written, report.rows_written)
    return written
