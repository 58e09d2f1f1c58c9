"""A business domain's declaration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from domains.framework.rules import Rule
from layers.model import LayerDefinition
from layers.registry import LayerRegistry, load_layer_file

#: Reports sample-loading progress: (what, done, total).
SampleProgress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class SampleContext:
    """What a domain's sample loader is given: the registry (and through it the store), a fixed
    reference time (so samples are deterministic: the same input gives the same rows), and a
    progress callback."""

    registry: LayerRegistry
    now: datetime
    progress: SampleProgress
    #: Reload layers that already hold data.
    replace: bool = False


#: Loads a domain's deterministic sample data; returns rows written per layer (or table).
SampleLoader = Callable[[SampleContext], dict[str, int]]


@dataclass(frozen=True, slots=True)
class Domain:
    """One business domain (业务域): its identity, layers, rules and samples."""

    id: str
    title_zh: str
    title_en: str
    #: YAML files declaring the domain's layers (with their `workflow:` sections).
    layer_files: tuple[Path, ...] = ()
    rules: tuple[Rule, ...] = ()
    samples: SampleLoader | None = None
    #: Domains whose layers and samples must exist first (samples cite their features).
    depends_on: tuple[str, ...] = ()
    #: Order in listings and in the one map's legend.
    order: int = 100
    description_zh: str | None = None
    extra_layers: tuple[LayerDefinition, ...] = field(default=())

    def layers(self) -> list[LayerDefinition]:
        """Every layer the domain declares, in file order."""
        declared = [layer for path in self.layer_files for layer in load_layer_file(path)]
        declared.extend(self.extra_layers)
        stray = sorted(layer.id for layer in declared if layer.domain != self.id)
        if stray:
            raise ValueError(f"domain {self.id}: layers {stray} declare another domain")
        return declared
