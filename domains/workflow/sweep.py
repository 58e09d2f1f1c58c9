"""The overdue sweep: keep every workflow item's `overdue` flag true exactly while its deadline has
passed and its state is not terminal, and the map layer of overdue items in line with it.

Run every `ONEMAP_SWEEP_SECONDS` by the server and on demand by `onemap workflow sweep`. Each
layer's flags change in one store transaction (feature versions, data version and edit log move,
so pages, ETags and tiles follow); several processes sweeping at once do no harm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domains.workflow.deadlines import to_millisecond, utc_now
from domains.workflow.overdue_layer import refresh_overdue_layer
from layers.registry import LayerRegistry
from layers.stores.history import OverdueSweep


@dataclass(frozen=True, slots=True)
class SweepReport:
    now: datetime
    layers: list[OverdueSweep] = field(default_factory=list)
    #: Items on the overdue map after the sweep (None: there is no workflow layer, nothing was done).
    overdue_items: int | None = None

    @property
    def changed(self) -> int:
        return sum(result.changed for result in self.layers)


def sweep(registry: LayerRegistry, now: datetime | None = None) -> SweepReport:
    """Sweep every registered workflow layer at `now` (default: the current time)."""
    moment = to_millisecond(now) if now is not None else utc_now()
    layers = [layer for layer in registry.all() if layer.workflow is not None]
    if not layers:
        return SweepReport(moment)
    results = [registry.store.sweep_overdue(layer, moment) for layer in layers]
    count = refresh_overdue_layer(registry, layers, moment)
    return SweepReport(moment, results, count)
